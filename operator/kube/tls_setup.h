#pragma once

// The TLS side of the API server connection, parsed and checked once from a KubeConfig and applied to the OpenSSL
// context of every new connection: the cluster CA as the only trust anchors (the system's roots only when the
// configuration names no CA), the client certificate and key, TLS 1.2 at least, and a verification hook that
// records why a server certificate was refused, so a failed request can say more than "handshake failed".
// Thread-safe: apply() and the hook run on cpprest's threads while requests ask for the last failure.

#include <openssl/ssl.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "operator/kube/kube_config.h"
#include "sidecar/identity/openssl_ptr.h"

namespace warden::op {

class TlsSetup {
 public:
  using Clock = std::chrono::steady_clock;

  // nullptr with *error: a CA or client certificate that does not parse, a key that does not match the certificate.
  static std::shared_ptr<const TlsSetup> create(const KubeConfig& config, std::string* error);

  TlsSetup(const TlsSetup&) = delete;
  TlsSetup& operator=(const TlsSetup&) = delete;

  // Configures a connection's context. When the client certificate cannot be loaded into it, the context is left
  // without a usable protocol version, so the handshake fails (closed) rather than going out unauthenticated.
  void apply(SSL_CTX* context) const noexcept;

  // The most recent certificate verification failure recorded at or after `since`, "" when none.
  std::string verifyFailureSince(Clock::time_point since) const;

  bool hasClientCertificate() const { return clientKey_ != nullptr; }

 private:
  TlsSetup() = default;
  static int verifyHook(X509_STORE_CTX* storeContext, void* self);
  void recordFailure(X509_STORE_CTX* storeContext) const noexcept;
  void recordText(const std::string& text) const noexcept;

  sidecar::X509StorePtr store_;  // the cluster CA; null: the system's roots
  std::vector<sidecar::X509Ptr> clientChain_;
  sidecar::EvpPkeyPtr clientKey_;
  bool verify_ = true;

  mutable std::mutex mutex_;
  mutable std::string lastFailure_;
  mutable Clock::time_point lastFailureAt_{};
};

}  // namespace warden::op
