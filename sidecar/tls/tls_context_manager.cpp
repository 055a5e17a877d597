#include "sidecar/tls/tls_context_manager.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "sidecar/identity/openssl_ptr.h"

namespace warden::sidecar {
namespace {

// The SSL ex_data slot holding the connection's PeerIdentity. Allocated once; immutable afterwards.
int peerSlotIndex() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

// Replaces OpenSSL's chain verification: the client must present an X509-SVID that verifies against the bundle of
// its own trust domain. Runs during the handshake on the worker thread that owns the connection.
int verifyClientSvid(X509_STORE_CTX* store, void* arg) {
  const auto* verifier = static_cast<const PeerVerifier*>(arg);
  auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* slot = ssl ? static_cast<PeerIdentity*>(SSL_get_ex_data(ssl, peerSlotIndex())) : nullptr;
  X509* leaf = X509_STORE_CTX_get0_cert(store);
  std::vector<X509*> intermediates;
  if (STACK_OF(X509)* untrusted = X509_STORE_CTX_get0_untrusted(store)) {
    for (int i = 0; i < sk_X509_num(untrusted); ++i) {
      X509* cert = sk_X509_value(untrusted, i);
      if (cert != leaf) intermediates.push_back(cert);
    }
  }
  PeerVerification result;
  if (leaf == nullptr) {
    result.error = "no client certificate";
  } else {
    result = verifier->verify(leaf, intermediates, std::chrono::system_clock::now());
  }
  if (slot != nullptr) {
    slot->spiffeId = result.ok ? result.spiffeId : std::string();
    slot->rejection = result.ok ? std::string() : result.error;
  }
  if (!result.ok) {
    X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
  }
  return 1;
}

}  // namespace

TlsContext::TlsContext(IdentitySnapshotPtr id)
    : ssl(asio::ssl::context::tls_server), identity(std::move(id)), verifier(std::make_unique<PeerVerifier>(identity->bundles)) {}

void attachPeerSlot(SSL* ssl, PeerIdentity* slot) { SSL_set_ex_data(ssl, peerSlotIndex(), slot); }

bool TlsContextManager::update(IdentitySnapshotPtr snapshot, std::string* error) {
  if (!snapshot || snapshot->svid.chain.empty() || !snapshot->svid.privateKey) {
    *error = "no SVID in the identity update";
    return false;
  }
  auto context = std::make_shared<TlsContext>(snapshot);
  SSL_CTX* ctx = context->ssl.native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                               SSL_OP_NO_TICKET);
  // Every connection is verified afresh: resumed sessions would skip the verify hook.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(ctx, 0);
  if (SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20") != 1) {
    *error = "cipher list: " + opensslErrors();
    return false;
  }

  const auto& chain = snapshot->svid.chain;
  if (SSL_CTX_use_certificate(ctx, chain.front().get()) != 1) {
    *error = "SVID certificate: " + opensslErrors();
    return false;
  }
  for (std::size_t i = 1; i < chain.size(); ++i) {
    // add1: the context takes its own reference; the snapshot keeps owning the certificate.
    if (SSL_CTX_add1_chain_cert(ctx, chain[i].get()) != 1) {
      *error = "SVID chain: " + opensslErrors();
      return false;
    }
  }
  if (SSL_CTX_use_PrivateKey(ctx, snapshot->svid.privateKey.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    *error = "SVID private key: " + opensslErrors();
    return false;
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  SSL_CTX_set_cert_verify_callback(ctx, verifyClientSvid, const_cast<PeerVerifier*>(context->verifier.get()));
  current_.store(std::move(context));
  return true;
}

}  // namespace warden::sidecar
