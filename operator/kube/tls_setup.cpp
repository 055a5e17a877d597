#include "operator/kube/tls_setup.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "sidecar/identity/svid.h"

namespace warden::op {
namespace {

std::string subjectOf(X509* cert) {
  if (cert == nullptr) return {};
  sidecar::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return {};
  if (X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) < 0) return {};
  return sidecar::bioContents(bio.get());
}

}  // namespace

std::shared_ptr<const TlsSetup> TlsSetup::create(const KubeConfig& config, std::string* error) {
  std::shared_ptr<TlsSetup> setup(new TlsSetup());
  setup->verify_ = !config.insecureSkipTlsVerify;
  std::string reason;
  if (!config.caPem.empty()) {
    auto certificates = sidecar::parsePemCertificates(config.caPem, &reason);
    if (!certificates) {
      *error = "the cluster CA: " + reason;
      return nullptr;
    }
    setup->store_.reset(X509_STORE_new());
    if (!setup->store_) {
      *error = "out of memory creating the trust store";
      return nullptr;
    }
    for (const auto& cert : *certificates) {
      if (X509_STORE_add_cert(setup->store_.get(), cert.get()) != 1) {
        const std::string detail = sidecar::opensslErrors();
        // The same CA twice is harmless.
        if (detail.find("cert already in hash table") == std::string::npos) {
          *error = "the cluster CA: cannot add certificate " + subjectOf(cert.get()) + ": " + detail;
          return nullptr;
        }
      }
    }
  }
  if (!config.clientCertPem.empty() || !config.clientKeyPem.empty()) {
    auto chain = sidecar::parsePemCertificates(config.clientCertPem, &reason);
    if (!chain) {
      *error = "the client certificate: " + reason;
      return nullptr;
    }
    auto key = sidecar::parsePemPrivateKey(config.clientKeyPem, &reason);
    if (!key) {
      *error = "the client key: " + reason;
      return nullptr;
    }
    if (X509_check_private_key(chain->front().get(), key.get()) != 1) {
      sidecar::opensslErrors();
      *error = "the client key does not match the client certificate " + subjectOf(chain->front().get());
      return nullptr;
    }
    setup->clientChain_ = std::move(*chain);
    setup->clientKey_ = std::move(key);
  }
  return setup;
}

void TlsSetup::apply(SSL_CTX* context) const noexcept {
  SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
  bool ok = true;
  if (clientKey_) {
    ok = SSL_CTX_use_certificate(context, clientChain_.front().get()) == 1;
    for (std::size_t i = 1; ok && i < clientChain_.size(); ++i) {
      ok = SSL_CTX_add1_chain_cert(context, clientChain_[i].get()) == 1;
    }
    ok = ok && SSL_CTX_use_PrivateKey(context, clientKey_.get()) == 1;
  }
  if (!ok) {
    // Without its certificate the connection would authenticate as someone else (or no one). A maximum version
    // below the minimum leaves no protocol, so the handshake fails whatever the verification mode. (Only OpenSSL
    // running out of memory gets here.)
    SSL_CTX_set_max_proto_version(context, TLS1_1_VERSION);
    recordText("the client certificate could not be loaded into the connection");
  } else if (verify_) {
    // set1 takes its own reference: every connection's context shares the one store.
    if (store_) SSL_CTX_set1_cert_store(context, store_.get());
    SSL_CTX_set_cert_verify_callback(context, &TlsSetup::verifyHook, const_cast<TlsSetup*>(this));
  }
  ERR_clear_error();
}

int TlsSetup::verifyHook(X509_STORE_CTX* storeContext, void* self) {
  const int ok = X509_verify_cert(storeContext);
  if (ok <= 0) static_cast<const TlsSetup*>(self)->recordFailure(storeContext);
  return ok;
}

void TlsSetup::recordFailure(X509_STORE_CTX* storeContext) const noexcept {
  try {
    const int code = X509_STORE_CTX_get_error(storeContext);
    if (code == X509_V_OK || code == X509_V_ERR_UNSPECIFIED) {
      // OpenSSL found no fault with the chain; the per-certificate callback refused it, and the only one installed
      // is the host name check (OpenSSL 3 then reports "unspecified").
      const std::string subject = subjectOf(X509_STORE_CTX_get_current_cert(storeContext));
      recordText("it does not name the host in the server URL" +
                 (subject.empty() ? std::string() : " (certificate " + subject + ")"));
      return;
    }
    std::string text = X509_verify_cert_error_string(code);
    const std::string subject = subjectOf(X509_STORE_CTX_get_current_cert(storeContext));
    if (!subject.empty()) text += " (certificate " + subject + ")";
    recordText(text);
  } catch (...) {
    // Diagnostics only: the handshake fails either way.
  }
}

void TlsSetup::recordText(const std::string& text) const noexcept {
  try {
    std::lock_guard<std::mutex> lock(mutex_);
    lastFailure_ = text;
    lastFailureAt_ = Clock::now();
  } catch (...) {
    // Diagnostics only.
  }
}

std::string TlsSetup::verifyFailureSince(Clock::time_point since) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (lastFailure_.empty() || lastFailureAt_ < since) return {};
  return lastFailure_;
}

}  // namespace warden::op
