#include "bench/load/load_generator/client_tls.h"

#include <openssl/ssl.h>

namespace warden::bench {

std::optional<asio::ssl::context> makeClientTlsContext(const ClientTlsFiles& files, std::string* error) {
  asio::ssl::context context{asio::ssl::context::tls_client};
  error_code ec;
  context.use_certificate_chain_file(files.certificateChain, ec);
  if (ec) {
    *error = "cannot load the client certificate " + files.certificateChain + ": " + ec.message();
    return std::nullopt;
  }
  context.use_private_key_file(files.privateKey, asio::ssl::context::pem, ec);
  if (ec) {
    *error = "cannot load the client key " + files.privateKey + ": " + ec.message();
    return std::nullopt;
  }
  context.load_verify_file(files.trustBundle, ec);
  if (ec) {
    *error = "cannot load the trust bundle " + files.trustBundle + ": " + ec.message();
    return std::nullopt;
  }
  // The server is verified by its chain to the bundle, as SPIFFE-aware clients do (its SAN is a SPIFFE ID).
  context.set_verify_mode(asio::ssl::verify_peer);
  SSL_CTX* native = context.native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(native, SSL_OP_NO_TICKET);
  return context;
}

}  // namespace warden::bench
