#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "sidecar/admin/admin_routes.h"

namespace warden::sidecar {

struct AdminServerOptions {
  // Loopback by default; the sidecar passes 0.0.0.0 so that kubelet probes and Prometheus reach the port.
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: an ephemeral port, see AdminServer::port()
  // A request must arrive whole within this time, and a kept-alive connection may idle this long before its
  // next request; then the connection is dropped (slowloris).
  std::chrono::milliseconds requestTimeout{5000};
  std::chrono::milliseconds writeTimeout{10000};
  // Connections beyond this are closed as soon as they are accepted.
  std::size_t maxConnections = 32;
  std::size_t maxHeaderBytes = 8 * 1024;  // request line and headers; requests have no body
};

// The sidecar's plain-HTTP admin port (design D6): /metrics, /healthz, /readyz, see routeAdminRequest.
//
// Runs on an io_context the caller owns and runs (on any number of threads: all of the server's work is on one
// strand); the io_context must outlive the server. Thread-safe: port() and stop() may be called from any thread.
// After stop() returns, no handler is running or will be called again; connections are closed and the acceptor
// too, and once their handlers have run the server leaves no work on the io_context.
class AdminServer {
 public:
  // Binds and listens before returning, so port() is known; nullptr with *error when the options are invalid or
  // the address cannot be bound.
  static std::unique_ptr<AdminServer> start(boost::asio::io_context& io, AdminServerOptions options,
                                            AdminHandlers handlers, std::string* error);
  ~AdminServer();  // stop()
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  std::uint16_t port() const;
  // Idempotent. Must not be called from inside a handler.
  void stop();

 private:
  class Impl;
  explicit AdminServer(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace warden::sidecar
