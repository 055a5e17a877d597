// warden-loadgen: MCP tools/call load over keep-alive HTTP/1.1, plain or mutual TLS, closed or fixed-rate open
// loop, every answer checked. Prints a RESULT line on stdout and a summary on stderr; exits 1 on a usage or setup
// error, 2 when any request failed or could not be sent.

#include <iostream>

#include <CLI/CLI.hpp>

#include "bench/load/load_generator/client_tls.h"
#include "bench/load/load_generator/load_run.h"
#include "bench/load/load_generator/result_report.h"
#include "bench/load/load_generator/session_setup.h"

namespace {

std::chrono::nanoseconds seconds(double value) {
  return std::chrono::nanoseconds(static_cast<std::int64_t>(value * 1e9));
}

}  // namespace

int main(int argc, char** argv) {
  using namespace warden::bench;
  CLI::App app{"warden-loadgen: MCP tools/call load, every answer checked"};
  std::string url;
  ClientTlsFiles tlsFiles;
  std::string mode = "closed";
  LoadPlan plan;
  double warmupSeconds = 1, durationSeconds = 10, drainSeconds = 5;
  unsigned threads = 1;
  int timeoutMs = 10000;
  std::string protocolVersion = "2025-06-18";
  std::string label;
  app.add_option("--url", url, "http(s)://IP:PORT/path of the MCP endpoint")->required();
  app.add_option("--cert", tlsFiles.certificateChain, "Client SVID chain (PEM), for https");
  app.add_option("--key", tlsFiles.privateKey, "Client SVID key (PEM), for https");
  app.add_option("--ca", tlsFiles.trustBundle, "Trust bundle that must vouch for the server (PEM), for https");
  app.add_option("--mode", mode, "closed or open")->check(CLI::IsMember({"closed", "open"}))->capture_default_str();
  app.add_option("--connections", plan.connections, "Keep-alive connections")->check(CLI::Range(1u, 100000u))
      ->capture_default_str();
  app.add_option("--rate", plan.rate, "Open loop: requests per second over all connections");
  app.add_option("--warmup", warmupSeconds, "Seconds of load before measuring")->capture_default_str();
  app.add_option("--duration", durationSeconds, "Seconds measured")->capture_default_str();
  app.add_option("--requests", plan.maxRequests, "Closed loop: stop after this many requests (0: no limit)")
      ->capture_default_str();
  app.add_flag("--new-connection-per-request", plan.newConnectionPerRequest,
               "Connect (and complete a full TLS handshake) for every request");
  app.add_option("--message-bytes", plan.messageBytes, "Size of the echo tool's message argument")
      ->capture_default_str();
  app.add_option("--tool", plan.tool, "Tool called (it must echo its message)")->capture_default_str();
  app.add_option("--protocol-version", protocolVersion, "MCP-Protocol-Version sent")->capture_default_str();
  app.add_option("--timeout-ms", timeoutMs, "Deadline of a connect, handshake or request")->capture_default_str();
  app.add_option("--drain", drainSeconds, "Open loop: seconds past the window late requests may still be sent")
      ->capture_default_str();
  app.add_option("--threads", threads, "Driver threads (connections are spread over them)")->capture_default_str();
  app.add_option("--label", label, "Name echoed in the RESULT line");
  CLI11_PARSE(app, argc, argv);

  std::string error;
  const auto target = parseTarget(url, &error);
  if (!target) {
    std::cerr << "error: --url: " << error << "\n";
    return 1;
  }
  plan.mode = mode == "open" ? LoopMode::Open : LoopMode::Closed;
  if (plan.mode == LoopMode::Open && plan.rate <= 0) {
    std::cerr << "error: --mode open needs --rate > 0\n";
    return 1;
  }
  plan.warmup = seconds(warmupSeconds);
  plan.duration = seconds(durationSeconds);
  plan.drainLimit = seconds(drainSeconds);
  plan.timeout = std::chrono::milliseconds(timeoutMs);

  std::optional<boost::asio::ssl::context> tls;
  if (target->tls) {
    if (tlsFiles.certificateChain.empty() || tlsFiles.privateKey.empty() || tlsFiles.trustBundle.empty()) {
      std::cerr << "error: an https URL needs --cert, --key and --ca\n";
      return 1;
    }
    tls = makeClientTlsContext(tlsFiles, &error);
    if (!tls) {
      std::cerr << "error: " << error << "\n";
      return 1;
    }
  }
  auto* tlsContext = tls ? &*tls : nullptr;
  const auto session = establishSession(*target, tlsContext, protocolVersion, plan.timeout, &error);
  if (!session) {
    std::cerr << "error: cannot open an MCP session at " << url << ": " << error << "\n";
    return 1;
  }
  const auto result = runLoad(plan, *target, tlsContext, McpHeaders{protocolVersion, *session}, threads);
  printSummary(std::cerr, label, plan, result);
  printResultLine(std::cout, label, plan, result);
  return result.stats.failures() > 0 || result.stats.unsent() > 0 ? 2 : 0;
}
