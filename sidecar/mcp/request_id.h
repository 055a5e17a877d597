#pragma once

// JSON-RPC request ids as MCP uses them: a string or an integer.

#include <string>

#include <nlohmann/json.hpp>

namespace warden::sidecar::mcp {

// An integer, or a JSON number with an integral value within ±(2^53 - 1) (1.0 is the integer 1 to a JavaScript
// peer, so the MCP TypeScript SDK accepts it); never a fraction, infinity or a non-number.
bool isIntegral(const nlohmann::json& value);

// A string, or an integer per isIntegral.
bool isValidId(const nlohmann::json& id);

// A key that is equal for ids a peer cannot tell apart (1 and 1.0) and different otherwise ("1" and 1): "s:<text>"
// or "n:<decimal>". Empty for an invalid id.
std::string requestIdKey(const nlohmann::json& id);

}  // namespace warden::sidecar::mcp
