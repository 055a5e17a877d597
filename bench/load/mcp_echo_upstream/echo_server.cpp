#include "bench/load/mcp_echo_upstream/echo_server.h"

namespace warden::bench {
namespace {

constexpr std::size_t kRequestBodyLimit = 4 * 1024 * 1024;

}  // namespace

EchoServer::EchoServer(asio::io_context& io, EchoServerOptions options)
    : options_(std::move(options)),
      acceptor_(io, tcp::endpoint(asio::ip::make_address(options_.address), options_.port)) {}

void EchoServer::start() { asio::co_spawn(acceptor_.get_executor(), acceptLoop(), asio::detached); }

asio::awaitable<void> EchoServer::acceptLoop() {
  for (;;) {
    error_code ec;
    tcp::socket socket = co_await acceptor_.async_accept(awaitWith(ec));
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) continue;  // e.g. out of file descriptors for a moment: keep serving the connections we have
    socket.set_option(tcp::no_delay(true), ec);
    asio::co_spawn(acceptor_.get_executor(), serve(std::move(socket)), asio::detached);
  }
}

http::response<http::string_body> EchoServer::answer(const http::request<http::string_body>& request) {
  http::response<http::string_body> response{http::status::ok, request.version()};
  response.set(http::field::server, "mcp-echo-upstream");
  if (request.target() != options_.path) {
    response.result(http::status::not_found);
  } else if (request.method() == http::verb::post) {
    const auto session = request["Mcp-Session-Id"];
    const auto accept = request[http::field::accept];
    EchoReply reply = answerPost(request.body(), {session.data(), session.size()},
                                 chooseForm(options_.form, {accept.data(), accept.size()}), sessions_);
    response.result(reply.status);
    if (!reply.contentType.empty()) response.set(http::field::content_type, reply.contentType);
    if (!reply.newSessionId.empty()) response.set("Mcp-Session-Id", reply.newSessionId);
    response.body() = std::move(reply.body);
  } else if (request.method() == http::verb::delete_) {
    const auto session = request["Mcp-Session-Id"];
    response.result(sessions_.close({session.data(), session.size()}) ? http::status::ok : http::status::not_found);
  } else {
    response.result(http::status::method_not_allowed);
    response.set(http::field::allow, "POST, DELETE");
  }
  response.keep_alive(request.keep_alive());
  response.prepare_payload();
  return response;
}

asio::awaitable<void> EchoServer::serve(tcp::socket socket) {
  beast::tcp_stream stream{std::move(socket)};
  beast::flat_buffer buffer;
  for (;;) {
    error_code ec;
    http::request_parser<http::string_body> parser;
    parser.body_limit(kRequestBodyLimit);
    co_await http::async_read(stream, buffer, parser, awaitWith(ec));
    if (ec) break;  // the peer closed its keep-alive connection (or sent garbage): nothing to answer
    const auto response = answer(parser.get());
    co_await http::async_write(stream, response, awaitWith(ec));
    if (ec || !response.keep_alive()) break;
  }
  error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace warden::bench
