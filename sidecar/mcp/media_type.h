#pragma once

// The media type rules of a Streamable HTTP POST (checked as the MCP TypeScript SDK's server checks them).

#include <string_view>

namespace warden::sidecar::mcp {

// Whether an Accept header lists both application/json and text/event-stream (case-insensitive, parameters allowed).
// Wildcards (*/*, application/*) do not count: the real server answers 406 to them too. A type listed with q=0 is
// refused, as RFC 9110 says.
bool acceptsJsonAndEventStream(std::string_view accept);

// Whether a Content-Type header's media type is application/json (case-insensitive, parameters such as charset
// allowed). A value holding a comma (two joined Content-Type headers) is ambiguous and refused.
bool isJsonContentType(std::string_view contentType);

}  // namespace warden::sidecar::mcp
