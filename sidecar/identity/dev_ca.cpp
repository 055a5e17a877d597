#include "sidecar/identity/dev_ca.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <filesystem>

#include "policy/quote.h"
#include "policy/spiffe_id.h"
#include "sidecar/identity/certificate_builder.h"
#include "sidecar/identity/file_io.h"
#include "sidecar/identity/svid_leaf.h"
#include "sidecar/identity/trust_store.h"
#include "sidecar/identity/x509_time.h"

namespace warden::sidecar {
namespace {

using Clock = std::chrono::system_clock;

constexpr const char* kOrganization = "mcp-warden development CA";
constexpr const char* kSvidOrganization = "mcp-warden development SVID";
constexpr auto kClockSkew = std::chrono::minutes(1);
constexpr std::size_t kMaxFileBytes = 1024 * 1024;

std::nullopt_t fail(std::string* error, std::string message) {
  opensslErrors();
  if (error != nullptr) *error = std::move(message);
  return std::nullopt;
}

// X.509 limits a CN to 64 bytes; longer trust domains are named by the URI SAN alone.
std::string commonNameFor(const std::string& trustDomain) { return trustDomain.size() <= 64 ? trustDomain : ""; }

std::string randomHex(std::size_t bytes) {
  std::vector<unsigned char> data(bytes);
  if (RAND_bytes(data.data(), static_cast<int>(data.size())) != 1) return "0";
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  for (unsigned char b : data) {
    text += kHex[b >> 4];
    text += kHex[b & 0x0f];
  }
  return text;
}

bool isCaCertificate(X509* cert) {
  const std::uint32_t flags = X509_get_extension_flags(cert);
  return (flags & EXFLAG_CA) != 0 && (flags & EXFLAG_INVALID) == 0 &&
         ((flags & EXFLAG_KUSAGE) == 0 || (X509_get_key_usage(cert) & KU_KEY_CERT_SIGN) != 0);
}

}  // namespace

DevCa::DevCa(std::string trustDomain, EvpPkeyPtr key, std::vector<X509Ptr> chain, Clock::time_point notAfter)
    : trustDomain_(std::move(trustDomain)), key_(std::move(key)), chain_(std::move(chain)), notAfter_(notAfter) {}

std::optional<DevCa> DevCa::create(const std::string& trustDomain, std::chrono::seconds ttl, std::string* error) {
  try {
    if (!policy::isValidTrustDomain(trustDomain)) {
      return fail(error, "invalid trust domain " + policy::quoteForMessage(trustDomain) +
                             " (lowercase letters, digits, '.', '-', '_')");
    }
    if (ttl.count() <= 0) return fail(error, "CA ttl must be positive");
    EvpPkeyPtr key = generateP256Key(error);
    if (!key) return std::nullopt;
    const auto now = Clock::now();
    CertificateSpec spec;
    spec.organization = kOrganization;
    spec.commonName = commonNameFor(trustDomain);
    spec.notBefore = now - kClockSkew;
    spec.notAfter = now + ttl;
    spec.isCa = true;
    spec.keyCertSign = true;
    spec.cRLSign = true;
    spec.uriSans = {"spiffe://" + trustDomain};
    X509Ptr cert = buildCertificate(spec, key.get(), nullptr, key.get(), error);
    if (!cert) return std::nullopt;
    std::vector<X509Ptr> chain;
    chain.push_back(std::move(cert));
    const auto notAfter = asn1TimeToTimePoint(X509_get0_notAfter(chain.front().get()));
    return DevCa(trustDomain, std::move(key), std::move(chain), notAfter.value_or(now + ttl));
  } catch (const std::exception& e) {
    return fail(error, std::string("cannot create the CA: ") + e.what());
  }
}

std::optional<DevCa> DevCa::load(const std::string& dir, std::string* error) {
  try {
    const std::string certPath = dir + "/ca.pem";
    const std::string keyPath = dir + "/ca_key.pem";
    std::string reason;
    const auto certText = readFileBounded(certPath, kMaxFileBytes, &reason);
    if (!certText) return fail(error, reason);
    const auto keyText = readFileBounded(keyPath, kMaxFileBytes, &reason);
    if (!keyText) return fail(error, reason);
    auto chain = parsePemCertificates(*certText, &reason);
    if (!chain) return fail(error, certPath + ": " + reason);
    EvpPkeyPtr key = parsePemPrivateKey(*keyText, &reason);
    if (!key) return fail(error, keyPath + ": " + reason);

    X509* own = chain->front().get();
    X509* root = chain->back().get();
    if (!isCaCertificate(own)) return fail(error, certPath + ": the first certificate is not a CA");
    if (EVP_PKEY_eq(X509_get0_pubkey(own), key.get()) != 1) {
      return fail(error, keyPath + " does not match the certificate in " + certPath);
    }
    auto id = spiffeIdOfCertificate(own, &reason);
    if (!id) return fail(error, certPath + ": " + reason);
    const auto parsed = policy::parseSpiffeId(*id, nullptr);
    if (!parsed || !parsed->path.empty()) {
      return fail(error, certPath + ": CA SPIFFE ID " + policy::quoteForMessage(*id) + " has a path");
    }
    if (X509_check_issued(root, root) != X509_V_OK) {
      return fail(error, certPath + ": the last certificate is not a self-signed root");
    }
    std::vector<X509Ptr> anchors;
    anchors.push_back(upRef(root));
    X509StorePtr store = makeTrustStore(anchors, &reason);
    if (!store) return fail(error, certPath + ": " + reason);
    std::vector<X509*> untrusted;
    for (const auto& cert : *chain) untrusted.push_back(cert.get());
    if (auto broken = chainError(store.get(), own, untrusted, std::nullopt)) {
      return fail(error, certPath + ": the CA does not chain to its root: " + *broken);
    }
    const auto notAfter = asn1TimeToTimePoint(X509_get0_notAfter(own));
    if (!notAfter) return fail(error, certPath + ": malformed notAfter");
    return DevCa(parsed->trustDomain, std::move(key), std::move(*chain), *notAfter);
  } catch (const std::exception& e) {
    return fail(error, "cannot load the CA from " + dir + ": " + e.what());
  }
}

bool DevCa::save(const std::string& dir, std::string* error) const {
  try {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      fail(error, "cannot create " + dir + ": " + ec.message());
      return false;
    }
    const std::string certPem = certificatesToPem(chain_);
    std::string keyPem = privateKeyToPem(key_.get());
    if (certPem.empty() || keyPem.empty()) {
      fail(error, "cannot encode the CA");
      return false;
    }
    std::string reason;
    const bool ok = writeFileAtomically(dir + "/ca_key.pem", keyPem, 0600, &reason) &&
                    writeFileAtomically(dir + "/ca.pem", certPem, 0644, &reason);
    OPENSSL_cleanse(keyPem.data(), keyPem.size());
    if (!ok) fail(error, reason);
    return ok;
  } catch (const std::exception& e) {
    fail(error, "cannot save the CA to " + dir + ": " + e.what());
    return false;
  }
}

