#pragma once

// Values of the MCP request metadata headers (Mcp-Name, Mcp-Param-*; protocol 2026-07-28, Streamable HTTP "Value
// Encoding"): plain visible ASCII, or the Base64 sentinel form `=?base64?<base64 of the UTF-8 value>?=` for values
// that cannot be carried plainly.

#include <optional>
#include <string>
#include <string_view>

namespace warden::sidecar::mcp {

// Header names (and media types) compare case-insensitively in ASCII.
bool equalsIgnoreAsciiCase(std::string_view a, std::string_view b);

// Whether every byte is visible ASCII (0x21-0x7E), space or horizontal tab (RFC 9110 field values as MCP allows them).
bool isPlainHeaderValue(std::string_view value);

// The value a header carries: the decoded bytes of a sentinel value (markers are case-sensitive; standard Base64
// alphabet with its padding), else the value itself. nullopt when the value holds bytes outside isPlainHeaderValue
// or is a sentinel whose Base64 is malformed.
std::optional<std::string> decodeHeaderValue(std::string_view value);

}  // namespace warden::sidecar::mcp
