#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "sidecar/common/asio.h"
#include "sidecar/proxy/idle_connections.h"
#include "sidecar/proxy/proxy_context.h"
#include "sidecar/proxy/upstream_pool.h"
#include "sidecar/tls/tls_context_manager.h"

namespace warden::sidecar {

// The agent-facing listener and its workers. Each worker is one thread running its own io_context with its own
// upstream pool, so a connection — its TLS stream, its upstream connection, its coroutine — lives on one thread
// and needs no locks (no thread per request, no strand juggling). The acceptor hands new connections to the
// workers in turn. Connections arriving before the first SVID, or beyond maxConnections, are closed at once.
class ProxyServer {
 public:
  ProxyServer(ProxyContext& context, TlsContextManager& tls);
  ~ProxyServer();
  ProxyServer(const ProxyServer&) = delete;
  ProxyServer& operator=(const ProxyServer&) = delete;

  // Binds the listener and starts the workers. False with *error if the address cannot be bound.
  bool start(std::string* error);
  unsigned short port() const { return port_; }
  std::size_t activeConnections() const { return active_.load(); }
  // Stops accepting and drains: idle keep-alive connections are closed at once, requests in progress get up to
  // `grace` to finish (their connections close after the answer); then stops the workers and joins them.
  void stop(std::chrono::milliseconds grace);

 private:
  struct Worker {
    asio::io_context io{1};
    std::unique_ptr<UpstreamPool> pool;
    IdleConnections idle;
    std::thread thread;
  };
  asio::awaitable<void> acceptLoop();
  asio::awaitable<void> serve(tcp::socket socket, Worker& worker);

  ProxyContext& context_;
  TlsContextManager& tls_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards_;
  std::unique_ptr<tcp::acceptor> acceptor_;
  unsigned short port_ = 0;
  std::atomic<std::size_t> active_{0};
  std::atomic<bool> stopping_{false};
};

}  // namespace warden::sidecar
