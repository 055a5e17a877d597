// warden-operator: turns MCPServer and ToolPolicy resources into published policy bundles (design D2, D3).
// Flags and environment variables: --help.
#include <csignal>

#include <pthread.h>

#include <CLI/CLI.hpp>

#include "operator/operator_app.h"
#include "sidecar/common/logging.h"

int main(int argc, char** argv) {
  using namespace warden;
  op::OperatorConfig config;
  CLI::App cli{"warden-operator: compiles the ToolPolicies of every MCPServer into a policy bundle, publishes it in a "
               "ConfigMap for the sidecars, and keeps the MCPServer's Service, NetworkPolicy and status current"};
  op::addOperatorOptions(cli, config);
  CLI11_PARSE(cli, argc, argv);

  sidecar::configureLogging(config.logLevel);
  if (auto problem = config.validate()) {
    sidecar::logError("invalid configuration", {{"error", *problem}});
    return 64;
  }

  // Signals are taken synchronously by this thread; every other thread inherits the blocked mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  op::OperatorApp app(config);
  std::string error;
  if (!app.start(&error)) {
    sidecar::logError("cannot start", {{"error", error}});
    return 1;
  }
  int received = 0;
  sigwait(&signals, &received);
  sidecar::logInfo("shutting down", {{"signal", received == SIGTERM ? "SIGTERM" : "SIGINT"}});
  app.stop();
  return 0;
}
