#pragma once

#include <chrono>
#include <deque>
#include <memory>

#include "sidecar/common/asio.h"

namespace warden::sidecar {

// Keep-alive connections to the MCP server on loopback, one pool per worker thread (each worker runs its own
// io_context, so a pool is only ever touched by one thread and needs no lock). Idle connections older than
// `maxIdle` — which must stay below the server's own keep-alive timeout (Node: 5 s) so the server never closes a
// connection we are about to reuse — and connections the server already closed are discarded, never reused.
class UpstreamPool {
 public:
  struct Options {
    tcp::endpoint endpoint;
    std::chrono::milliseconds connectTimeout{2000};
    std::chrono::milliseconds maxIdle{2000};
    std::size_t maxIdleConnections = 64;
  };

  UpstreamPool(asio::io_context& io, Options options) : io_(io), options_(std::move(options)) {}

  // An idle connection, or a new one (connect bounded by connectTimeout). ec set on failure. Never throws.
  asio::awaitable<std::unique_ptr<beast::tcp_stream>> acquire(error_code& ec);
  // Returns a connection whose last exchange completed cleanly and may be reused.
  void release(std::unique_ptr<beast::tcp_stream> stream);

  std::size_t idleCount() const { return idle_.size(); }

 private:
  struct Idle {
    std::unique_ptr<beast::tcp_stream> stream;
    std::chrono::steady_clock::time_point since;
  };
  static bool stillOpen(beast::tcp_stream& stream);

  asio::io_context& io_;
  Options options_;
  std::deque<Idle> idle_;  // most recently used at the back
};

}  // namespace warden::sidecar
