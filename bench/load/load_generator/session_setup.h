#pragma once

// Opens the MCP session every request of a run carries: initialize (its answer must be a JSON-RPC result and may
// carry Mcp-Session-Id), then notifications/initialized (202 expected).

#include <chrono>
#include <optional>
#include <string>

#include "bench/load/load_generator/target.h"
#include "bench/load/net.h"

namespace warden::bench {

// The session id ("" when the server runs without sessions), or nullopt with `error` set.
std::optional<std::string> establishSession(const Target& target, asio::ssl::context* tls,
                                            const std::string& protocolVersion, std::chrono::milliseconds timeout,
                                            std::string* error);

}  // namespace warden::bench
