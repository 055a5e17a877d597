#pragma once

// JSON-RPC error codes the sidecar answers with. -32700..-32603 are JSON-RPC 2.0's; -32020 and -32022 are the MCP
// specification's (2026-07-28 schema); -32031..-32033 are the denial codes of design D6.

namespace warden::sidecar::mcp {

inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;

inline constexpr int kHeaderMismatch = -32020;
inline constexpr int kUnsupportedProtocolVersion = -32022;

inline constexpr int kDenied = -32031;
inline constexpr int kApprovalRequired = -32032;
inline constexpr int kRateLimited = -32033;

}  // namespace warden::sidecar::mcp
