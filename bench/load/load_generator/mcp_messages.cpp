#include "bench/load/load_generator/mcp_messages.h"

#include <nlohmann/json.hpp>

namespace warden::bench {

std::string initializeBody(std::uint64_t id, std::string_view protocolVersion) {
  const nlohmann::json body = {
      {"jsonrpc", "2.0"},
      {"id", id},
      {"method", "initialize"},
      {"params",
       {{"protocolVersion", protocolVersion},
        {"capabilities", nlohmann::json::object()},
        {"clientInfo", {{"name", "warden-loadgen"}, {"version", "1.0.0"}}}}}};
  return body.dump();
}

std::string initializedNotificationBody() {
  return R"({"jsonrpc":"2.0","method":"notifications/initialized"})";
}

std::string toolsCallBody(std::uint64_t id, std::string_view tool, std::string_view message) {
  const nlohmann::json body = {{"jsonrpc", "2.0"},
                               {"id", id},
                               {"method", "tools/call"},
                               {"params", {{"name", tool}, {"arguments", {{"message", message}}}}}};
  return body.dump();
}

std::string echoMessage(std::uint32_t connection, std::uint64_t sequence, std::size_t bytes) {
  static constexpr std::string_view kWords =
      "the quick brown fox jumps over the lazy dog while the agent reads a report on quarterly figures ";
  std::string message = "bench c" + std::to_string(connection) + " r" + std::to_string(sequence) + " ";
  while (message.size() < bytes) message.append(kWords.substr(0, std::min(kWords.size(), bytes - message.size())));
  return message;
}

std::string expectedEchoText(std::string_view message) { return "Echo: " + std::string(message); }

http::request<http::string_body> mcpPost(const Target& target, std::string body, const McpHeaders& headers) {
  http::request<http::string_body> request{http::verb::post, target.path, 11};
  request.set(http::field::host, target.hostHeader());
  request.set(http::field::content_type, "application/json");
  request.set(http::field::accept, "application/json, text/event-stream");
  request.set(http::field::user_agent, "warden-loadgen");
  if (!headers.protocolVersion.empty()) request.set("MCP-Protocol-Version", headers.protocolVersion);
  if (!headers.sessionId.empty()) request.set("Mcp-Session-Id", headers.sessionId);
  request.keep_alive(true);
  request.body() = std::move(body);
  request.prepare_payload();
  return request;
}

}  // namespace warden::bench
