#pragma once

// What makes a certificate an X509-SVID (SPIFFE X509-SVID standard, sections 2, 3.1, 4.1, 4.3, 5.2), checked on
// the certificate alone: no chain, no time. Used for our own SVIDs (makeSvid) and for peers (PeerVerifier).
// Free functions without shared state: safe from any thread.

#include <openssl/x509.h>

#include <optional>
#include <string>

namespace warden::sidecar {

// The SPIFFE ID in the certificate's one URI SAN (leaf or signing certificate). Errors: no or several URI SANs,
// a URI that is not a valid SPIFFE ID, a malformed subjectAltName extension.
std::optional<std::string> spiffeIdOfCertificate(X509* cert, std::string* error);

// spiffeIdOfCertificate plus the leaf rules: the ID has a non-root path; basicConstraints cA is false (or the
// extension is absent); keyUsage is present with digitalSignature and without keyCertSign and cRLSign; no
// extension is malformed or duplicated.
std::optional<std::string> checkSvidLeaf(X509* leaf, std::string* error);

}  // namespace warden::sidecar
