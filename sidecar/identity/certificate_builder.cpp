#include "sidecar/identity/certificate_builder.h"

#include <arpa/inet.h>
#include <openssl/bn.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <array>

#include "policy/quote.h"
#include "sidecar/identity/x509_time.h"

namespace warden::sidecar {
namespace {

using BignumPtr = std::unique_ptr<BIGNUM, OpensslDeleter<BN_free>>;
using BasicConstraintsPtr = std::unique_ptr<BASIC_CONSTRAINTS, OpensslDeleter<BASIC_CONSTRAINTS_free>>;
using BitStringPtr = std::unique_ptr<ASN1_BIT_STRING, OpensslDeleter<ASN1_BIT_STRING_free>>;
using OctetStringPtr = std::unique_ptr<ASN1_OCTET_STRING, OpensslDeleter<ASN1_OCTET_STRING_free>>;
using Ia5StringPtr = std::unique_ptr<ASN1_IA5STRING, OpensslDeleter<ASN1_IA5STRING_free>>;
using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, OpensslDeleter<GENERAL_NAME_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, OpensslDeleter<GENERAL_NAMES_free>>;
using ExtendedKeyUsagePtr = std::unique_ptr<EXTENDED_KEY_USAGE, OpensslDeleter<EXTENDED_KEY_USAGE_free>>;
using AuthorityKeyIdPtr = std::unique_ptr<AUTHORITY_KEYID, OpensslDeleter<AUTHORITY_KEYID_free>>;

// keyUsage bit numbers (RFC 5280 section 4.2.1.3).
constexpr int kDigitalSignatureBit = 0;
constexpr int kKeyCertSignBit = 5;
constexpr int kCrlSignBit = 6;

X509Ptr fail(std::string* error, const std::string& message) {
  const std::string details = opensslErrors();
  if (error != nullptr) *error = details.empty() ? message : message + " (" + details + ")";
  return nullptr;
}

bool setRandomSerial(X509* cert) {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) return false;
  bytes[0] &= 0x7f;  // positive
  bytes[15] |= 0x01;  // never zero
  BignumPtr number(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr));
  return number && BN_to_ASN1_INTEGER(number.get(), X509_get_serialNumber(cert)) != nullptr;
}

bool addNameEntry(X509_NAME* name, const char* field, const std::string& value) {
  if (value.empty()) return true;
  return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(value.data()),
                                    static_cast<int>(value.size()), -1, 0) == 1;
}

bool pushName(GENERAL_NAMES* names, int type, ASN1_STRING* value) {
  GeneralNamePtr name(GENERAL_NAME_new());
  if (!name) {
    ASN1_STRING_free(value);
    return false;
  }
  GENERAL_NAME_set0_value(name.get(), type, value);
  if (sk_GENERAL_NAME_push(names, name.get()) <= 0) return false;
  name.release();  // owned by the stack now
  return true;
}

bool pushIa5Name(GENERAL_NAMES* names, int type, const std::string& text) {
  Ia5StringPtr value(ASN1_IA5STRING_new());
  if (!value || ASN1_STRING_set(value.get(), text.data(), static_cast<int>(text.size())) != 1) return false;
  return pushName(names, type, value.release());
}

bool pushIpName(GENERAL_NAMES* names, const std::string& text, std::string* error) {
  std::array<unsigned char, 16> address{};
  int length = 0;
  if (inet_pton(AF_INET, text.c_str(), address.data()) == 1) {
    length = 4;
  } else if (inet_pton(AF_INET6, text.c_str(), address.data()) == 1) {
    length = 16;
  } else {
    *error = "not an IP address: " + policy::quoteForMessage(text);
    return false;
  }
  OctetStringPtr value(ASN1_OCTET_STRING_new());
  if (!value || ASN1_OCTET_STRING_set(value.get(), address.data(), length) != 1) return false;
  return pushName(names, GEN_IPADD, value.release());
}

bool addSubjectAltNames(X509* cert, const CertificateSpec& spec, bool emptySubject, std::string* error) {
  if (spec.uriSans.empty() && spec.dnsSans.empty() && spec.ipSans.empty()) return true;
  GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  if (!names) return false;
  for (const auto& uri : spec.uriSans) {
    if (!pushIa5Name(names.get(), GEN_URI, uri)) return false;
  }
  for (const auto& dns : spec.dnsSans) {
    if (!pushIa5Name(names.get(), GEN_DNS, dns)) return false;
  }
  for (const auto& ip : spec.ipSans) {
    if (!pushIpName(names.get(), ip, error)) return false;
  }
  // RFC 5280 4.2.1.6: critical when the subject is empty.
  return X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), emptySubject ? 1 : 0, X509V3_ADD_DEFAULT) == 1;
}

bool addKeyUsage(X509* cert, const CertificateSpec& spec) {
  if (!spec.digitalSignature && !spec.keyCertSign && !spec.cRLSign) return true;
  BitStringPtr usage(ASN1_BIT_STRING_new());
  if (!usage) return false;
  if ((spec.digitalSignature && ASN1_BIT_STRING_set_bit(usage.get(), kDigitalSignatureBit, 1) != 1) ||
      (spec.keyCertSign && ASN1_BIT_STRING_set_bit(usage.get(), kKeyCertSignBit, 1) != 1) ||
      (spec.cRLSign && ASN1_BIT_STRING_set_bit(usage.get(), kCrlSignBit, 1) != 1)) {
    return false;
  }
  return X509_add1_ext_i2d(cert, NID_key_usage, usage.get(), 1, X509V3_ADD_DEFAULT) == 1;
}

