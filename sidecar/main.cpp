// warden-sidecar: the mTLS, SPIFFE-aware MCP authorization proxy. Flags and environment variables: --help.
#include <csignal>
#include <iostream>

#include <pthread.h>

#include <CLI/CLI.hpp>

#include "sidecar/common/logging.h"
#include "sidecar/sidecar_app.h"

int main(int argc, char** argv) {
  using namespace warden::sidecar;
  SidecarConfig config;
  CLI::App cli{"warden-sidecar: authorizes every MCP message of SPIFFE-authenticated agents before it reaches the "
               "MCP server, and writes a hash-chained receipt for every decision"};
  addSidecarOptions(cli, config);
  CLI11_PARSE(cli, argc, argv);

  configureLogging(config.logLevel);
  if (auto problem = config.validate()) {
    logError("invalid configuration", {{"error", *problem}});
    return 64;
  }

  // Signals are taken synchronously by this thread; every other thread inherits the blocked mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  SidecarApp app(config);
  std::string error;
  if (!app.start(&error)) {
    logError("cannot start", {{"error", error}});
    return 1;
  }
  int received = 0;
  sigwait(&signals, &received);
  logInfo("shutting down", {{"signal", received == SIGTERM ? "SIGTERM" : "SIGINT"}});
  app.stop(std::chrono::seconds(5));
  return 0;
}
