#pragma once

// One answer to a batch when the sidecar answered some messages itself (denials, invalid messages) and forwarded the
// rest: the client sees one response, in the order of its batch.

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sidecar/mcp/jsonrpc.h"

namespace warden::sidecar::mcp {

struct LocalAnswer {
  std::size_t index;        // the message's position in the client's batch
  nlohmann::json response;  // the JSON-RPC response the sidecar gives for it
};

struct MergedBatch {
  // 200 with `body` (a JSON array); 202 with no body (`body` null) when there is nothing to answer: every message
  // was a notification or a client's response and none was answered locally.
  int httpStatus = 200;
  nlohmann::json body;
  // What was wrong with the upstream's answer, for logs; the merge still answers every request.
  std::vector<std::string> problems;
};

// Merges the local answers with the upstream's (`upstream`: its application/json body, an array or, when one message
// was forwarded, a single object; null when nothing was forwarded or it answered 202). The result keeps the batch
// order: each message's local answer, else for a forwarded request the upstream answer with its id. Fail closed:
// - an Invalid message without a local answer gets its invalidResponse;
// - a forwarded request the upstream did not answer gets -32603 "upstream MCP server unavailable: no answer ...";
// - upstream answers with an id that was not forwarded (a denied request's id, say) or a repeated id are dropped
//   (the client must never see a forged answer to a denied request); error answers with id null (about the whole
//   batch) are appended at the end; anything else that is not a response is dropped. Each is listed in `problems`.
MergedBatch mergeBatchResponses(const ParsedBody& batch, std::vector<LocalAnswer> local, nlohmann::json upstream);

// For an upstream that answered the forwarded messages with text/event-stream: the local answers (and invalidResponse
// for Invalid messages without one) as SSE events in batch order, to write before the upstream's events. Each is
// `event: message` + `data: <response>` without an id, so the upstream's event ids stay the only ones a client
// resumes from. Empty when there is nothing to answer locally.
std::string localAnswersAsSse(const ParsedBody& batch, const std::vector<LocalAnswer>& local);

}  // namespace warden::sidecar::mcp
