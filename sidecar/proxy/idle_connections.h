#pragma once

#include <unordered_set>

#include "sidecar/common/asio.h"

namespace warden::sidecar {

// One worker's agent connections that are waiting for their next request (keep-alive), so that a stopping sidecar
// can drain: idle connections are closed at once, a request in progress is answered first and its connection
// closed after. Only ever touched on the worker's thread, so it needs no lock.
class IdleConnections {
 public:
  bool draining() const { return draining_; }
  // Cancels every idle connection's read (its session then closes it) and tells the others to close when done.
  void drain();
  void add(beast::tcp_stream* connection) { idle_.insert(connection); }
  void remove(beast::tcp_stream* connection) { idle_.erase(connection); }

 private:
  bool draining_ = false;
  std::unordered_set<beast::tcp_stream*> idle_;
};

}  // namespace warden::sidecar
