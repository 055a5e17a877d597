#include "sidecar/proxy/http_responses.h"

#include <array>

#include <boost/beast/core/string.hpp>

#include "sidecar/mcp/jsonrpc.h"

namespace warden::sidecar {

asio::awaitable<void> writeBody(ClientStream& client, http::status status, std::string body,
                                std::string_view contentType, bool keepAlive, const HeaderList& extra,
                                error_code& ec) {
  http::response<http::string_body> res{status, 11};
  res.set(http::field::server, "mcp-warden");
  if (!contentType.empty()) res.set(http::field::content_type, contentType);
  for (const auto& [name, value] : extra) res.set(name, value);
  res.keep_alive(keepAlive);
  res.body() = std::move(body);
  res.prepare_payload();
  co_await timedWrite(client, [&](error_code& e) { return http::async_write(client, res, awaitWith(e)); }, ec);
}

asio::awaitable<void> writeJson(ClientStream& client, http::status status, const nlohmann::json& body,
                                bool keepAlive, const HeaderList& extra, error_code& ec) {
  // Responses are written as the MCP SDK writes them, so that an answer the proxy gives in the server's place
  // (a concealed denial) looks like the server's own.
  std::string text;
  if (body.is_array()) {
    text = "[";
    for (const auto& element : body) text += (text.size() > 1 ? "," : "") + mcp::serializeResponse(element);
    text += "]";
  } else {
    text = mcp::serializeResponse(body);
  }
  constexpr std::string_view kJson = "application/json";
  co_await writeBody(client, status, std::move(text), kJson, keepAlive, extra, ec);
}

bool isHopByHop(std::string_view name) {
  static constexpr std::array<std::string_view, 11> kNames{
      "connection", "keep-alive",     "proxy-connection", "te",   "trailer",          "transfer-encoding",
      "upgrade",    "content-length", "host",             "proxy-authorization", "proxy-authenticate"};
  for (auto n : kNames) {
    if (beast::iequals(name, n)) return true;
  }
  return false;
}

}  // namespace warden::sidecar
