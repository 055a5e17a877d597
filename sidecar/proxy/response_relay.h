#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "policy/compiled_policy.h"
#include "sidecar/common/asio.h"
#include "sidecar/mcp/batch_merge.h"
#include "sidecar/mcp/jsonrpc.h"
#include "sidecar/proxy/client_stream.h"

namespace warden::sidecar {

// How to pass the MCP server's answer to one POST (or GET) back to the agent.
struct RelayPlan {
  // Forwarded listing requests (id as JSON text -> method) whose results are filtered for the caller.
  std::vector<std::pair<std::string, std::string>> listings;
  // A batch: the client's body and the answers the proxy gives itself for its denied or invalid elements, merged
  // with the server's answers in batch order (mcp/batch_merge.h). Null for a single message or a GET.
  const mcp::ParsedBody* batch = nullptr;
  std::vector<mcp::LocalAnswer> localAnswers;
  // Streams whose requests the proxy did not see (GET, e.g. a resumed stream replaying an answer): listing answers
  // are recognised by the shape of their result instead of by id.
  bool filterByShape = false;
  // A POST: the ids of the requests it forwarded. An event stream then passes only answers to these, each once
  // (forged or repeated answers are dropped), and ends with an error for each one the server left unanswered — also
  // when the server's stream breaks off — so the agent never waits for an answer that cannot come. Null for a GET.
  std::optional<std::vector<nlohmann::json>> forwardedIds;
  const policy::CompiledPolicy* policy = nullptr;  // for listing visibility (never null when listings is not empty)
  std::string principal;
  std::size_t maxBufferedBody = 64 * 1024 * 1024;  // application/json answers that must be rewritten
  std::chrono::milliseconds idleTimeout{300'000};
};

struct RelayOutcome {
  // false: the agent's connection broke, or its response could not be completed (the server's body broke off after
  // part of it was relayed): close it, so the agent sees the cut at once rather than wait on a kept-alive connection.
  bool clientOk = true;
  bool upstreamReusable = false;    // the upstream connection may go back to the pool
  unsigned status = 0;              // status sent to the agent
  std::optional<std::string> sessionId;  // Mcp-Session-Id the server assigned
  std::string error;                // why the relay stopped early, for the log
};

// Relays the response whose header `parser` has already read from `upstream`: application/json answers are
// buffered (bounded) when they must be rewritten (listing filters, batch merges), otherwise streamed;
// text/event-stream is relayed event by event as each event completes (never buffered to the end), with listing
// results filtered and a POST's answers checked (forwardedIds); anything else passes through. A rewritten JSON answer
// that breaks off or cannot be parsed becomes an error for each forwarded request. Never throws.
asio::awaitable<RelayOutcome> relayResponse(ClientStream& client, beast::tcp_stream& upstream,
                                            beast::flat_buffer& upstreamBuffer,
                                            http::response_parser<http::buffer_body>& parser, const RelayPlan& plan,
                                            bool clientKeepAlive);

}  // namespace warden::sidecar
