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

// Never throws. Errors read `duplicate key "a" at byte N` (N: the key's opening quote),
// `nesting deeper than <maxDepth> at byte N` (the bracket), or `syntax error at byte N: <what>` (empty input,
// trailing text, invalid UTF-8, unescaped control characters, lone surrogates, numbers beyond the range of a
// double). Keys are compared after unescaping, so "a" and "\u0061" are duplicates. Integers beyond 64 bits are
// read as doubles; a leading UTF-8 byte order mark is skipped.
JsonParseResult parseStrictJson(std::string_view text, const JsonParseLimits& limits = {});

}  // namespace warden::policy
