#include "sidecar/identity/svid_leaf.h"

#include <openssl/x509v3.h>

#include <memory>

#include "policy/quote.h"
#include "policy/spiffe_id.h"
#include "sidecar/identity/openssl_ptr.h"

namespace warden::sidecar {
namespace {

using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, OpensslDeleter<GENERAL_NAMES_free>>;

std::optional<std::string> fail(std::string* error, std::string message) {
  // Decoding failures queue OpenSSL errors that would otherwise surface in an unrelated report later.
  opensslErrors();
  if (error != nullptr) *error = std::move(message);
  return std::nullopt;
}

}  // namespace

std::optional<std::string> spiffeIdOfCertificate(X509* cert, std::string* error) {
  if (cert == nullptr) return fail(error, "no certificate");
  int critical = -1;
  GeneralNamesPtr names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, &critical, nullptr)));
  if (!names) {
    if (critical == -2) return fail(error, "certificate has more than one subjectAltName extension");
    if (critical >= 0) return fail(error, "certificate has a malformed subjectAltName extension");
    return fail(error, "certificate has no URI SAN (an X509-SVID has exactly one)");
  }
  const ASN1_IA5STRING* uri = nullptr;
  int uriCount = 0;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type != GEN_URI) continue;
    ++uriCount;
    uri = name->d.uniformResourceIdentifier;
  }
  if (uriCount == 0) return fail(error, "certificate has no URI SAN (an X509-SVID has exactly one)");
  if (uriCount > 1) {
    return fail(error, "certificate has " + std::to_string(uriCount) + " URI SANs (an X509-SVID has exactly one)");
  }
  const std::string text(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)),
                         static_cast<std::size_t>(ASN1_STRING_length(uri)));
  std::string reason;
  if (!policy::parseSpiffeId(text, &reason)) {
    return fail(error, "URI SAN " + policy::quoteForMessage(text) + " is not a SPIFFE ID: " + reason);
  }
  return text;
}

std::optional<std::string> checkSvidLeaf(X509* leaf, std::string* error) {
  auto id = spiffeIdOfCertificate(leaf, error);
  if (!id) return std::nullopt;
  const auto parsed = policy::parseSpiffeId(*id, nullptr);
  if (!parsed || parsed->path.empty()) {
    return fail(error, "SPIFFE ID " + policy::quoteForMessage(*id) +
                           " has no path (a leaf X509-SVID names a workload, not a trust domain)");
  }
  // Computes and caches the decoded extensions; EXFLAG_INVALID covers malformed and duplicated extensions.
  const std::uint32_t flags = X509_get_extension_flags(leaf);
  if ((flags & EXFLAG_INVALID) != 0) return fail(error, "leaf certificate has malformed or duplicate extensions");
  if ((flags & EXFLAG_CA) != 0) return fail(error, "leaf certificate is a CA");
  if ((flags & EXFLAG_KUSAGE) == 0) {
    return fail(error, "leaf certificate has no keyUsage extension (an X509-SVID leaf needs digitalSignature)");
  }
  const std::uint32_t usage = X509_get_key_usage(leaf);
  if ((usage & KU_KEY_CERT_SIGN) != 0) return fail(error, "leaf certificate may sign certificates (keyCertSign)");
  if ((usage & KU_CRL_SIGN) != 0) return fail(error, "leaf certificate may sign CRLs (cRLSign)");
  if ((usage & KU_DIGITAL_SIGNATURE) == 0) return fail(error, "leaf certificate lacks the digitalSignature key usage");
  return id;
}

}  // namespace warden::sidecar
