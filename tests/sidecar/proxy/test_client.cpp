#include "test_client.h"

#include <openssl/bn.h>
#include <openssl/ssl.h>

#include <limits>

#include "sidecar/common/asio.h"
#include "sidecar/mcp/sse.h"

namespace warden::sidecar::testing {

struct McpTestClient::Impl {
  unsigned short port;
  asio::io_context io;
  asio::ssl::context ctx{asio::ssl::context::tls_client};
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> stream;
  beast::flat_buffer buffer;
  std::shared_ptr<SSL_SESSION> offeredSession;
};

McpTestClient::McpTestClient(unsigned short port, const X509Svid* svid, const TrustBundles& trust)
    : impl_(std::make_unique<Impl>()) {
  impl_->port = port;
  SSL_CTX* ctx = impl_->ctx.native_handle();
  if (svid != nullptr) {
    SSL_CTX_use_certificate(ctx, svid->chain.front().get());
    for (std::size_t i = 1; i < svid->chain.size(); ++i) SSL_CTX_add1_chain_cert(ctx, svid->chain[i].get());
    SSL_CTX_use_PrivateKey(ctx, svid->privateKey.get());
  }
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  for (const auto& [td, cas] : trust) {
    for (const auto& ca : cas) X509_STORE_add_cert(store, ca.get());
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
}

McpTestClient::~McpTestClient() = default;

std::string McpTestClient::connect() {
  impl_->stream = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(impl_->io, impl_->ctx);
  if (impl_->offeredSession) SSL_set_session(impl_->stream->native_handle(), impl_->offeredSession.get());
  auto& tcpLayer = beast::get_lowest_layer(*impl_->stream);
  error_code ec;
  tcpLayer.expires_after(std::chrono::seconds(5));
  tcpLayer.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), impl_->port), ec);
  if (ec) return "connect: " + ec.message();
  impl_->stream->handshake(asio::ssl::stream_base::client, ec);
  if (ec) return "handshake: " + ec.message();
  // With TLS 1.3 a rejected client certificate shows up on the first read, not in the handshake.
  return "";
}

namespace {

ClientResponse readResponse(beast::ssl_stream<beast::tcp_stream>& stream, beast::flat_buffer& buffer,
                            std::chrono::steady_clock::time_point sent) {
  ClientResponse out;
  error_code ec;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());  // Boost 1.74 reads none as 0
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
  http::read_header(stream, buffer, parser, ec);
  if (ec) {
    out.error = ec.message();
    return out;
  }
  out.status = parser.get().result_int();
  for (const auto& f : parser.get()) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(f.value());
  }
  char piece[8192];
  while (!parser.is_done()) {
    parser.get().body().data = piece;
    parser.get().body().size = sizeof piece;
    http::read_some(stream, buffer, parser, ec);
    if (ec == http::error::need_buffer) ec = {};
    if (ec) {
      out.error = ec.message();
      break;
    }
    const auto n = sizeof piece - parser.get().body().size;
    if (n == 0) continue;
    out.body.append(piece, n);
    out.pieces.emplace_back(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - sent),
        std::string(piece, n));
  }
  return out;
}

}  // namespace

std::vector<nlohmann::json> ClientResponse::sseMessages() const {
  mcp::SseParser parser;
  std::vector<mcp::SseEvent> events;
  parser.feed(body, events);
  parser.finish(events);
  std::vector<nlohmann::json> out;
  for (const auto& e : events) {
    if (e.data.empty()) continue;
    out.push_back(nlohmann::json::parse(e.data, nullptr, false));
  }
  return out;
}

ClientResponse McpTestClient::request(const std::string& method, const std::string& target, const std::string& body,
                                      std::map<std::string, std::string> headers) {
  if (!impl_->stream) {
    if (auto e = connect(); !e.empty()) return ClientResponse{0, {}, {}, {}, e};
  }
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "localhost");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  req.prepare_payload();
  error_code ec;
  const auto sent = std::chrono::steady_clock::now();
  beast::get_lowest_layer(*impl_->stream).expires_after(std::chrono::seconds(10));
  http::write(*impl_->stream, req, ec);
  // A server that refuses a request early (413) answers and closes while the body is still being sent: read the
  // answer it managed to send before reporting the failed write.
  auto response = readResponse(*impl_->stream, impl_->buffer, sent);
  if (ec && response.status == 0) response.error = "write: " + ec.message();
  return response;
}

ClientResponse McpTestClient::post(const std::string& body, std::map<std::string, std::string> headers) {
  headers.try_emplace("Content-Type", "application/json");
  headers.try_emplace("Accept", "application/json, text/event-stream");
  return request("POST", "/mcp", body, std::move(headers));
}

bool McpTestClient::send(const std::string& bytes) {
  if (!impl_->stream && !connect().empty()) return false;
  error_code ec;
  asio::write(*impl_->stream, asio::buffer(bytes), ec);
  return !ec;
}

ClientResponse McpTestClient::raw(const std::string& bytes) {
  const auto sent = std::chrono::steady_clock::now();
  if (!send(bytes)) return ClientResponse{0, {}, {}, {}, "send failed"};
  return readResponse(*impl_->stream, impl_->buffer, sent);
}

bool McpTestClient::closedByServer(std::chrono::milliseconds timeout) {
  if (!impl_->stream) return true;
  // expires_after bounds only asynchronous operations (a blocking read_some waited for the server to close, however
  // long that took, and then reported "closed"): read asynchronously for at most `timeout`, then cancel.
  char byte;
  error_code ec;
  bool done = false;
  // An expiry left by an earlier call would fail (and close) the read at once once passed: bounded by run_for instead.
  beast::get_lowest_layer(*impl_->stream).expires_never();
  impl_->stream->async_read_some(asio::buffer(&byte, 1), [&](const error_code& e, std::size_t) {
    ec = e;
    done = true;
  });
  impl_->io.restart();
  impl_->io.run_for(timeout);
  if (!done) {
    beast::get_lowest_layer(*impl_->stream).socket().cancel(ec);
    impl_->io.restart();
    impl_->io.run();  // the read completes with operation_aborted: the connection is still open
    return false;
  }
  return static_cast<bool>(ec);
}

SSL_CTX* McpTestClient::sslContext() { return impl_->ctx.native_handle(); }

SSL* McpTestClient::ssl() { return impl_->stream ? impl_->stream->native_handle() : nullptr; }

X509Ptr McpTestClient::peerCertificate() const {
  if (!impl_->stream) return nullptr;
  return X509Ptr(SSL_get1_peer_certificate(impl_->stream->native_handle()));
}

std::string McpTestClient::peerCertificateSerial() const { return certificateSerial(peerCertificate().get()); }

void McpTestClient::offerSession(std::shared_ptr<SSL_SESSION> session) { impl_->offeredSession = std::move(session); }

void McpTestClient::disconnect() {
  impl_->stream.reset();
  impl_->buffer.clear();
}

std::string certificateSerial(X509* certificate) {
  if (certificate == nullptr) return "";
  BIGNUM* number = ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate), nullptr);
  if (number == nullptr) return "";
  char* hex = BN_bn2hex(number);
  std::string text = hex != nullptr ? hex : "";
  OPENSSL_free(hex);
  BN_free(number);
  return text;
}

}  // namespace warden::sidecar::testing
