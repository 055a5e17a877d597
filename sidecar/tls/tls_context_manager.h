#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "sidecar/common/asio.h"
#include "sidecar/identity/svid.h"
#include "sidecar/identity/svid_verifier.h"

namespace warden::sidecar {

// One server-side SSL context per SVID/bundle snapshot, never one per connection. A rotation builds a new context
// and swaps the pointer: connections in flight keep the context (and SVID) they were accepted with, new ones get
// the new one, nothing is dropped.
struct TlsContext {
  explicit TlsContext(IdentitySnapshotPtr id);
  asio::ssl::context ssl;
  IdentitySnapshotPtr identity;
  std::unique_ptr<const PeerVerifier> verifier;  // the peer check of this context's trust bundles
};
using TlsContextPtr = std::shared_ptr<TlsContext>;

// The outcome of a client's certificate check, recorded by the verify hook into a slot the session attaches to its
// SSL object before the handshake.
struct PeerIdentity {
  std::string spiffeId;   // set when the client presented a valid X509-SVID
  std::string rejection;  // why it was refused otherwise
};

// Thread-safe: update() from the identity source's thread, current() from any worker.
class TlsContextManager {
 public:
  // Builds a context for the snapshot (TLS 1.2+, client certificate required and verified as an X509-SVID against
  // the bundle of the client's own trust domain, no session resumption so every connection is verified) and makes
  // it current. False with *error when the SVID cannot be used; the previous context stays.
  bool update(IdentitySnapshotPtr snapshot, std::string* error);
  // Null until the first SVID arrived: no connection is accepted before that.
  TlsContextPtr current() const { return current_.load(); }

 private:
  std::atomic<std::shared_ptr<TlsContext>> current_;
};

// Before the handshake: where the verify hook records the client's identity for this connection.
void attachPeerSlot(SSL* ssl, PeerIdentity* slot);

}  // namespace warden::sidecar
