#pragma once

#include "sidecar/common/asio.h"
#include "sidecar/proxy/idle_connections.h"
#include "sidecar/proxy/proxy_context.h"
#include "sidecar/proxy/upstream_pool.h"
#include "sidecar/tls/tls_context_manager.h"

namespace warden::sidecar {

// One agent connection: the TLS handshake with the client's X509-SVID verified (rejections logged with their
// reason), then HTTP/1.1 requests until the agent closes, a deadline passes, or a request cannot be read. Deadlines:
// handshake; the first bytes of a request (idle limit between keep-alive requests); the rest of its header; its
// body; every write to the agent. While waiting for a request the connection is in `idle`, which closes it when the
// worker drains; a connection drained while busy closes after its answer. Never throws.
asio::awaitable<void> runClientSession(tcp::socket socket, TlsContextPtr tls, ProxyContext& context,
                                       UpstreamPool& pool, IdleConnections& idle);

}  // namespace warden::sidecar
