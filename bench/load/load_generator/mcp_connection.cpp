#include "bench/load/load_generator/mcp_connection.h"

namespace warden::bench {
namespace {

constexpr std::size_t kResponseBodyLimit = 16 * 1024 * 1024;

std::string_view failureKind(const error_code& ec, std::string_view otherwise) {
  return ec == beast::error::timeout ? std::string_view{"timeout"} : otherwise;
}

}  // namespace

McpConnection::McpConnection(asio::any_io_executor executor, const Target& target, asio::ssl::context* tls)
    : executor_(std::move(executor)), endpoint_(asio::ip::make_address(target.host), target.port), tls_(tls) {}

beast::tcp_stream& McpConnection::lowest() { return secure_ ? beast::get_lowest_layer(*secure_) : *plain_; }

asio::awaitable<std::string_view> McpConnection::open(std::chrono::milliseconds timeout) {
  close();
  error_code ec;
  if (tls_ != nullptr) {
    secure_.emplace(executor_, *tls_);
  } else {
    plain_.emplace(executor_);
  }
  lowest().expires_after(timeout);
  co_await lowest().async_connect(endpoint_, awaitWith(ec));
  if (ec) {
    close();
    co_return failureKind(ec, "connect");
  }
  lowest().socket().set_option(tcp::no_delay(true), ec);
  if (secure_) {
    co_await secure_->async_handshake(asio::ssl::stream_base::client, awaitWith(ec));
    if (ec) {
      close();
      co_return failureKind(ec, "tls_handshake");
    }
  }
  open_ = true;
  co_return std::string_view{};
}

template <class Stream>
asio::awaitable<std::string_view> McpConnection::exchange(Stream& stream,
                                                          const http::request<http::string_body>& request,
                                                          http::response<http::string_body>& response) {
  error_code ec;
  co_await http::async_write(stream, request, awaitWith(ec));
  if (ec) co_return failureKind(ec, "write");
  http::response_parser<http::string_body> parser;
  parser.body_limit(kResponseBodyLimit);
  co_await http::async_read(stream, buffer_, parser, awaitWith(ec));
  if (ec) co_return failureKind(ec, "read");
  response = parser.release();
  co_return std::string_view{};
}

asio::awaitable<std::string_view> McpConnection::roundTrip(const http::request<http::string_body>& request,
                                                           http::response<http::string_body>& response,
                                                           std::chrono::milliseconds timeout) {
  if (!open_) co_return std::string_view{"write"};
  lowest().expires_after(timeout);
  const std::string_view failure =
      secure_ ? co_await exchange(*secure_, request, response) : co_await exchange(*plain_, request, response);
  if (!failure.empty() || !response.keep_alive()) close();
  co_return failure;
}

void McpConnection::close() {
  if (plain_ || secure_) {
    error_code ignored;
    lowest().socket().close(ignored);
  }
  // No TLS close_notify: a benchmark connection is dropped, as a client that crashed or timed out drops it.
  secure_.reset();
  plain_.reset();
  buffer_.clear();
  open_ = false;
}

}  // namespace warden::bench
