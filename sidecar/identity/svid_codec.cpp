// The encodings of svid.h: DER and PEM certificates, PKCS#8 and PEM keys.
#include <openssl/err.h>
#include <openssl/pem.h>

#include <climits>
#include <cstring>

#include "sidecar/identity/svid.h"

namespace warden::sidecar {
namespace {

using Pkcs8Ptr = std::unique_ptr<PKCS8_PRIV_KEY_INFO, OpensslDeleter<PKCS8_PRIV_KEY_INFO_free>>;

// Bounds every input: files and Workload API messages are small, and long must hold the length for d2i.
constexpr std::size_t kMaxInputBytes = 16 * 1024 * 1024;

void setError(std::string* error, std::string message) {
  const std::string details = opensslErrors();
  if (error == nullptr) return;
  *error = std::move(message);
  if (!details.empty()) *error += " (" + details + ")";
}

// One PEM block, its buffers owned; the data may be key material, so it is wiped on destruction.
struct PemBlock {
  std::string name;
  std::string header;
  std::string data;
  PemBlock() = default;
  PemBlock(const PemBlock&) = delete;
  PemBlock& operator=(const PemBlock&) = delete;
  ~PemBlock() { OPENSSL_cleanse(data.data(), data.size()); }
};

enum class PemRead { kBlock, kEnd, kError };

// Memory OpenSSL allocated for us (i2d output, PEM_read_bio buffers), freed (and wiped: it may hold key material)
// on every path.
class OpensslBuffer {
 public:
  OpensslBuffer() = default;
  OpensslBuffer(const OpensslBuffer&) = delete;
  OpensslBuffer& operator=(const OpensslBuffer&) = delete;
  ~OpensslBuffer() {
    if (data_ != nullptr) OPENSSL_clear_free(data_, size_);
  }
  void reset(void* data, std::size_t size) {
    if (data_ != nullptr) OPENSSL_clear_free(data_, size_);
    data_ = data;
    size_ = size;
  }
  std::string str() const { return data_ == nullptr ? std::string() : std::string(static_cast<const char*>(data_), size_); }

 private:
  void* data_ = nullptr;
  std::size_t size_ = 0;
};

// Reads the next PEM block; kEnd when only text without BEGIN lines remains.
PemRead readPemBlock(BIO* bio, PemBlock* block) {
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long length = 0;
  const int ok = PEM_read_bio(bio, &name, &header, &data, &length);
  OpensslBuffer nameBuffer, headerBuffer, dataBuffer;
  if (ok == 1) {
    nameBuffer.reset(name, std::strlen(name));
    headerBuffer.reset(header, std::strlen(header));
    dataBuffer.reset(data, static_cast<std::size_t>(length));
  }
  if (ok != 1) {
    const unsigned long last = ERR_peek_last_error();
    if (ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE) {
      ERR_clear_error();
      return PemRead::kEnd;
    }
    return PemRead::kError;
  }
  block->name = nameBuffer.str();
  block->header = headerBuffer.str();
  block->data = dataBuffer.str();
  return PemRead::kBlock;
}

// The DER encoding of `object` by an i2d function, or "" when encoding fails.
template <typename T, typename Encode>
std::string encodeDer(T* object, Encode encode) {
  unsigned char* out = nullptr;
  const int length = encode(object, &out);
  OpensslBuffer buffer;
  if (length <= 0 || out == nullptr) return {};
  buffer.reset(out, static_cast<std::size_t>(length));
  return buffer.str();
}

BioPtr memoryBio(std::string_view text) {
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// One DER certificate that must span all of `der`.
X509Ptr parseOneDerCertificate(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (cert && p != reinterpret_cast<const unsigned char*>(der.data() + der.size())) return nullptr;
  return cert;
}

std::string pkcs8Der(EVP_PKEY* key) {
  Pkcs8Ptr info(EVP_PKEY2PKCS8(key));
  if (!info) return {};
  return encodeDer(info.get(), [](PKCS8_PRIV_KEY_INFO* p, unsigned char** out) { return i2d_PKCS8_PRIV_KEY_INFO(p, out); });
}

std::optional<std::vector<X509Ptr>> parseDerImpl(std::string_view der, std::string* error) {
  if (der.empty()) {
    setError(error, "no certificates (empty DER)");
    return std::nullopt;
  }
  if (der.size() > kMaxInputBytes) {
    setError(error, "DER certificates are larger than 16 MiB");
    return std::nullopt;
  }
  std::vector<X509Ptr> certificates;
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  const auto* end = p + der.size();
  while (p < end) {
    X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(end - p)));
    if (!cert) {
      setError(error, "DER certificate " + std::to_string(certificates.size() + 1) + " does not parse");
      return std::nullopt;
    }
    certificates.push_back(std::move(cert));
  }
  return certificates;
}

std::optional<std::vector<X509Ptr>> parsePemImpl(std::string_view pem, std::string* error) {
  if (pem.size() > kMaxInputBytes) {
    setError(error, "PEM certificates are larger than 16 MiB");
    return std::nullopt;
  }
  BioPtr bio = memoryBio(pem);
  if (!bio) {
    setError(error, "out of memory");
    return std::nullopt;
  }
  std::vector<X509Ptr> certificates;
  for (;;) {
    PemBlock block;
    const PemRead result = readPemBlock(bio.get(), &block);
    if (result == PemRead::kEnd) break;
    const std::string position = "PEM block " + std::to_string(certificates.size() + 1);
    if (result == PemRead::kError) {
      setError(error, position + " is malformed or truncated");
      return std::nullopt;
    }
    if (block.name != "CERTIFICATE") {
      setError(error, position + " is a \"" + block.name + "\", not a \"CERTIFICATE\"");
      return std::nullopt;
    }
    X509Ptr cert = parseOneDerCertificate(block.data);
    if (!cert) {
      setError(error, position + " is not a valid X.509 certificate");
      return std::nullopt;
    }
    certificates.push_back(std::move(cert));
  }
  if (certificates.empty()) {
    setError(error, "no PEM certificate found");
    return std::nullopt;
  }
  return certificates;
}

EvpPkeyPtr parsePkcs8Impl(std::string_view der, std::string* error) {
  if (der.empty() || der.size() > kMaxInputBytes) {
    setError(error, der.empty() ? "no private key (empty DER)" : "private key is larger than 16 MiB");
    return nullptr;
  }
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  Pkcs8Ptr info(d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der.size())));
  if (!info || p != reinterpret_cast<const unsigned char*>(der.data() + der.size())) {
    setError(error, "private key is not a PKCS#8 PrivateKeyInfo");
    return nullptr;
  }
  EvpPkeyPtr key(EVP_PKCS82PKEY(info.get()));
  if (!key) setError(error, "PKCS#8 private key does not decode");
  return key;
}

