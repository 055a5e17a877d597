#include "sidecar/identity/svid.h"

#include <openssl/crypto.h>

#include "sidecar/identity/svid_leaf.h"
#include "sidecar/identity/x509_time.h"

namespace warden::sidecar {
namespace {

std::optional<X509Svid> fail(std::string* error, std::string message) {
  const std::string details = opensslErrors();
  if (error != nullptr) *error = details.empty() ? std::move(message) : message + " (" + details + ")";
  return std::nullopt;
}

// The DER of a certificate list, compared byte for byte.
bool sameCertificates(const std::vector<X509Ptr>& a, const std::vector<X509Ptr>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].get() == b[i].get()) continue;
    unsigned char* derA = nullptr;
    unsigned char* derB = nullptr;
    const int lengthA = i2d_X509(a[i].get(), &derA);
    const int lengthB = i2d_X509(b[i].get(), &derB);
    const bool same = lengthA > 0 && lengthA == lengthB &&
                      CRYPTO_memcmp(derA, derB, static_cast<std::size_t>(lengthA)) == 0;
    OPENSSL_free(derA);
    OPENSSL_free(derB);
    if (!same) return false;
  }
  return true;
}

bool sameKey(EVP_PKEY* a, EVP_PKEY* b) {
  if (a == b) return true;
  if (a == nullptr || b == nullptr) return false;
  std::string derA = privateKeyToPkcs8Der(a);
  std::string derB = privateKeyToPkcs8Der(b);
  const bool same = !derA.empty() && derA.size() == derB.size() &&
                    CRYPTO_memcmp(derA.data(), derB.data(), derA.size()) == 0;
  OPENSSL_cleanse(derA.data(), derA.size());
  OPENSSL_cleanse(derB.data(), derB.size());
  return same;
}

std::vector<X509Ptr> copyCertificates(const std::vector<X509Ptr>& certificates) {
  std::vector<X509Ptr> copy;
  copy.reserve(certificates.size());
  for (const auto& cert : certificates) copy.push_back(upRef(cert.get()));
  return copy;
}

std::optional<X509Svid> makeSvidOrThrow(std::vector<X509Ptr> chain, EvpPkeyPtr key, std::string* error) {
  if (chain.empty() || !chain.front()) return fail(error, "SVID chain is empty");
  if (!key) return fail(error, "SVID has no private key");
  for (const auto& cert : chain) {
    if (!cert) return fail(error, "SVID chain contains an empty entry");
  }
  X509* leaf = chain.front().get();
  std::string reason;
  auto id = checkSvidLeaf(leaf, &reason);
  if (!id) return fail(error, "SVID leaf is not an X509-SVID: " + reason);
  if (EVP_PKEY_eq(X509_get0_pubkey(leaf), key.get()) != 1) {
    return fail(error, "private key does not match the SVID leaf certificate " + *id);
  }
  const auto notAfter = asn1TimeToTimePoint(X509_get0_notAfter(leaf));
  if (!notAfter) return fail(error, "SVID leaf has a malformed notAfter");
  return X509Svid{std::move(*id), std::move(chain), std::move(key), *notAfter};
}

bool sameSnapshotOrThrow(const IdentitySnapshot& a, const IdentitySnapshot& b) {
  if (a.svid.spiffeId != b.svid.spiffeId || !sameCertificates(a.svid.chain, b.svid.chain) ||
      a.bundles.size() != b.bundles.size() || !sameKey(a.svid.privateKey.get(), b.svid.privateKey.get())) {
    return false;
  }
  for (auto itA = a.bundles.begin(), itB = b.bundles.begin(); itA != a.bundles.end(); ++itA, ++itB) {
    if (itA->first != itB->first || !sameCertificates(itA->second, itB->second)) return false;
  }
  return true;
}

}  // namespace

std::optional<X509Svid> makeSvid(std::vector<X509Ptr> chain, EvpPkeyPtr key, std::string* error) {
  try {
    return makeSvidOrThrow(std::move(chain), std::move(key), error);
  } catch (const std::exception& e) {
    return fail(error, std::string("cannot build the SVID: ") + e.what());
  }
}

X509Svid copySvid(const X509Svid& svid) {
  return X509Svid{svid.spiffeId, copyCertificates(svid.chain), upRef(svid.privateKey.get()), svid.notAfter};
}

TrustBundles copyBundles(const TrustBundles& bundles) {
  TrustBundles copy;
  for (const auto& [trustDomain, authorities] : bundles) copy.emplace(trustDomain, copyCertificates(authorities));
  return copy;
}

bool sameSnapshot(const IdentitySnapshot& a, const IdentitySnapshot& b) {
  try {
    return sameSnapshotOrThrow(a, b);
  } catch (const std::exception&) {
    return false;  // "changed": the worst outcome is one redundant update
  }
}

}  // namespace warden::sidecar
