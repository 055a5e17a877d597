#pragma once

// JSON parsing for untrusted input: duplicate object keys are an error (so the evaluator and the MCP server can
// never read different values for one key), nesting is bounded, and nothing throws.

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace warden::policy {

struct JsonParseLimits {
  std::size_t maxDepth = 128;  // nested arrays/objects; deeper input is rejected
};

struct JsonParseResult {
  nlohmann::json value;
  std::string error;       // empty on success; otherwise says what and where ("duplicate key \"a\" at byte 17")
  std::size_t offset = 0;  // byte offset of the error

  bool ok() const { return error.empty(); }
};

JsonParseResult parseStrictJson(std::string_view text, const JsonParseLimits& limits = {});

}  // namespace warden::policy
