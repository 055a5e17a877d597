#pragma once

// The webhooks' TLS material in self-managed mode: a CA the API server trusts (its certificate is the caBundle of
// the webhook configurations) and a serving certificate it issues for the webhook Service's names. The CA lives
// long and stays put, so rotating the serving certificate never changes the caBundle.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace warden::op {

struct ServingCertificate {
  std::string caCertPem, caKeyPem;  // the issuing CA
  std::string certPem, keyPem;      // the serving certificate and its key
};

struct ServingCertificateOptions {
  std::vector<std::string> hosts;  // DNS names and IP addresses the certificate must cover
  std::chrono::hours caValidity{24 * 365 * 10};
  std::chrono::hours certValidity{24 * 365};
  std::chrono::hours renewBefore{24 * 30};  // a certificate expiring within this is replaced
};

// A new CA and a serving certificate from it. nullopt with *error when OpenSSL fails.
std::optional<ServingCertificate> generateServingCertificate(const ServingCertificateOptions& options,
                                                             std::chrono::system_clock::time_point now,
                                                             std::string* error);

// A new serving certificate from the CA in `current` (kept as is). nullopt with *error when the CA is unusable.
std::optional<ServingCertificate> renewServingCertificate(const ServingCertificate& current,
                                                          const ServingCertificateOptions& options,
                                                          std::chrono::system_clock::time_point now,
                                                          std::string* error);

enum class CertificateState {
  Valid,        // use it
  RenewCert,    // the CA is fine, the serving certificate is not (expiring, wrong names, unreadable, not the CA's)
  Regenerate,   // the CA itself is unusable or expiring: everything anew
};
// What to do with stored material; *reason says why when not Valid.
CertificateState checkServingCertificate(const ServingCertificate& material, const ServingCertificateOptions& options,
                                         std::chrono::system_clock::time_point now, std::string* reason);

}  // namespace warden::op
