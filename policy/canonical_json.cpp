#include "policy/canonical_json.h"

#include <stdexcept>

#include <openssl/evp.h>

namespace warden::policy {

std::string canonicalJson(const nlohmann::json& value) {
  // nlohmann::json keeps object members in a std::map, whose std::string keys compare as unsigned bytes, so a
  // compact dump is already sorted and deterministic. Invalid UTF-8 is replaced by U+FFFD instead of throwing.
  return value.dump(-1, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
}

namespace {

// SHA-256 fetched from the default provider once. With OpenSSL 3, EVP_sha256() makes every digest look the
// algorithm up again (about 10,000 instructions, more than hashing a receipt); a fetched EVP_MD is immutable and
// safe to share between threads.
const EVP_MD* sha256() {
  static const EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

}  // namespace

std::string sha256Hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  const EVP_MD* md = sha256();
  if (md == nullptr || EVP_Digest(bytes.data(), bytes.size(), digest, &length, md, nullptr) != 1) {
    // Only a broken OpenSSL installation or an allocation failure gets here; a hash must never be guessed.
    throw std::runtime_error("SHA-256 digest failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return hex;
}

}  // namespace warden::policy
