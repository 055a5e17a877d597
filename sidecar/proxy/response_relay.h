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
  const policy::CompiledPolicy* policy = nullptr;  // for listing visibility (never null when listings is not empty)
  std::string principal;
  std::size_t maxBufferedBody = 64 * 1024 * 1024;  // application/json answers that must be rewritten
  std::chrono::milliseconds idleTimeout{300'000};
};

struct RelayOutcome {
  bool clientOk = true;             // false: the agent's connection broke; close it
  bool upstreamReusable = false;    // the upstream connection may go back to the pool
  unsigned status = 0;              // status sent to the agent
  std::optional<std::string> sessionId;  // Mcp-Session-Id the server assigned
  std::string error;                // why the relay stopped early, for the log
};

// Relays the response whose header `parser` has already read from `upstream`: application/json answers are
// buffered (bounded) when they must be rewritten (listing filters, batch merges), otherwise streamed;
// text/event-stream is relayed event by event as each event completes (never buffered to the end), with listing
// results filtered; anything else passes through. Never throws.
asio::awaitable<RelayOutcome> relayResponse(ClientStream& client, beast::tcp_stream& upstream,
                                            beast::flat_buffer& upstreamBuffer,
                                            http::response_parser<http::buffer_body>& parser, const RelayPlan& plan,
                                            bool clientKeepAlive);

}  // namespace warden::sidecar
