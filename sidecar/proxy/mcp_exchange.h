#pragma once

#include <string>

#include "sidecar/common/asio.h"
#include "sidecar/proxy/client_stream.h"
#include "sidecar/proxy/proxy_context.h"
#include "sidecar/proxy/upstream_pool.h"

namespace warden::sidecar {

// Handles one HTTP request of an authenticated agent on the MCP endpoint (design D6): POST messages are decided,
// receipted and — only what is allowed — forwarded, and the answer is relayed back (filtered, streamed); GET
// streams and DELETE pass through for the session's owner. Returns whether the connection may serve another
// request. Never throws.
asio::awaitable<bool> handleExchange(ClientStream& client, http::request<http::string_body>& request,
                                     const std::string& principal, ProxyContext& context, UpstreamPool& pool);

}  // namespace warden::sidecar
