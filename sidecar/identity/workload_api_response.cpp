#include "sidecar/identity/workload_api_response.h"

#include <utility>

#include "policy/quote.h"
#include "policy/spiffe_id.h"

namespace warden::sidecar {
namespace {

template <typename T>
std::optional<T> fail(std::string* error, std::string message) {
  if (error != nullptr) *error = std::move(message);
  return std::nullopt;
}

// Adds one bundle map entry to `bundles`, refusing a second entry for the same trust domain.
bool addBundle(TrustBundles& bundles, std::string_view key, std::string_view der, std::string* error) {
  std::string reason;
  auto trustDomain = trustDomainFromBundleKey(key, &reason);
  if (!trustDomain) {
    if (error != nullptr) *error = reason;
    return false;
  }
  if (bundles.count(*trustDomain) != 0) {
    if (error != nullptr) *error = "two bundles for trust domain " + policy::quoteForMessage(*trustDomain);
    return false;
  }
  auto authorities = parseDerCertificates(der, &reason);
  if (!authorities) {
    if (error != nullptr) *error = "bundle of trust domain " + policy::quoteForMessage(*trustDomain) + ": " + reason;
    return false;
  }
  bundles.emplace(std::move(*trustDomain), std::move(*authorities));
  return true;
}

}  // namespace

std::optional<std::string> trustDomainFromBundleKey(std::string_view key, std::string* error) {
  std::string_view name = key;
  if (name.substr(0, 9) == "spiffe://") name.remove_prefix(9);
  if (!policy::isValidTrustDomain(name)) {
    return fail<std::string>(error, "invalid trust domain " + policy::quoteForMessage(key) + " in a bundle map");
  }
  return std::string(name);
}

std::optional<X509SvidUpdate> parseX509SvidResponse(const X509SVIDResponse& response, std::string* error) {
  if (response.svids_size() == 0) return fail<X509SvidUpdate>(error, "the X.509-SVID response carries no SVIDs");
  const X509SVID& first = response.svids(0);
  const std::string named = policy::quoteForMessage(first.spiffe_id());
  std::string reason;
  auto chain = parseDerCertificates(first.x509_svid(), &reason);
  if (!chain) return fail<X509SvidUpdate>(error, "SVID " + named + ": certificate chain: " + reason);
  EvpPkeyPtr key = parsePkcs8DerKey(first.x509_svid_key(), &reason);
  if (!key) return fail<X509SvidUpdate>(error, "SVID " + named + ": private key: " + reason);
  auto svid = makeSvid(std::move(*chain), std::move(key), &reason);
  if (!svid) return fail<X509SvidUpdate>(error, "SVID " + named + ": " + reason);
  if (svid->spiffeId != first.spiffe_id()) {
    return fail<X509SvidUpdate>(error, "SVID " + named + ": the certificate is for " +
                                           policy::quoteForMessage(svid->spiffeId));
  }
  auto id = policy::parseSpiffeId(svid->spiffeId, &reason);
  if (!id) return fail<X509SvidUpdate>(error, "SVID " + named + ": " + reason);

  X509SvidUpdate update{std::move(*svid), {}};
  auto own = parseDerCertificates(first.bundle(), &reason);
  if (!own) {
    return fail<X509SvidUpdate>(error, "SVID " + named + ": bundle of its trust domain " +
                                           policy::quoteForMessage(id->trustDomain) + ": " + reason);
  }
  update.bundles.emplace(id->trustDomain, std::move(*own));
  for (const auto& [trustDomain, der] : response.federated_bundles()) {
    if (!addBundle(update.bundles, trustDomain, der, &reason)) {
      return fail<X509SvidUpdate>(error, "federated bundles: " + reason);
    }
  }
  return update;
}

std::optional<TrustBundles> parseX509BundlesResponse(const X509BundlesResponse& response, std::string* error) {
  if (response.bundles().empty()) return fail<TrustBundles>(error, "the X.509 bundles response carries no bundles");
  TrustBundles bundles;
  std::string reason;
  for (const auto& [trustDomain, der] : response.bundles()) {
    if (!addBundle(bundles, trustDomain, der, &reason)) return fail<TrustBundles>(error, reason);
  }
  return bundles;
}

}  // namespace warden::sidecar
