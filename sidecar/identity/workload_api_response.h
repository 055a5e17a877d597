#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "sidecar/identity/svid.h"
#include "workload.pb.h"

namespace warden::sidecar {

// What one FetchX509SVID message says about this workload: its default SVID (svids[0]) and the bundles that came
// with it (the SVID's own trust domain from `bundle`, the others from `federated_bundles`).
struct X509SvidUpdate {
  X509Svid svid;
  TrustBundles bundles;
};

// Parse and check Workload API messages. Every certificate must parse, the key must be PKCS#8 and match the leaf,
// the leaf must be an X509-SVID for the ID the message names, every bundle must be non-empty, and every bundle key
// a trust domain ("example.org" or, as SPIRE writes it, "spiffe://example.org"), none twice. Any fault rejects the
// whole message: nullopt with *error (when not null). CRLs are ignored (SPIRE sends none). Pure functions; safe
// from any thread.
std::optional<X509SvidUpdate> parseX509SvidResponse(const X509SVIDResponse& response, std::string* error);
std::optional<TrustBundles> parseX509BundlesResponse(const X509BundlesResponse& response, std::string* error);

// "example.org" for "example.org" or "spiffe://example.org"; nullopt with *error for anything else.
std::optional<std::string> trustDomainFromBundleKey(std::string_view key, std::string* error);

}  // namespace warden::sidecar
