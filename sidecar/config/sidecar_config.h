#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace warden::sidecar {

// Every setting of warden-sidecar. Each is a flag and an environment variable (WARDEN_<NAME>); `--help` lists both.
struct SidecarConfig {
  // mTLS listener for agents.
  std::string listenAddress = "0.0.0.0";
  int port = 8443;
  std::string mcpPath = "/mcp";
  // The MCP server in the same pod, plain HTTP on loopback.
  std::string upstreamHost = "127.0.0.1";
  int upstreamPort = 0;
  std::string upstreamPath = "/mcp";
  // /metrics, /healthz, /readyz.
  std::string adminAddress = "0.0.0.0";
  int adminPort = 9090;

  // Identity: the SPIFFE Workload API (default), or SVID files when svidDir is set.
  std::string spiffeEndpointSocket = "unix:///spiffe-workload-api/spire-agent.sock";
  std::string svidDir;

  // Policy: the directory of the ConfigMap volume holding bundle.json (and policyVersion).
  std::string policyDir = "/etc/mcp-warden/policy";
  // Receipts: a file on a volume, mirrored to stdout.
  std::string receiptsPath = "/var/lib/mcp-warden/receipts/receipts.jsonl";
  bool receiptsToStdout = true;
  // "decision": each receipt fdatasync'ed before its call goes on (default); "interval": written before, synced
  // every receiptsSyncInterval in the background (a node crash can lose the last interval's receipts).
  std::string receiptsSync = "decision";
  std::chrono::milliseconds receiptsSyncInterval{100};

  std::size_t maxBodyBytes = 4 * 1024 * 1024;
  std::size_t maxHeaderBytes = 16 * 1024;
  std::size_t maxConnections = 4096;
  std::chrono::milliseconds handshakeTimeout{10'000};
  std::chrono::milliseconds headerTimeout{10'000};     // a request's headers must arrive within this
  std::chrono::milliseconds bodyTimeout{30'000};       // and its body within this
  std::chrono::milliseconds idleTimeout{60'000};       // keep-alive connections idle longer are closed
  std::chrono::milliseconds upstreamConnectTimeout{2'000};
  std::chrono::milliseconds upstreamHeaderTimeout{60'000};  // the MCP server must start answering within this
  std::chrono::milliseconds upstreamIdleTimeout{300'000};   // a response stream silent this long is cut
  std::chrono::milliseconds upstreamPoolIdle{2'000};         // below Node's 5 s keep-alive timeout
  std::chrono::milliseconds fileReloadPoll{10'000};          // safety-net re-read of watched files
  int threads = 2;
  std::string logLevel = "info";

  // Throws nothing; an error message for an invalid combination, else nullopt.
  std::optional<std::string> validate() const;
};

// Registers every setting on `app` (flags with environment variable fallbacks and defaults shown in --help).
void addSidecarOptions(CLI::App& app, SidecarConfig& config);

}  // namespace warden::sidecar
