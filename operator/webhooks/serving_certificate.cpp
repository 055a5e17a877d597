#include "operator/webhooks/serving_certificate.h"

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "sidecar/identity/certificate_builder.h"
#include "sidecar/identity/svid.h"
#include "sidecar/identity/x509_time.h"

namespace warden::op {
namespace {

using sidecar::EvpPkeyPtr;
using sidecar::X509Ptr;

struct Parsed {
  X509Ptr cert;
  EvpPkeyPtr key;
};

std::optional<Parsed> parsePair(const std::string& certPem, const std::string& keyPem, const char* what,
                                std::string* error) {
  std::string why;
  auto certs = sidecar::parsePemCertificates(certPem, &why);
  if (!certs || certs->empty()) {
    *error = std::string(what) + " certificate unreadable" + (why.empty() ? "" : ": " + why);
    return std::nullopt;
  }
  auto key = sidecar::parsePemPrivateKey(keyPem, &why);
  if (!key) {
    *error = std::string(what) + " key unreadable" + (why.empty() ? "" : ": " + why);
    return std::nullopt;
  }
  if (X509_check_private_key(certs->front().get(), key.get()) != 1) {
    *error = std::string(what) + " key does not match its certificate";
    return std::nullopt;
  }
  return Parsed{std::move(certs->front()), std::move(key)};
}

std::optional<std::chrono::system_clock::time_point> notAfter(X509* cert) {
  return sidecar::asn1TimeToTimePoint(X509_get0_notAfter(cert));
}

std::optional<ServingCertificate> issue(const ServingCertificate& ca, X509* caCert, EVP_PKEY* caKey,
                                        const ServingCertificateOptions& options,
                                        std::chrono::system_clock::time_point now, std::string* error) {
  auto key = sidecar::generateP256Key(error);
  if (!key) return std::nullopt;
  sidecar::CertificateSpec spec;
  spec.organization = "mcp-warden";
  spec.commonName = options.hosts.empty() ? "mcp-warden-webhook" : options.hosts.front().substr(0, 64);
  spec.notBefore = now - std::chrono::minutes(5);  // API servers with a clock slightly behind
  spec.notAfter = now + options.certValidity;
  if (auto caEnd = notAfter(caCert); caEnd && *caEnd < spec.notAfter) spec.notAfter = *caEnd;
  spec.digitalSignature = true;
  spec.tlsUsages = true;
  for (const auto& host : options.hosts)
    (sidecar::isIpAddress(host) ? spec.ipSans : spec.dnsSans).push_back(host);
  auto cert = sidecar::buildCertificate(spec, key.get(), caCert, caKey, error);
  if (!cert) return std::nullopt;
  ServingCertificate out = ca;
  std::vector<X509Ptr> chain;
  chain.push_back(std::move(cert));
  out.certPem = sidecar::certificatesToPem(chain);
  out.keyPem = sidecar::privateKeyToPem(key.get());
  return out;
}

}  // namespace

std::optional<ServingCertificate> generateServingCertificate(const ServingCertificateOptions& options,
                                                             std::chrono::system_clock::time_point now,
                                                             std::string* error) {
  auto caKey = sidecar::generateP256Key(error);
  if (!caKey) return std::nullopt;
  sidecar::CertificateSpec spec;
  spec.organization = "mcp-warden";
  spec.commonName = "mcp-warden webhook CA";
  spec.notBefore = now - std::chrono::minutes(5);
  spec.notAfter = now + options.caValidity;
  spec.isCa = true;
  spec.keyCertSign = true;
  spec.cRLSign = true;
  auto caCert = sidecar::buildCertificate(spec, caKey.get(), nullptr, caKey.get(), error);
  if (!caCert) return std::nullopt;
  ServingCertificate ca;
  ca.caKeyPem = sidecar::privateKeyToPem(caKey.get());
  {
    std::vector<X509Ptr> chain;
    chain.push_back(sidecar::upRef(caCert.get()));
    ca.caCertPem = sidecar::certificatesToPem(chain);
  }
  return issue(ca, caCert.get(), caKey.get(), options, now, error);
}

std::optional<ServingCertificate> renewServingCertificate(const ServingCertificate& current,
                                                          const ServingCertificateOptions& options,
                                                          std::chrono::system_clock::time_point now,
                                                          std::string* error) {
  auto ca = parsePair(current.caCertPem, current.caKeyPem, "CA", error);
  if (!ca) return std::nullopt;
  ServingCertificate base;
  base.caCertPem = current.caCertPem;
  base.caKeyPem = current.caKeyPem;
  return issue(base, ca->cert.get(), ca->key.get(), options, now, error);
}

CertificateState checkServingCertificate(const ServingCertificate& material, const ServingCertificateOptions& options,
                                         std::chrono::system_clock::time_point now, std::string* reason) {
  std::string why;
  auto ca = parsePair(material.caCertPem, material.caKeyPem, "CA", &why);
  if (!ca) {
    *reason = why;
    return CertificateState::Regenerate;
  }
  auto caEnd = notAfter(ca->cert.get());
  if (!caEnd || *caEnd - now < options.renewBefore + options.renewBefore) {
    *reason = "the CA expires soon";
    return CertificateState::Regenerate;
  }
  auto serving = parsePair(material.certPem, material.keyPem, "serving", &why);
  if (!serving) {
    *reason = why;
    return CertificateState::RenewCert;
  }
  if (X509_verify(serving->cert.get(), ca->key.get()) != 1) {
    *reason = "the serving certificate was not issued by the CA";
    return CertificateState::RenewCert;
  }
  auto end = notAfter(serving->cert.get());
  if (!end || *end - now < options.renewBefore) {
    *reason = "the serving certificate expires within " + std::to_string(options.renewBefore.count()) + "h";
    return CertificateState::RenewCert;
  }
  for (const auto& host : options.hosts) {
    const int match = sidecar::isIpAddress(host)
                          ? X509_check_ip_asc(serving->cert.get(), host.c_str(), 0)
                          : X509_check_host(serving->cert.get(), host.data(), host.size(), 0, nullptr);
    if (match != 1) {
      *reason = "the serving certificate does not cover " + host;
      return CertificateState::RenewCert;
    }
  }
  return CertificateState::Valid;
}

}  // namespace warden::op
