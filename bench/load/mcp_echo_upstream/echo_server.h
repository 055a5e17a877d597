#pragma once

// The echo upstream's HTTP/1.1 server: plain HTTP on loopback, keep-alive, one coroutine per connection. POST on
// the MCP path is answered by answerPost; DELETE ends a session; GET gets 405 (no server-to-client stream).

#include <cstdint>
#include <string>

#include "bench/load/mcp_echo_upstream/echo_answer.h"
#include "bench/load/mcp_echo_upstream/session_table.h"
#include "bench/load/net.h"

namespace warden::bench {

struct EchoServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port (see boundPort)
  std::string path = "/mcp";
  AnswerForm form = AnswerForm::Json;
};

class EchoServer {
 public:
  // Binds and listens; throws boost::system::system_error when it cannot (start-up, not the data path).
  EchoServer(asio::io_context& io, EchoServerOptions options);
  std::uint16_t boundPort() const { return acceptor_.local_endpoint().port(); }
  void start();

 private:
  asio::awaitable<void> acceptLoop();
  asio::awaitable<void> serve(tcp::socket socket);
  http::response<http::string_body> answer(const http::request<http::string_body>& request);

  EchoServerOptions options_;
  tcp::acceptor acceptor_;
  SessionTable sessions_;
};

}  // namespace warden::bench