std::optional<X509Svid> DevCa::issue(const std::string& spiffeId, const std::vector<std::string>& dnsNames,
                                     std::chrono::seconds ttl, std::string* error) const {
  try {
    std::string reason;
    const auto id = policy::parseSpiffeId(spiffeId, &reason);
    if (!id) return fail(error, "invalid SPIFFE ID " + policy::quoteForMessage(spiffeId) + ": " + reason);
    if (id->trustDomain != trustDomain_) {
      return fail(error, "SPIFFE ID " + policy::quoteForMessage(spiffeId) + " is not in trust domain " +
                             policy::quoteForMessage(trustDomain_));
    }
    if (id->path.empty()) {
      return fail(error, "SPIFFE ID " + policy::quoteForMessage(spiffeId) + " has no path (an SVID names a workload)");
    }
    if (ttl.count() <= 0) return fail(error, "SVID ttl must be positive");
    SvidOptions options;
    options.uriSans = {spiffeId};
    for (const auto& name : dnsNames) {
      if (isIpAddress(name)) {
        options.ipAddresses.push_back(name);
      } else if (isValidDnsName(name)) {
        options.dnsNames.push_back(name);
      } else {
        return fail(error, "invalid DNS name " + policy::quoteForMessage(name));
      }
    }
    const auto now = Clock::now();
    options.notBefore = now - kClockSkew;
    options.notAfter = std::min(now + ttl, notAfter_);
    auto issued = issueWith(options, error);
    if (!issued) return std::nullopt;
    // Re-check what we made with the same rules the sidecar applies to its own SVIDs.
    return makeSvid(std::move(issued->chain), std::move(issued->privateKey), error);
  } catch (const std::exception& e) {
    return fail(error, std::string("cannot issue an SVID: ") + e.what());
  }
}

