#pragma once

// The load generator's side of mutual TLS: its client SVID, the trust bundle that must vouch for the server, TLS 1.2
// or later, and no session resumption (no cache, no tickets), so that every new connection is a full handshake.

#include <optional>
#include <string>

#include "bench/load/net.h"

namespace warden::bench {

struct ClientTlsFiles {
  std::string certificateChain;  // PEM, leaf first (svid.pem)
  std::string privateKey;        // PEM (svid_key.pem)
  std::string trustBundle;       // PEM (bundle.pem)
};

// nullopt (with `error` set) when a file does not load or the key does not match the certificate.
std::optional<asio::ssl::context> makeClientTlsContext(const ClientTlsFiles& files, std::string* error);

}  // namespace warden::bench
