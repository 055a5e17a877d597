#pragma once

// X509-SVIDs and trust bundles as the sidecar holds them, and their encodings: concatenated DER and PKCS#8 DER (the
// Workload API's form) and PEM (files). All functions are free of shared state and safe to call from any thread.
// Parsers, encoders, makeSvid and sameSnapshot never throw (failures are results); copySvid and copyBundles may
// throw std::bad_alloc.

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sidecar/identity/openssl_ptr.h"

namespace warden::sidecar {

// An X509-SVID with its private key. Built by makeSvid, which checked that the leaf is an X509-SVID and the key
// belongs to it.
struct X509Svid {
  std::string spiffeId;
  std::vector<X509Ptr> chain;  // leaf first, then the intermediates that lead to the bundle (never the root)
  EvpPkeyPtr privateKey;
  std::chrono::system_clock::time_point notAfter;  // the leaf's
};

// Trust domain name ("example.org") -> the X.509 authorities of that trust domain.
using TrustBundles = std::map<std::string, std::vector<X509Ptr>>;

// Everything the sidecar needs to do mTLS: its own SVID and the bundles of its own and federated trust domains.
// Shared immutable once built, swapped as a whole on rotation.
struct IdentitySnapshot {
  X509Svid svid;
  TrustBundles bundles;  // the own trust domain and the federated ones
  std::string source;    // where it came from, for logs ("file:/etc/warden/svid", "workload-api:unix:///...")
};
using IdentitySnapshotPtr = std::shared_ptr<const IdentitySnapshot>;

// Parsers: nullopt / nullptr with *error (when error is not null) saying what is wrong. Empty input is an error.
// Concatenated DER certificates, as the Workload API sends chains and bundles.
std::optional<std::vector<X509Ptr>> parseDerCertificates(std::string_view der, std::string* error);
// "CERTIFICATE" PEM blocks; any other PEM block is an error, text between blocks is ignored (as openssl does).
std::optional<std::vector<X509Ptr>> parsePemCertificates(std::string_view pem, std::string* error);
// An unencrypted PKCS#8 PrivateKeyInfo in DER (the Workload API's x509_svid_key).
EvpPkeyPtr parsePkcs8DerKey(std::string_view der, std::string* error);
// Exactly one unencrypted key: "PRIVATE KEY" (PKCS#8), "EC PRIVATE KEY" or "RSA PRIVATE KEY"; "EC PARAMETERS"
// blocks (openssl ecparam -genkey) are skipped. Encrypted keys are refused rather than prompting for a password.
EvpPkeyPtr parsePemPrivateKey(std::string_view pem, std::string* error);

// Checks that the chain's leaf is a valid X509-SVID (one spiffe:// URI SAN with a non-root path, not a CA,
// digitalSignature and neither keyCertSign nor cRLSign) and that the key matches the leaf. Expiry is not checked:
// an expired SVID is still this workload's identity, and reporting it is the caller's business.
std::optional<X509Svid> makeSvid(std::vector<X509Ptr> chain, EvpPkeyPtr key, std::string* error);

// Encoders. They return "" only if OpenSSL fails to encode (out of memory).
std::string certificatesToPem(const std::vector<X509Ptr>& certificates);
std::string privateKeyToPem(EVP_PKEY* key);  // PKCS#8, unencrypted ("PRIVATE KEY")
std::string certificatesToDer(const std::vector<X509Ptr>& certificates);
std::string privateKeyToPkcs8Der(EVP_PKEY* key);

// Copies that share the underlying certificates and key (OpenSSL reference counts).
X509Svid copySvid(const X509Svid& svid);
TrustBundles copyBundles(const TrustBundles& bundles);

// True when both hold byte-equal SVIDs (ID, chain, key) and byte-equal bundles for the same trust domains; the
// `source` label is not compared. Sources use it to deliver only changes.
bool sameSnapshot(const IdentitySnapshot& a, const IdentitySnapshot& b);

}  // namespace warden::sidecar
