#include "bench/load/load_generator/session_setup.h"

#include "bench/load/load_generator/mcp_connection.h"
#include "bench/load/load_generator/mcp_messages.h"
#include "bench/load/load_generator/response_check.h"

namespace warden::bench {
namespace {

asio::awaitable<std::optional<std::string>> initializeOn(McpConnection& connection, const Target& target,
                                                         McpHeaders headers, std::chrono::milliseconds timeout,
                                                         std::string* error) {
  if (const auto failure = co_await connection.open(timeout); !failure.empty()) {
    *error = "cannot connect to " + target.hostHeader() + ": " + std::string(failure);
    co_return std::nullopt;
  }
  http::response<http::string_body> response;
  const auto initialize = mcpPost(target, initializeBody(1, headers.protocolVersion), headers);
  if (const auto failure = co_await connection.roundTrip(initialize, response, timeout); !failure.empty()) {
    *error = "initialize failed: " + std::string(failure);
    co_return std::nullopt;
  }
  const auto contentType = response[http::field::content_type];
  bool unparsable = false;
  const auto answer =
      findJsonRpcAnswer({contentType.data(), contentType.size()}, response.body(), nlohmann::json(1), &unparsable);
  if (response.result_int() != 200 || !answer || !answer->contains("result")) {
    *error = "initialize was not answered with a result (HTTP " + std::to_string(response.result_int()) +
             "): " + response.body().substr(0, 300);
    co_return std::nullopt;
  }
  const auto session = response["Mcp-Session-Id"];
  headers.sessionId = std::string(session.data(), session.size());
  if (!connection.isOpen() && !(co_await connection.open(timeout)).empty()) {
    *error = "cannot reconnect after initialize";
    co_return std::nullopt;
  }
  const auto initialized = mcpPost(target, initializedNotificationBody(), headers);
  if (const auto failure = co_await connection.roundTrip(initialized, response, timeout); !failure.empty()) {
    *error = "notifications/initialized failed: " + std::string(failure);
    co_return std::nullopt;
  }
  if (response.result_int() != 202 && response.result_int() != 200) {
    *error = "notifications/initialized got HTTP " + std::to_string(response.result_int()) + ": " +
             response.body().substr(0, 300);
    co_return std::nullopt;
  }
  connection.close();
  co_return headers.sessionId;
}

}  // namespace

std::optional<std::string> establishSession(const Target& target, asio::ssl::context* tls,
                                            const std::string& protocolVersion, std::chrono::milliseconds timeout,
                                            std::string* error) {
  asio::io_context io;
  McpConnection connection{io.get_executor(), target, tls};
  std::optional<std::string> session;
  McpHeaders headers{protocolVersion, ""};
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> { session = co_await initializeOn(connection, target, headers, timeout, error); },
      asio::detached);
  io.run();
  return session;
}

}  // namespace warden::bench
