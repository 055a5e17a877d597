#include "sidecar/config/sidecar_config.h"

#include <CLI/CLI.hpp>

#include "sidecar/config/duration_option.h"
#include "sidecar/receipts/receipt_log.h"

namespace warden::sidecar {

std::optional<std::string> SidecarConfig::validate() const {
  auto validPort = [](int p) { return p > 0 && p < 65536; };
  if (!validPort(upstreamPort)) return "--upstream-port is required (the MCP server's port on loopback)";
  if (!validPort(port)) return "--port must be 1..65535";
  if (!validPort(adminPort)) return "--admin-port must be 1..65535";
  if (port == adminPort) return "--port and --admin-port must differ";
  if (mcpPath.empty() || mcpPath[0] != '/') return "--mcp-path must start with /";
  if (upstreamPath.empty() || upstreamPath[0] != '/') return "--upstream-path must start with /";
  if (svidDir.empty() && spiffeEndpointSocket.empty()) return "set the Workload API socket or --svid-dir";
  if (policyDir.empty()) return "--policy-dir is required";
  if (receiptsPath.empty()) return "--receipts-path is required: every decision gets a receipt";
  if (!parseReceiptSync(receiptsSync)) return "--receipts-sync must be decision or interval";
  if (receiptsSyncInterval.count() <= 0 || receiptsSyncInterval > kMaxReceiptSyncInterval) {
    return "--receipts-sync-interval must be above 0 and at most 10s";
  }
  if (maxBodyBytes < 1024) return "--max-body-bytes must be at least 1024";
  if (threads < 1 || threads > 256) return "--threads must be 1..256";
  return std::nullopt;
}

void addSidecarOptions(CLI::App& app, SidecarConfig& c) {
  app.add_option("--listen-address", c.listenAddress, "Address of the mTLS listener for agents")
      ->envname("WARDEN_LISTEN_ADDRESS")->capture_default_str();
  app.add_option("--port", c.port, "Port of the mTLS listener")->envname("WARDEN_PORT")->capture_default_str();
  app.add_option("--mcp-path", c.mcpPath, "Path of the MCP endpoint agents call")
      ->envname("WARDEN_MCP_PATH")->capture_default_str();
  app.add_option("--upstream-host", c.upstreamHost, "The MCP server's address (loopback)")
      ->envname("WARDEN_UPSTREAM_HOST")->capture_default_str();
  app.add_option("--upstream-port", c.upstreamPort, "The MCP server's port (required)")
      ->envname("WARDEN_UPSTREAM_PORT");
  app.add_option("--upstream-path", c.upstreamPath, "The MCP server's endpoint path")
      ->envname("WARDEN_UPSTREAM_PATH")->capture_default_str();
  app.add_option("--admin-address", c.adminAddress, "Address of the plain-HTTP /metrics, /healthz, /readyz port")
      ->envname("WARDEN_ADMIN_ADDRESS")->capture_default_str();
  app.add_option("--admin-port", c.adminPort, "Port of /metrics, /healthz, /readyz")
      ->envname("WARDEN_ADMIN_PORT")->capture_default_str();
  app.add_option("--spiffe-endpoint-socket", c.spiffeEndpointSocket,
                 "SPIFFE Workload API address: unix:///path or tcp://IP:port")
      ->envname("SPIFFE_ENDPOINT_SOCKET")->capture_default_str();
  app.add_option("--svid-dir", c.svidDir,
                 "Read the SVID from files instead (svid.pem, svid_key.pem, bundle.pem, federated/<td>.pem)")
      ->envname("WARDEN_SVID_DIR");
  app.add_option("--policy-dir", c.policyDir, "Directory of the policy ConfigMap (bundle.json, policyVersion)")
      ->envname("WARDEN_POLICY_DIR")->capture_default_str();
  app.add_option("--receipts-path", c.receiptsPath, "Receipt log file (hash-chained JSON lines)")
      ->envname("WARDEN_RECEIPTS_PATH")->capture_default_str();
  app.add_option("--receipts-stdout", c.receiptsToStdout, "Mirror receipts to stdout")
      ->envname("WARDEN_RECEIPTS_STDOUT")->capture_default_str();
  app.add_option("--receipts-sync", c.receiptsSync,
                 "decision: every receipt is fdatasync'ed before its call is forwarded or answered; interval: it is "
                 "written (page cache) before, and fdatasync runs every --receipts-sync-interval (a node crash can "
                 "lose the last interval's receipts, a process kill none)")
      ->envname("WARDEN_RECEIPTS_SYNC")
      ->check(CLI::IsMember({"decision", "interval"}))
      ->capture_default_str();
  addDurationOption(app, "--receipts-sync-interval", "WARDEN_RECEIPTS_SYNC_INTERVAL", c.receiptsSyncInterval,
                    "With --receipts-sync=interval: time between background fdatasyncs of the receipt log (at most 10s)");
  app.add_option("--max-body-bytes", c.maxBodyBytes, "Largest request body accepted (larger: 413)")
      ->envname("WARDEN_MAX_BODY_BYTES")->capture_default_str();
  app.add_option("--max-header-bytes", c.maxHeaderBytes, "Largest request header block accepted")
      ->envname("WARDEN_MAX_HEADER_BYTES")->capture_default_str();
  app.add_option("--max-connections", c.maxConnections, "Concurrent agent connections accepted")
      ->envname("WARDEN_MAX_CONNECTIONS")->capture_default_str();
  addDurationOption(app, "--handshake-timeout", "WARDEN_HANDSHAKE_TIMEOUT", c.handshakeTimeout,
                 "TLS handshake deadline");
  addDurationOption(app, "--header-timeout", "WARDEN_HEADER_TIMEOUT", c.headerTimeout,
                 "Deadline for a request's headers (slow clients are cut off)");
  addDurationOption(app, "--body-timeout", "WARDEN_BODY_TIMEOUT", c.bodyTimeout, "Deadline for a request's body");
  addDurationOption(app, "--idle-timeout", "WARDEN_IDLE_TIMEOUT", c.idleTimeout, "Keep-alive idle limit");
  addDurationOption(app, "--upstream-connect-timeout", "WARDEN_UPSTREAM_CONNECT_TIMEOUT", c.upstreamConnectTimeout,
                 "Deadline for connecting to the MCP server");
  addDurationOption(app, "--upstream-header-timeout", "WARDEN_UPSTREAM_HEADER_TIMEOUT", c.upstreamHeaderTimeout,
                 "Deadline for the MCP server's response headers");
  addDurationOption(app, "--upstream-idle-timeout", "WARDEN_UPSTREAM_IDLE_TIMEOUT", c.upstreamIdleTimeout,
                 "A response stream silent this long is cut");
  addDurationOption(app, "--upstream-pool-idle", "WARDEN_UPSTREAM_POOL_IDLE", c.upstreamPoolIdle,
                 "Idle upstream connections are closed after this (keep below the server's keep-alive timeout)");
  addDurationOption(app, "--file-reload-poll", "WARDEN_FILE_RELOAD_POLL", c.fileReloadPoll,
                 "Safety-net re-read interval of watched files (inotify does the real work)");
  app.add_option("--threads", c.threads, "I/O threads")->envname("WARDEN_THREADS")->capture_default_str();
  app.add_option("--log-level", c.logLevel, "trace, debug, info, warn, error")
      ->envname("WARDEN_LOG_LEVEL")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
      ->capture_default_str();
}

}  // namespace warden::sidecar
