#include "sidecar/identity/svid_verifier.h"

#include <openssl/err.h>

#include "policy/quote.h"
#include "policy/spiffe_id.h"
#include "sidecar/identity/trust_store.h"
#include "sidecar/identity/x509_time.h"

namespace warden::sidecar {
namespace {

PeerVerification rejected(std::string error) {
  opensslErrors();  // leave no stale errors behind for the TLS layer
  PeerVerification result;
  result.error = std::move(error);
  return result;
}

// The leaf's own validity, checked before path validation so the log names the time instead of an OpenSSL code.
// Same rule as X509_verify_cert (X509_cmp_time), which then checks the rest of the chain: valid when
// notBefore <= now < notAfter.
std::optional<std::string> validityError(X509* leaf, std::chrono::system_clock::time_point now) {
  const auto notBefore = asn1TimeToTimePoint(X509_get0_notBefore(leaf));
  const auto notAfter = asn1TimeToTimePoint(X509_get0_notAfter(leaf));
  if (!notBefore || !notAfter) return "certificate has a malformed validity period";
  const auto nowSeconds = std::chrono::floor<std::chrono::seconds>(now);
  if (nowSeconds >= *notAfter) return "certificate expired at " + formatUtc(*notAfter);
  if (nowSeconds < *notBefore) return "certificate not valid before " + formatUtc(*notBefore);
  return std::nullopt;
}

// Messages that fit std::string's inline buffer, so reporting an allocation failure cannot allocate.
PeerVerification failedWithoutMemory(const char* shortMessage) noexcept {
  ERR_clear_error();
  PeerVerification result;
  result.error = shortMessage;
  return result;
}

}  // namespace

PeerVerifier::PeerVerifier(const TrustBundles& bundles) {
  for (const auto& [trustDomain, authorities] : bundles) {
    std::string error;
    X509StorePtr store = makeTrustStore(authorities, &error);
    if (store) {
      stores_.emplace(trustDomain, std::move(store));
    } else {
      buildErrors_.emplace(trustDomain, std::move(error));
    }
  }
}

PeerVerification PeerVerifier::verify(X509* leaf, const std::vector<X509*>& intermediates,
                                      std::chrono::system_clock::time_point now) const noexcept {
  try {
    return verifyOrThrow(leaf, intermediates, now);
  } catch (const std::bad_alloc&) {
    return failedWithoutMemory("out of memory");
  } catch (...) {
    return failedWithoutMemory("internal error");
  }
}

PeerVerification PeerVerifier::verifyOrThrow(X509* leaf, const std::vector<X509*>& intermediates,
                                             std::chrono::system_clock::time_point now) const {
  if (leaf == nullptr) return rejected("no client certificate");
  std::string error;
  auto id = checkSvidLeaf(leaf, &error);
  if (!id) return rejected(std::move(error));
  const auto parsed = policy::parseSpiffeId(*id, nullptr);
  if (!parsed) return rejected("SPIFFE ID " + policy::quoteForMessage(*id) + " does not parse");
  const std::string quotedDomain = policy::quoteForMessage(parsed->trustDomain);

  // Only the peer's own trust domain may vouch for it: a bundle of another domain is never consulted.
  const auto store = stores_.find(parsed->trustDomain);
  if (store == stores_.end()) {
    const auto broken = buildErrors_.find(parsed->trustDomain);
    if (broken != buildErrors_.end()) {
      return rejected("the bundle of " + quotedDomain + " is unusable: " + broken->second);
    }
    return rejected("unknown trust domain " + quotedDomain);
  }
  if (auto invalid = validityError(leaf, now)) return rejected(std::move(*invalid));
  if (auto chain = chainError(store->second.get(), leaf, intermediates, now)) {
    return rejected("chain does not verify against the bundle of " + quotedDomain + ": " + *chain);
  }
  PeerVerification result;
  result.ok = true;
  result.spiffeId = std::move(*id);
  return result;
}

PeerVerification PeerVerifier::verify(X509* leaf, STACK_OF(X509) * intermediates,
                                      std::chrono::system_clock::time_point now) const noexcept {
  try {
    std::vector<X509*> helpers;
    const int count = intermediates == nullptr ? 0 : sk_X509_num(intermediates);
    helpers.reserve(static_cast<std::size_t>(count > 0 ? count : 0));
    for (int i = 0; i < count; ++i) helpers.push_back(sk_X509_value(intermediates, i));
    return verifyOrThrow(leaf, helpers, now);
  } catch (const std::bad_alloc&) {
    return failedWithoutMemory("out of memory");
  } catch (...) {
    return failedWithoutMemory("internal error");
  }
}

std::vector<std::string> PeerVerifier::trustDomains() const {
  std::vector<std::string> domains;
  domains.reserve(stores_.size());
  for (const auto& entry : stores_) domains.push_back(entry.first);
  return domains;
}

PeerVerification verifyPeerSvid(X509* leaf, const std::vector<X509*>& intermediates, const TrustBundles& bundles,
                                std::chrono::system_clock::time_point now) noexcept {
  try {
    return PeerVerifier(bundles).verify(leaf, intermediates, now);
  } catch (const std::bad_alloc&) {
    return failedWithoutMemory("out of memory");
  } catch (...) {
    return failedWithoutMemory("internal error");
  }
}

}  // namespace warden::sidecar
