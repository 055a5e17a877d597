#pragma once

// Ownership of OpenSSL objects: every object this code creates or takes a reference to lives in one of these, so
// no path (early return, exception from an allocation) can leak it.

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <memory>
#include <string>

namespace warden::sidecar {

template <auto FreeFunction>
struct OpensslDeleter {
  template <typename T>
  void operator()(T* object) const noexcept {
    FreeFunction(object);
  }
};

using X509Ptr = std::unique_ptr<X509, OpensslDeleter<X509_free>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OpensslDeleter<EVP_PKEY_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, OpensslDeleter<X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, OpensslDeleter<X509_STORE_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, OpensslDeleter<BIO_free_all>>;

// A new owning reference to an object someone else owns (nullptr for nullptr).
X509Ptr upRef(X509* cert);
EvpPkeyPtr upRef(EVP_PKEY* key);

// Drains this thread's OpenSSL error queue into one line ("error:...; error:..."); "" when it was empty. Every
// failure path calls it (directly or through a caller) so a stale error never shows up in an unrelated report.
std::string opensslErrors();

// The contents of a memory BIO.
std::string bioContents(BIO* bio);

}  // namespace warden::sidecar