EvpPkeyPtr parsePemKeyImpl(std::string_view pem, std::string* error) {
  if (pem.size() > kMaxInputBytes) {
    setError(error, "PEM private key is larger than 16 MiB");
    return nullptr;
  }
  BioPtr bio = memoryBio(pem);
  if (!bio) {
    setError(error, "out of memory");
    return nullptr;
  }
  EvpPkeyPtr key;
  for (;;) {
    PemBlock block;
    const PemRead result = readPemBlock(bio.get(), &block);
    if (result == PemRead::kEnd) break;
    if (result == PemRead::kError) {
      setError(error, "PEM private key is malformed or truncated");
      return nullptr;
    }
    if (block.name == "EC PARAMETERS") continue;
    if (block.name == "ENCRYPTED PRIVATE KEY" || !block.header.empty()) {
      setError(error, "private key is encrypted (an unencrypted key is needed)");
      return nullptr;
    }
    if (key) {
      setError(error, "more than one private key in PEM");
      return nullptr;
    }
    const auto* p = reinterpret_cast<const unsigned char*>(block.data.data());
    const long length = static_cast<long>(block.data.size());
    if (block.name == "PRIVATE KEY") {
      key = parsePkcs8Impl(block.data, error);
      if (!key) return nullptr;
    } else if (block.name == "EC PRIVATE KEY" || block.name == "RSA PRIVATE KEY") {
      key.reset(d2i_PrivateKey(block.name == "EC PRIVATE KEY" ? EVP_PKEY_EC : EVP_PKEY_RSA, nullptr, &p, length));
      if (!key) {
        setError(error, "\"" + block.name + "\" does not decode");
        return nullptr;
      }
    } else {
      setError(error, "PEM block \"" + block.name + "\" is not a private key");
      return nullptr;
    }
  }
  if (!key) setError(error, "no PEM private key found");
  return key;
}

}  // namespace

std::optional<std::vector<X509Ptr>> parseDerCertificates(std::string_view der, std::string* error) {
  try {
    return parseDerImpl(der, error);
  } catch (const std::exception& e) {
    setError(error, std::string("cannot parse: ") + e.what());
    return std::nullopt;
  }
}

std::optional<std::vector<X509Ptr>> parsePemCertificates(std::string_view pem, std::string* error) {
  try {
    return parsePemImpl(pem, error);
  } catch (const std::exception& e) {
    setError(error, std::string("cannot parse: ") + e.what());
    return std::nullopt;
  }
}

EvpPkeyPtr parsePkcs8DerKey(std::string_view der, std::string* error) {
  try {
    return parsePkcs8Impl(der, error);
  } catch (const std::exception& e) {
    setError(error, std::string("cannot parse: ") + e.what());
    return nullptr;
  }
}

EvpPkeyPtr parsePemPrivateKey(std::string_view pem, std::string* error) {
  try {
    return parsePemKeyImpl(pem, error);
  } catch (const std::exception& e) {
    setError(error, std::string("cannot parse: ") + e.what());
    return nullptr;
  }
}

std::string certificatesToPem(const std::vector<X509Ptr>& certificates) {
  try {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio) return {};
    for (const auto& cert : certificates) {
      if (PEM_write_bio_X509(bio.get(), cert.get()) != 1) {
        opensslErrors();
        return {};
      }
    }
    return bioContents(bio.get());
  } catch (const std::exception&) {
    opensslErrors();
    return {};
  }
}

std::string privateKeyToPem(EVP_PKEY* key) {
  try {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || key == nullptr) return {};
    if (PEM_write_bio_PKCS8PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
      opensslErrors();
      return {};
    }
    return bioContents(bio.get());
  } catch (const std::exception&) {
    opensslErrors();
    return {};
  }
}

std::string certificatesToDer(const std::vector<X509Ptr>& certificates) {
  try {
    std::string der;
    for (const auto& cert : certificates) {
      const std::string one = encodeDer(cert.get(), [](X509* c, unsigned char** out) { return i2d_X509(c, out); });
      if (one.empty()) {
        opensslErrors();
        return {};
      }
      der += one;
    }
    return der;
  } catch (const std::exception&) {
    opensslErrors();
    return {};
  }
}

std::string privateKeyToPkcs8Der(EVP_PKEY* key) {
  try {
    if (key == nullptr) return {};
    std::string der = pkcs8Der(key);
    if (der.empty()) opensslErrors();
    return der;
  } catch (const std::exception&) {
    opensslErrors();
    return {};
  }
}

}  // namespace warden::sidecar
