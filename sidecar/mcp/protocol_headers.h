#pragma once

// Protocol revisions and the header rules of Streamable HTTP (design D6; MCP basic/transports).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sidecar/mcp/jsonrpc.h"

namespace warden::sidecar::mcp {

enum class ProtocolVersion { V2025_03_26, V2025_06_18, V2025_11_25, V2026_07_28 };

std::optional<ProtocolVersion> parseProtocolVersion(std::string_view text);
std::string_view toString(ProtocolVersion version);
// Only 2025-03-26 has JSON-RPC batches.
bool allowsBatches(ProtocolVersion version);

// The request headers these rules read, as the proxy found them. Fill with add() (names are case-insensitive) so a
// repeated header is noticed.
struct RequestHeaders {
  std::optional<std::string> protocolVersion;  // MCP-Protocol-Version
  std::optional<std::string> method;           // Mcp-Method
  std::optional<std::string> name;             // Mcp-Name
  std::optional<std::string> accept;           // Accept (repeats joined with ", ": it is a list)
  std::optional<std::string> contentType;      // Content-Type
  std::vector<std::string> repeated;           // canonical names of the other headers that came more than once

  // Records one header line; false when the name is none of the above (the header is not recorded).
  bool add(std::string_view headerName, std::string_view value);
};

struct HeaderCheck {
  bool ok = true;
  int httpStatus = 200;          // !ok: 400, 406 or 415
  nlohmann::json errorResponse;  // !ok: the JSON-RPC error response to send with it
  // The revision the request speaks: the MCP-Protocol-Version header, or 2025-03-26 when it is absent (as the
  // specification tells servers to assume). Meaningful when ok or when the failure is not about the version.
  ProtocolVersion version = ProtocolVersion::V2025_03_26;
};

// POST media types: an Accept that does not list both application/json and text/event-stream is 406; a
// Content-Type that is not application/json (or is missing or repeated) is 415 (the real server's codes and
// messages, JSON-RPC code -32000, id null).
HeaderCheck checkPostMediaTypes(const RequestHeaders& headers);

// MCP-Protocol-Version alone (also for GET and DELETE): a repeated or unsupported value is 400 with JSON-RPC error
// -32022 and data {supported, requested}, as the 2026-07-28 schema defines it.
HeaderCheck checkProtocolVersion(const RequestHeaders& headers);

// Everything that ties the headers to the body, after checkProtocolVersion:
// - a batch in a revision other than 2025-03-26: 400, -32600 "batching is not supported in protocol version X";
// - params._meta["io.modelcontextprotocol/protocolVersion"], when a message carries it, must equal the revision
//   (a mismatch is 400, -32020): the server must not read a different revision than the one checked here;
// - 2026-07-28: the body must not be a client's JSON-RPC response (400, -32600); Mcp-Method must be present (also on
//   notifications: fail closed where the revision is silent) and equal the method; Mcp-Name (Base64 sentinel
//   decoded) must be present and equal params.name (tools/call, prompts/get) or params.uri (resources/read,
//   resources/subscribe) when the body has that string, and absent otherwise; a repeated Mcp-Method or Mcp-Name is
//   malformed. Failures are 400 with -32020 naming the header and both values (data {header, headerValue,
//   bodyValue}). Earlier revisions ignore Mcp-Method and Mcp-Name.
// Invalid messages are not compared (the proxy answers them with -32600). The error's id is the request's id for a
// single request, else null. An unparsed body (ok false) gets only the version check.
HeaderCheck checkHeaders(const RequestHeaders& headers, const ParsedBody& body);

}  // namespace warden::sidecar::mcp
