#pragma once

// The JSON-RPC error bodies the proxy sends on its own. Built outside the coroutines on purpose: GCC 12 miscompiles
// string literals inside a co_await expression ("array used as initializer").

#include <cstddef>

#include <nlohmann/json.hpp>

namespace warden::sidecar::proxy_errors {

nlohmann::json notMcpEndpoint();
nlohmann::json methodNotAllowed();
nlohmann::json sessionOwnedByAnother();
nlohmann::json auditLogUnavailable();
nlohmann::json notificationDenied();
nlohmann::json headerTooLarge();
nlohmann::json malformedHttp();
nlohmann::json bodyTooLarge(std::size_t limit);

}  // namespace warden::sidecar::proxy_errors
