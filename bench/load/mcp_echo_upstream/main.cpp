// mcp-echo-upstream: a minimal MCP server (Streamable HTTP, plain HTTP on loopback) whose one tool, `echo`, answers
// tools/call as fast as possible, as JSON or SSE: the upstream of the load harness, never its bottleneck.
// Prints "listening on ADDRESS:PORT" once it accepts connections.

#include <iostream>
#include <optional>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "bench/load/mcp_echo_upstream/echo_server.h"

int main(int argc, char** argv) {
  using namespace warden::bench;
  CLI::App app{"mcp-echo-upstream: a fast MCP echo server for load runs"};
  EchoServerOptions options;
  std::string form = "json";
  unsigned threads = 1;
  app.add_option("--address", options.address, "Listen address (loopback)")->capture_default_str();
  app.add_option("--port", options.port, "Listen port (0: any free port)")->capture_default_str();
  app.add_option("--path", options.path, "MCP endpoint path")->capture_default_str();
  app.add_option("--form", form, "Answer form when the client accepts both: json or sse")
      ->check(CLI::IsMember({"json", "sse"}))
      ->capture_default_str();
  app.add_option("--threads", threads, "I/O threads")->check(CLI::Range(1u, 64u))->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  options.form = form == "sse" ? AnswerForm::Sse : AnswerForm::Json;

  asio::io_context io{static_cast<int>(threads)};
  std::optional<EchoServer> server;
  try {
    server.emplace(io, options);
  } catch (const boost::system::system_error& e) {
    std::cerr << "error: cannot listen on " << options.address << ":" << options.port << ": " << e.what() << "\n";
    return 1;
  }
  server->start();
  asio::signal_set signals{io, SIGINT, SIGTERM};
  signals.async_wait([&io](const error_code&, int) { io.stop(); });
  std::cout << "listening on " << options.address << ":" << server->boundPort() << std::endl;
  std::vector<std::thread> workers;
  for (unsigned t = 1; t < threads; ++t) workers.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& worker : workers) worker.join();
  return 0;
}
