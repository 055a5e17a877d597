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

// A coarse class of the failure for the metric label (bounded cardinality).
std::string_view failureClass(std::string_view reason) {
  if (reason == "no client certificate") return "no_certificate";
  if (reason.find("unknown trust domain") != std::string_view::npos) return "unknown_trust_domain";
  if (reason.find("expired") != std::string_view::npos || reason.find("not valid before") != std::string_view::npos) {
    return "validity";
  }
  if (reason.find("URI SAN") != std::string_view::npos || reason.find("SPIFFE") != std::string_view::npos) {
    return "not_an_svid";
  }
  if (reason.find("CA") != std::string_view::npos || reason.find("keyCertSign") != std::string_view::npos) {
    return "ca_leaf";
  }
  if (reason.find("verify") != std::string_view::npos) return "untrusted";
  if (reason == "handshake timed out") return "timeout";
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
