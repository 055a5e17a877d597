#pragma once

// Checks an answer to a tools/call of the echo tool: HTTP 200, a JSON-RPC result (in a JSON body or one SSE event
// among others) for exactly the id that was sent, not a tool error, and whose text content echoes the message.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace warden::bench {

struct CheckFailure {
  std::string_view kind;  // a short, stable name the run's error tally counts by
  std::string detail;     // for the first few failures' log lines
};

// nullopt when the answer is right.
std::optional<CheckFailure> checkEchoAnswer(unsigned httpStatus, std::string_view contentType, std::string_view body,
                                            std::uint64_t id, std::string_view expectedText);

// The JSON-RPC message answering `id` in a JSON body (a message or a batch) or a text/event-stream body.
// nullopt when there is none or the body does not parse; `unparsable` tells which.
std::optional<nlohmann::json> findJsonRpcAnswer(std::string_view contentType, std::string_view body,
                                                const nlohmann::json& id, bool* unparsable);

}  // namespace warden::bench
