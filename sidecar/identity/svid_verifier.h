#pragma once

// Verification of a peer's certificate chain as an X509-SVID (SPIFFE X509-SVID standard section 5, design D5):
// exactly one spiffe:// URI SAN with a non-root path, a leaf that cannot sign, and a chain that verifies at `now`
// against the bundle of the peer's OWN trust domain only. The principal is that SPIFFE ID.

#include <openssl/x509.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "sidecar/identity/svid.h"
#include "sidecar/identity/svid_leaf.h"  // spiffeIdOfCertificate
#include "sidecar/identity/openssl_ptr.h"

namespace warden::sidecar {

struct PeerVerification {
  bool ok = false;
  std::string spiffeId;  // when ok
  std::string error;     // when not ok: the reason, for the sidecar's log ("leaf certificate is a CA")
};

// The bundles compiled for verification: one X509_STORE per trust domain, built once in the constructor (so a TLS
// handshake does not rebuild them) and never changed afterwards. Immutable: verify() may be called from any number
// of threads at once. Build a new PeerVerifier when the bundles change and share it by shared_ptr<const>.
class PeerVerifier {
 public:
  // The bundles' certificates are shared (reference counted), not copied. A trust domain whose bundle is empty or
  // cannot be loaded verifies nobody; buildErrors() says why.
  explicit PeerVerifier(const TrustBundles& bundles);

  // `leaf`: the peer's certificate (nullptr: none was presented); `intermediates`: what else the peer sent, used
  // only as untrusted helpers to build a path (the leaf may be among them). Never throws: running out of memory
  // is a failed verification.
  PeerVerification verify(X509* leaf, const std::vector<X509*>& intermediates,
                          std::chrono::system_clock::time_point now) const noexcept;
  // The same, for a chain as OpenSSL hands it to a TLS verify callback (SSL_get_peer_cert_chain); may be nullptr.
  PeerVerification verify(X509* leaf, STACK_OF(X509) * intermediates,
                          std::chrono::system_clock::time_point now) const noexcept;

  // The trust domains that can verify peers, sorted.
  std::vector<std::string> trustDomains() const;
  // Trust domain -> why its bundle could not be loaded.
  const std::map<std::string, std::string>& buildErrors() const { return buildErrors_; }

 private:
  PeerVerification verifyOrThrow(X509* leaf, const std::vector<X509*>& intermediates,
                                 std::chrono::system_clock::time_point now) const;

  std::map<std::string, X509StorePtr, std::less<>> stores_;
  std::map<std::string, std::string> buildErrors_;
};

// One-off verification (builds the stores for this call only; prefer a long-lived PeerVerifier on hot paths).
PeerVerification verifyPeerSvid(X509* leaf, const std::vector<X509*>& intermediates, const TrustBundles& bundles,
                                std::chrono::system_clock::time_point now) noexcept;

}  // namespace warden::sidecar
