#pragma once

// The MCP traffic the load generator sends: JSON-RPC bodies and the Streamable HTTP POST around them.

#include <cstdint>
#include <string>
#include <string_view>

#include "bench/load/load_generator/target.h"
#include "bench/load/net.h"

namespace warden::bench {

struct McpHeaders {
  std::string protocolVersion;  // MCP-Protocol-Version
  std::string sessionId;        // Mcp-Session-Id; empty before initialize
};

std::string initializeBody(std::uint64_t id, std::string_view protocolVersion);
std::string initializedNotificationBody();

// A tools/call of `tool` with {"message": message}.
std::string toolsCallBody(std::uint64_t id, std::string_view tool, std::string_view message);

// A printable message of exactly `bytes` bytes (at least the unique prefix), unique per (connection, sequence) so
// that an answer relayed to the wrong request cannot pass the echo check. Plain words: nothing a secret, PII or
// injection detector should flag.
std::string echoMessage(std::uint32_t connection, std::uint64_t sequence, std::size_t bytes);

// What the echo tool answers (server-everything's `echo` and bench's upstream alike).
std::string expectedEchoText(std::string_view message);

http::request<http::string_body> mcpPost(const Target& target, std::string body, const McpHeaders& headers);

}  // namespace warden::bench
