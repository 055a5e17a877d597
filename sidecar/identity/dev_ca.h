#pragma once

// A local trust domain for development, demos and tests (`wardenctl dev ca`, the dev Workload API): an EC P-256
// root CA, optional intermediates, and SVIDs issued by them. Not for production: the key sits in a file.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sidecar/identity/openssl_ptr.h"
#include "sidecar/identity/svid.h"

namespace warden::sidecar {

// Everything about a certificate issueWith makes, including what an X509-SVID must not be.
struct SvidOptions {
  std::vector<std::string> uriSans;      // normally one SPIFFE ID; tests use 0 or 2
  std::vector<std::string> dnsNames;     // DNS SANs, as given
  std::vector<std::string> ipAddresses;  // IP SANs ("127.0.0.1", "::1")
  std::chrono::system_clock::time_point notBefore = std::chrono::system_clock::now() - std::chrono::minutes(1);
  std::chrono::system_clock::time_point notAfter = std::chrono::system_clock::now() + std::chrono::hours(1);
  bool isCa = false;             // basicConstraints cA
  bool keyCertSign = false;      // keyUsage bits; none set: no keyUsage extension
  bool cRLSign = false;
  bool digitalSignature = true;
};

// Immutable after creation: every const method, issue() and issueWith() included, may be called from any number
// of threads at once. Movable, not copyable.
class DevCa {
 public:
  // A new self-signed root for `trustDomain`, valid from a minute ago (clock skew) for `ttl`: URI SAN
  // spiffe://<trustDomain>, basicConstraints critical CA:true, keyUsage critical keyCertSign + cRLSign.
  static std::optional<DevCa> create(const std::string& trustDomain, std::chrono::seconds ttl, std::string* error);
  // dir/ca.pem (the CA's certificate, then its issuers up to the root) and dir/ca_key.pem, as save() writes them.
  // Checks that the key matches, the certificate is a CA for one trust domain and the chain leads to the root.
  static std::optional<DevCa> load(const std::string& dir, std::string* error);
  // Creates dir if needed; ca.pem mode 0644, ca_key.pem mode 0600; both replaced atomically.
  bool save(const std::string& dir, std::string* error) const;

  // A standard X509-SVID for `spiffeId` (which must be in this trust domain and have a path): serial 128 random
  // bits, keyUsage critical digitalSignature, extendedKeyUsage serverAuth + clientAuth, basicConstraints critical
  // CA:false, URI SAN = the ID, `dnsNames` as DNS SANs except IP literals ("127.0.0.1", "::1"), which become IP
  // SANs; valid from a minute ago for `ttl`, but not beyond the CA. The chain holds the leaf and any intermediates.
  std::optional<X509Svid> issue(const std::string& spiffeId, const std::vector<std::string>& dnsNames,
                                std::chrono::seconds ttl, std::string* error) const;
  // Exactly what `options` says, unchecked, for tests that need invalid SVIDs. spiffeId is the first URI SAN
  // ("" when there is none).
  std::optional<X509Svid> issueWith(const SvidOptions& options, std::string* error) const;
  // An intermediate CA below this one (same trust domain, URI SAN spiffe://<td>), valid for `ttl` but not beyond
  // this CA. Its SVIDs chain leaf -> intermediates -> root.
  std::optional<DevCa> issueIntermediate(std::chrono::seconds ttl, std::string* error) const;

  const std::string& trustDomain() const { return trustDomain_; }
  X509* certificate() const { return chain_.front().get(); }     // this CA's own certificate
  X509* rootCertificate() const { return chain_.back().get(); }  // the self-signed root
  std::chrono::system_clock::time_point notAfter() const { return notAfter_; }
  // {trustDomain: [root]}: what relying parties trust.
  TrustBundles bundle() const;

 private:
  DevCa(std::string trustDomain, EvpPkeyPtr key, std::vector<X509Ptr> chain,
        std::chrono::system_clock::time_point notAfter);
  std::vector<X509Ptr> intermediates() const;  // the chain a leaf presents after itself

  std::string trustDomain_;
  EvpPkeyPtr key_;
  std::vector<X509Ptr> chain_;  // this CA's certificate first, the root last (one entry for a root)
  std::chrono::system_clock::time_point notAfter_;
};

// What issue() accepts as a DNS SAN: 1..253 bytes of letters, digits, '-', '.', '_' and a leading "*." wildcard.
bool isValidDnsName(std::string_view name);

}  // namespace warden::sidecar
