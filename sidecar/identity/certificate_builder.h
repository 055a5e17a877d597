#pragma once

// Builds and signs X.509 v3 certificates with exactly the extensions asked for; the dev CA's only tool. Free
// functions without shared state: safe from any thread.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "sidecar/identity/openssl_ptr.h"

namespace warden::sidecar {

struct CertificateSpec {
  std::string organization;        // subject O
  std::string organizationalUnit;  // subject OU ("" for none)
  std::string commonName;          // subject CN ("" for none; at most 64 bytes)
  std::chrono::system_clock::time_point notBefore, notAfter;
  bool isCa = false;  // basicConstraints (critical): cA
  // keyUsage (critical); no bit set: no keyUsage extension at all.
  bool digitalSignature = false;
  bool keyCertSign = false;
  bool cRLSign = false;
  bool tlsUsages = false;  // extendedKeyUsage serverAuth + clientAuth
  std::vector<std::string> uriSans;
  std::vector<std::string> dnsSans;
  std::vector<std::string> ipSans;  // textual IPv4 or IPv6 addresses
};

// A fresh EC P-256 key pair.
EvpPkeyPtr generateP256Key(std::string* error);

// True when `text` is an IPv4 or IPv6 address literal ("127.0.0.1", "::1").
bool isIpAddress(const std::string& text);

// The certificate for `subjectKey`, signed with SHA-256 by `issuerKey`; `issuer` is the issuing certificate, or
// nullptr for a self-signed one (then issuerKey must be subjectKey's private half). Serial: 128 random bits.
// Subject and authority key identifiers are set.
X509Ptr buildCertificate(const CertificateSpec& spec, EVP_PKEY* subjectKey, X509* issuer, EVP_PKEY* issuerKey,
                         std::string* error);

}  // namespace warden::sidecar
