#pragma once

// JSON-RPC 2.0 as MCP clients send it over Streamable HTTP: one POST body holds one message or (protocol
// 2025-03-26) a batch. Parsing is strict (duplicate keys refused, see policy/strict_json.h) so the policy and the MCP
// server can never read different values, and nothing here throws (but bad_alloc).

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace warden::sidecar::mcp {

enum class MessageKind {
  Request,       // method and id: expects an answer
  Notification,  // method, no id
  Result,        // the client answers a server request: result and id
  Error,         // the client answers a server request with an error: error and id
  Invalid,       // not a valid message: answered with `invalidResponse`, never forwarded
};

const char* toString(MessageKind kind);

// One message of a client's body.
struct ClientMessage {
  MessageKind kind = MessageKind::Invalid;
  nlohmann::json json;             // the element as received: what the proxy forwards when it is allowed
  nlohmann::json invalidResponse;  // Invalid only: the -32600 error response (its id when recoverable, else null)

  // The method; empty unless Request or Notification. Points into `json`: valid while `json` is unchanged.
  std::string_view method() const;
  // A string or an integer for requests and answers (and invalid messages whose id was usable); null otherwise.
  const nlohmann::json& id() const;
  // `params` (always an object when present), or nullptr.
  const nlohmann::json* params() const;
};

struct ParseLimits {
  std::size_t maxBatch = 100;  // the MCP TypeScript SDK's server refuses larger batches too
  std::size_t maxDepth = 128;  // nested arrays/objects
};

struct ParsedBody {
  bool ok = false;
  // !ok: the error response for the whole body (id null): -32700 when the body is not JSON (duplicate keys
  // included), -32600 for an empty or oversized batch. The real server answers both with HTTP 400.
  nlohmann::json errorResponse;
  bool batch = false;  // the body was a JSON array (even of one element)
  std::vector<ClientMessage> messages;
};

// Classifies every message. A message is valid when it is an object with `"jsonrpc": "2.0"` and exactly the members
// of one shape (the MCP SDK's schemas are strict too):
//   Request      {jsonrpc, method: string, id, params?: object}
//   Notification {jsonrpc, method: string, params?: object}
//   Result       {jsonrpc, id, result: object}
//   Error        {jsonrpc, id, error: {code: integer, message: string, data?}}
// An id is a string or an integer (an integral JSON number up to 2^53 such as 1.0 counts, as for the SDK; 1.5,
// null, booleans do not). A request that reuses the id of an earlier request in the same batch is Invalid: its
// answer could not be told apart.
ParsedBody parseClientBody(std::string_view body, const ParseLimits& limits = {});

// Compact JSON; invalid UTF-8 (never present in parsed input) is replaced rather than thrown about.
std::string serialize(const nlohmann::json& value);

// A response as the MCP TypeScript SDK writes it: {"result", "jsonrpc", "id"} for results (content blocks in a
// result with their "type" first) and {"jsonrpc", "id", "error": {"code", "message", "data"}} for errors, in that
// member order (nlohmann::json sorts members), so that an answer the sidecar makes in the server's place (a
// concealed denial) does not differ from the server's own even in its bytes. Anything else is serialize()d.
std::string serializeResponse(const nlohmann::json& response);

// The body to forward upstream: the messages at `indices` (in that order) as an array when the client sent a batch,
// else the one message.
std::string serializeForUpstream(const ParsedBody& body, std::span<const std::size_t> indices);

// {"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message, "data": data}}; data is left out when null.
nlohmann::json makeError(const nlohmann::json& id, int code, std::string message, nlohmann::json data = nullptr);

// {"jsonrpc": "2.0", "id": id, "result": result}
nlohmann::json makeResult(const nlohmann::json& id, nlohmann::json result);

}  // namespace warden::sidecar::mcp
