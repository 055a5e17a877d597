#include "sidecar/proxy/proxy_errors.h"

#include <string>

#include "sidecar/mcp/denial.h"
#include "sidecar/mcp/jsonrpc.h"

namespace warden::sidecar::proxy_errors {

nlohmann::json notMcpEndpoint() { return mcp::invalidRequestResponse(nullptr, "not an MCP endpoint"); }
nlohmann::json methodNotAllowed() { return mcp::invalidRequestResponse(nullptr, "HTTP method not allowed"); }
nlohmann::json sessionOwnedByAnother() {
  return mcp::makeError(nullptr, -32031, "denied by policy: this MCP session belongs to another identity");
}
nlohmann::json auditLogUnavailable() {
  return mcp::internalErrorResponse(nullptr, "audit log unavailable: request not processed");
}
nlohmann::json notificationDenied() {
  return mcp::makeError(nullptr, -32031, "denied by policy: notification not delivered");
}
nlohmann::json headerTooLarge() { return mcp::invalidRequestResponse(nullptr, "request header too large"); }
nlohmann::json malformedHttp() { return mcp::invalidRequestResponse(nullptr, "malformed HTTP request"); }
nlohmann::json bodyTooLarge(std::size_t limit) {
  return mcp::invalidRequestResponse(nullptr, "request body larger than " + std::to_string(limit) + " bytes");
}

}  // namespace warden::sidecar::proxy_errors