std::optional<X509Svid> DevCa::issueWith(const SvidOptions& options, std::string* error) const {
  try {
    EvpPkeyPtr key = generateP256Key(error);
    if (!key) return std::nullopt;
    CertificateSpec spec;
    spec.organization = kSvidOrganization;
    spec.notBefore = options.notBefore;
    spec.notAfter = options.notAfter;
    spec.isCa = options.isCa;
    spec.digitalSignature = options.digitalSignature;
    spec.keyCertSign = options.keyCertSign;
    spec.cRLSign = options.cRLSign;
    spec.tlsUsages = true;
    spec.uriSans = options.uriSans;
    spec.dnsSans = options.dnsNames;
    spec.ipSans = options.ipAddresses;
    X509Ptr leaf = buildCertificate(spec, key.get(), certificate(), key_.get(), error);
    if (!leaf) return std::nullopt;
    const auto notAfter = asn1TimeToTimePoint(X509_get0_notAfter(leaf.get()));
    X509Svid svid;
    svid.spiffeId = options.uriSans.empty() ? std::string() : options.uriSans.front();
    svid.chain.push_back(std::move(leaf));
    for (auto& cert : intermediates()) svid.chain.push_back(std::move(cert));
    svid.privateKey = std::move(key);
    svid.notAfter = notAfter.value_or(options.notAfter);
    return svid;
  } catch (const std::exception& e) {
    return fail(error, std::string("cannot issue a certificate: ") + e.what());
  }
}

std::optional<DevCa> DevCa::issueIntermediate(std::chrono::seconds ttl, std::string* error) const {
  try {
    if (ttl.count() <= 0) return fail(error, "intermediate CA ttl must be positive");
    EvpPkeyPtr key = generateP256Key(error);
    if (!key) return std::nullopt;
    const auto now = Clock::now();
    CertificateSpec spec;
    spec.organization = kOrganization;
    // A distinct subject per intermediate, so path building never confuses two of them (or one with the root).
    spec.organizationalUnit = "intermediate " + randomHex(8);
    spec.commonName = commonNameFor(trustDomain_);
    spec.notBefore = now - kClockSkew;
    spec.notAfter = std::min(now + ttl, notAfter_);
    spec.isCa = true;
    spec.keyCertSign = true;
    spec.cRLSign = true;
    spec.uriSans = {"spiffe://" + trustDomain_};
    X509Ptr cert = buildCertificate(spec, key.get(), certificate(), key_.get(), error);
    if (!cert) return std::nullopt;
    std::vector<X509Ptr> chain;
    chain.push_back(std::move(cert));
    for (const auto& parent : chain_) chain.push_back(upRef(parent.get()));
    const auto notAfter = asn1TimeToTimePoint(X509_get0_notAfter(chain.front().get()));
    return DevCa(trustDomain_, std::move(key), std::move(chain), notAfter.value_or(spec.notAfter));
  } catch (const std::exception& e) {
    return fail(error, std::string("cannot issue an intermediate CA: ") + e.what());
  }
}

TrustBundles DevCa::bundle() const {
  TrustBundles bundles;
  bundles[trustDomain_].push_back(upRef(rootCertificate()));
  return bundles;
}

std::vector<X509Ptr> DevCa::intermediates() const {
  std::vector<X509Ptr> certs;
  for (std::size_t i = 0; i + 1 < chain_.size(); ++i) certs.push_back(upRef(chain_[i].get()));
  return certs;
}

bool isValidDnsName(std::string_view name) {
  if (name.starts_with("*.")) name.remove_prefix(2);
  if (name.empty() || name.size() > 253 || name.front() == '.' || name.back() == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_';
  });
}

}  // namespace warden::sidecar
