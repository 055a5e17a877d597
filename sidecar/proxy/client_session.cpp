#include "sidecar/proxy/client_session.h"

#include <openssl/err.h>

#include "sidecar/common/logging.h"
#include "sidecar/proxy/http_responses.h"
#include "sidecar/proxy/mcp_exchange.h"
#include "sidecar/proxy/proxy_errors.h"

namespace warden::sidecar {
namespace {

// A handshake failure in words: the verify hook's reason when it ran, else what TLS said (no certificate,
// protocol errors).
std::string handshakeFailure(const error_code& ec, const PeerIdentity& peer) {
  if (!peer.rejection.empty()) return peer.rejection;
  if (ec == beast::error::timeout) return "handshake timed out";
  const std::string what = ec.message();
  if (what.find("peer did not return a certificate") != std::string::npos) return "no client certificate";
  return what;
}

// A coarse class of the failure for the metric label (bounded cardinality). Decided by how the reason begins: the
// verifier's reasons start with a fixed phrase and go on with text taken from the peer's certificates (SPIFFE IDs,
// subjects such as "O=mcp-warden development CA" or SPIRE's "O=SPIFFE"), which must not choose the label. A chain
// that fails at an intermediate or root is "untrusted", whatever that certificate's subject says.
std::string_view failureClass(std::string_view reason) {
  const auto starts = [reason](std::string_view phrase) { return reason.starts_with(phrase); };
  if (reason == "no client certificate") return "no_certificate";
  if (reason == "handshake timed out") return "timeout";
  if (starts("unknown trust domain ")) return "unknown_trust_domain";
  if (starts("chain does not verify against the bundle of ") || starts("the bundle of ")) return "untrusted";
  if (starts("certificate expired at ") || starts("certificate not valid before ") ||
      starts("certificate has a malformed validity period")) {
    return "validity";
  }
  if (starts("leaf certificate is a CA") || starts("leaf certificate may sign ")) return "ca_leaf";
  // The rest of the X509-SVID rules: URI SANs, the SPIFFE ID, keyUsage, malformed extensions.
  if (starts("certificate has ") || starts("URI SAN ") || starts("SPIFFE ID ") || starts("leaf certificate ")) {
    return "not_an_svid";
  }
  return "tls";
}

class ConnectionGauge {
 public:
  explicit ConnectionGauge(ProxyMetrics& m) : m_(m) { m_.connectionOpened(); }
  ~ConnectionGauge() { m_.connectionClosed(); }
  ConnectionGauge(const ConnectionGauge&) = delete;
  ConnectionGauge& operator=(const ConnectionGauge&) = delete;

 private:
  ProxyMetrics& m_;
};

}  // namespace

asio::awaitable<void> runClientSession(tcp::socket socket, TlsContextPtr tls, ProxyContext& ctx, UpstreamPool& pool,
                                       IdleConnections& idle) {
  const auto& config = ctx.config;
  error_code ec;
  std::string remote;
  if (auto endpoint = socket.remote_endpoint(ec); !ec) remote = endpoint.address().to_string();
  ClientStream stream(beast::tcp_stream(std::move(socket)), tls->ssl);
  auto& lowest = beast::get_lowest_layer(stream);
  PeerIdentity peer;
  attachPeerSlot(stream.native_handle(), &peer);

  lowest.expires_after(config.handshakeTimeout);
  co_await stream.async_handshake(asio::ssl::stream_base::server, awaitWith(ec));
  if (ec || peer.spiffeId.empty()) {
    const auto reason = handshakeFailure(ec, peer);
    ctx.metrics.handshakeFailure(failureClass(reason));
    logWarn("client rejected", {{"remote", remote}, {"reason", reason}});
    co_return;
  }
  ConnectionGauge gauge(ctx.metrics);
  logDebug("client authenticated", {{"remote", remote}, {"principal", peer.spiffeId}});

  beast::flat_buffer buffer;
  bool first = true;
  for (;;) {
    if (buffer.size() == 0) {
      if (idle.draining()) break;
      // Between requests the connection may idle (keep-alive); once bytes arrive the request has its own deadlines.
      lowest.expires_after(first ? config.headerTimeout : config.idleTimeout);
      idle.add(&lowest);
      const auto n = co_await stream.async_read_some(buffer.prepare(4096), awaitWith(ec));
      idle.remove(&lowest);
      if (ec) break;
      buffer.commit(n);
    }
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(config.maxHeaderBytes));
    parser.body_limit(config.maxBodyBytes);
    lowest.expires_after(config.headerTimeout);
    co_await http::async_read_header(stream, buffer, parser, awaitWith(ec));
    if (!ec) {
      lowest.expires_after(config.bodyTimeout);
      co_await http::async_read(stream, buffer, parser, awaitWith(ec));
    }
    // An oversize body shows at the header already (Content-Length) or while reading it (chunked).
    if (ec == http::error::body_limit) {
      logWarn("request body too large", {{"principal", peer.spiffeId}, {"limit", config.maxBodyBytes}});
      const auto refusal = proxy_errors::bodyTooLarge(config.maxBodyBytes);
      co_await writeJson(stream, http::status::payload_too_large, refusal, false, {}, ec);
      break;
    }
    if (ec == http::error::header_limit) {
      const auto refusal = proxy_errors::headerTooLarge();
      co_await writeJson(stream, http::status::request_header_fields_too_large, refusal, false, {}, ec);
      break;
    }
    if (ec) {
      if (ec != beast::error::timeout && ec != http::error::end_of_stream && ec != asio::error::eof) {
        const auto refusal = proxy_errors::malformedHttp();
        co_await writeJson(stream, http::status::bad_request, refusal, false, {}, ec);
      }
      break;
    }
    lowest.expires_never();  // from here each write to the agent has its own deadline (timedWrite)
    auto request = parser.release();
    const bool keep = co_await handleExchange(stream, request, peer.spiffeId, ctx, pool);
    if (!keep) break;
    first = false;
  }
  lowest.expires_after(std::chrono::seconds(1));
  co_await stream.async_shutdown(awaitWith(ec));
}

}  // namespace warden::sidecar
