#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sidecar/common/asio.h"
#include "sidecar/proxy/client_stream.h"

namespace warden::sidecar {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Every write to an agent must finish within this: an agent that stops reading cannot pin a stream forever.
inline constexpr std::chrono::seconds kClientWriteTimeout{30};

// Runs one write under the write deadline and clears the deadline afterwards, so that the time a stream waits
// for the MCP server between writes is not counted against the agent.
template <typename Write>
asio::awaitable<void> timedWrite(ClientStream& client, Write write, error_code& ec) {
  beast::get_lowest_layer(client).expires_after(kClientWriteTimeout);
  co_await write(ec);
  beast::get_lowest_layer(client).expires_never();
}

// Writes a complete response with a JSON body. ec set when the client is gone. Never throws.
asio::awaitable<void> writeJson(ClientStream& client, http::status status, const nlohmann::json& body,
                                bool keepAlive, const HeaderList& extra, error_code& ec);
// The same with a ready body (or none) and content type.
asio::awaitable<void> writeBody(ClientStream& client, http::status status, std::string body,
                                std::string_view contentType, bool keepAlive, const HeaderList& extra,
                                error_code& ec);

// Hop-by-hop headers (RFC 9110 7.6.1) and those the proxy sets itself are never copied between the two sides.
bool isHopByHop(std::string_view name);

}  // namespace warden::sidecar