bool addExtendedKeyUsage(X509* cert) {
  ExtendedKeyUsagePtr usage(sk_ASN1_OBJECT_new_null());
  if (!usage) return false;
  for (const int nid : {NID_server_auth, NID_client_auth}) {
    ASN1_OBJECT* object = OBJ_nid2obj(nid);  // a static object: nothing to free
    if (object == nullptr || sk_ASN1_OBJECT_push(usage.get(), object) <= 0) return false;
  }
  return X509_add1_ext_i2d(cert, NID_ext_key_usage, usage.get(), 0, X509V3_ADD_DEFAULT) == 1;
}

bool addBasicConstraints(X509* cert, bool isCa) {
  BasicConstraintsPtr constraints(BASIC_CONSTRAINTS_new());
  if (!constraints) return false;
  constraints->ca = isCa ? 0xFF : 0;
  return X509_add1_ext_i2d(cert, NID_basic_constraints, constraints.get(), 1, X509V3_ADD_DEFAULT) == 1;
}

// Subject key identifier: SHA-1 of the public key (RFC 5280 4.2.1.2 method 1); authority key identifier: the
// issuer's subject key identifier (the certificate's own when self-signed).
bool addKeyIdentifiers(X509* cert, X509* issuer) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (X509_pubkey_digest(cert, EVP_sha1(), digest.data(), &length) != 1) return false;
  OctetStringPtr subjectKeyId(ASN1_OCTET_STRING_new());
  if (!subjectKeyId || ASN1_OCTET_STRING_set(subjectKeyId.get(), digest.data(), static_cast<int>(length)) != 1 ||
      X509_add1_ext_i2d(cert, NID_subject_key_identifier, subjectKeyId.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return false;
  }
  const ASN1_OCTET_STRING* issuerKeyId = issuer != nullptr ? X509_get0_subject_key_id(issuer) : subjectKeyId.get();
  if (issuerKeyId == nullptr) return true;
  AuthorityKeyIdPtr authorityKeyId(AUTHORITY_KEYID_new());
  if (!authorityKeyId) return false;
  authorityKeyId->keyid = ASN1_OCTET_STRING_dup(issuerKeyId);
  return authorityKeyId->keyid != nullptr &&
         X509_add1_ext_i2d(cert, NID_authority_key_identifier, authorityKeyId.get(), 0, X509V3_ADD_DEFAULT) == 1;
}

X509Ptr build(const CertificateSpec& spec, EVP_PKEY* subjectKey, X509* issuer, EVP_PKEY* issuerKey,
              std::string* error) {
  if (subjectKey == nullptr || issuerKey == nullptr) return fail(error, "no key to certify or sign with");
  if (spec.commonName.size() > 64) return fail(error, "common name is longer than 64 bytes");
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1 || !setRandomSerial(cert.get())) {
    return fail(error, "cannot start a certificate");
  }
  if (!setAsn1Time(X509_getm_notBefore(cert.get()), spec.notBefore) ||
      !setAsn1Time(X509_getm_notAfter(cert.get()), spec.notAfter)) {
    return fail(error, "cannot set the validity period");
  }
  X509_NAME* subject = X509_get_subject_name(cert.get());
  if (!addNameEntry(subject, "O", spec.organization) || !addNameEntry(subject, "OU", spec.organizationalUnit) ||
      !addNameEntry(subject, "CN", spec.commonName)) {
    return fail(error, "cannot set the subject");
  }
  const bool emptySubject = X509_NAME_entry_count(subject) == 0;
  if (X509_set_issuer_name(cert.get(), issuer != nullptr ? X509_get_subject_name(issuer) : subject) != 1 ||
      X509_set_pubkey(cert.get(), subjectKey) != 1) {
    return fail(error, "cannot set the issuer or public key");
  }
  std::string sanError;
  if (!addBasicConstraints(cert.get(), spec.isCa) || !addKeyUsage(cert.get(), spec) ||
      (spec.tlsUsages && !addExtendedKeyUsage(cert.get())) ||
      !addSubjectAltNames(cert.get(), spec, emptySubject, &sanError) || !addKeyIdentifiers(cert.get(), issuer)) {
    return fail(error, sanError.empty() ? "cannot add the extensions" : sanError);
  }
  if (X509_sign(cert.get(), issuerKey, EVP_sha256()) <= 0) return fail(error, "cannot sign the certificate");
  // Hand out exactly what a peer will parse, with no extension cache left over from building.
  unsigned char* der = nullptr;
  const int length = i2d_X509(cert.get(), &der);
  if (length <= 0) return fail(error, "cannot encode the certificate");
  const unsigned char* p = der;
  X509Ptr parsed(d2i_X509(nullptr, &p, length));
  OPENSSL_free(der);
  if (!parsed) return fail(error, "the certificate does not parse back");
  return parsed;
}

}  // namespace

EvpPkeyPtr generateP256Key(std::string* error) {
  EvpPkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) fail(error, "cannot generate an EC P-256 key");
  return key;
}

bool isIpAddress(const std::string& text) {
  std::array<unsigned char, 16> address{};
  return inet_pton(AF_INET, text.c_str(), address.data()) == 1 ||
         inet_pton(AF_INET6, text.c_str(), address.data()) == 1;
}

X509Ptr buildCertificate(const CertificateSpec& spec, EVP_PKEY* subjectKey, X509* issuer, EVP_PKEY* issuerKey,
                         std::string* error) {
  try {
    return build(spec, subjectKey, issuer, issuerKey, error);
  } catch (const std::exception& e) {
    return fail(error, std::string("cannot build a certificate: ") + e.what());
  }
}

}  // namespace warden::sidecar
