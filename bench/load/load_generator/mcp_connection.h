#pragma once

// One keep-alive HTTP/1.1 connection to the target, plain or mutual TLS, used by one driver coroutine at a time.
// Failures come back as a short error kind (never an exception), and the connection is closed by then.

#include <chrono>
#include <optional>
#include <string_view>

#include "bench/load/load_generator/target.h"
#include "bench/load/net.h"

namespace warden::bench {

class McpConnection {
 public:
  McpConnection(asio::any_io_executor executor, const Target& target, asio::ssl::context* tls);

  // Connects (and completes the TLS handshake). Empty on success, else "connect", "tls_handshake" or "timeout".
  asio::awaitable<std::string_view> open(std::chrono::milliseconds timeout);

  // Writes the request and reads the whole response. Empty on success, else "write", "read" or "timeout".
  // A response that does not keep the connection alive closes it afterwards.
  asio::awaitable<std::string_view> roundTrip(const http::request<http::string_body>& request,
                                              http::response<http::string_body>& response,
                                              std::chrono::milliseconds timeout);

  void close();
  bool isOpen() const { return open_; }

 private:
  template <class Stream>
  asio::awaitable<std::string_view> exchange(Stream& stream, const http::request<http::string_body>& request,
                                             http::response<http::string_body>& response);
  beast::tcp_stream& lowest();

  asio::any_io_executor executor_;
  tcp::endpoint endpoint_;
  asio::ssl::context* tls_;
  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure_;
  beast::flat_buffer buffer_;
  bool open_ = false;
};

}  // namespace warden::bench
