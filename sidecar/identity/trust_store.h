#pragma once

// X.509 path validation against one trust domain's authorities. Free functions; the store they build is
// read-only afterwards and may be used by any number of threads at once (OpenSSL locks its lookups).

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "sidecar/identity/openssl_ptr.h"

namespace warden::sidecar {

// A store whose trust anchors are exactly `authorities`. Every authority is an anchor, self-signed or not
// (X509_V_FLAG_PARTIAL_CHAIN), because a SPIFFE bundle is a set of authorities, as go-spiffe treats it. nullptr
// with *error when there are none or one cannot be added.
X509StorePtr makeTrustStore(const std::vector<X509Ptr>& authorities, std::string* error);

// Verifies `leaf` up to an anchor of `store`, with `untrusted` as helpers for building the path. `at`: the time
// at which every certificate must be valid; nullopt skips validity times (for checking that files belong
// together). nullopt when the chain verifies, else the reason ("certificate has expired at depth 1 (subject ...)").
std::optional<std::string> chainError(X509_STORE* store, X509* leaf, const std::vector<X509*>& untrusted,
                                      std::optional<std::chrono::system_clock::time_point> at);

}  // namespace warden::sidecar
