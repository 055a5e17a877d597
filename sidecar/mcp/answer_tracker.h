#pragma once

// The requests one POST forwarded to the MCP server, and which of them its streamed answer has answered: a stream
// is held to the rules mergeBatchResponses applies to a JSON answer, event by event, since it cannot be merged at
// the end (design D6).

#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace warden::sidecar::mcp {

class AnswerTracker {
 public:
  // `forwardedIds`: the ids of the requests the POST forwarded (parseClientBody made them unique).
  explicit AnswerTracker(const std::vector<nlohmann::json>& forwardedIds);

  // Removes from `message` (one JSON-RPC message or a batch) every response that answers no outstanding request —
  // an id that was not forwarded (a denied request's, say), one answered already, a result without an id — and
  // marks the others answered. The rest passes unchanged: notifications, the server's own requests, errors with
  // id null (about the whole body). `message` becomes null when nothing remains. Returns what was removed, for logs.
  std::vector<std::string> admit(nlohmann::json& message);

  // Forwarded requests without an answer so far, in forwarding order.
  std::vector<nlohmann::json> unanswered() const;

 private:
  bool admitOne(const nlohmann::json& message, std::vector<std::string>& removed);

  std::vector<std::pair<std::string, nlohmann::json>> forwarded_;  // id key, id
  std::unordered_set<std::string> outstanding_;
};

}  // namespace warden::sidecar::mcp
