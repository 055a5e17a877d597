#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>

#include "sidecar/admin/admin_server.h"

namespace warden::sidecar {

// An AdminServer with an io_context and a thread of its own, for callers that do not want to share theirs.
// port() may be called from any thread; stop() and destruction (which stops the server and joins the thread)
// belong to the owner.
class AdminServerThread {
 public:
  static std::unique_ptr<AdminServerThread> start(AdminServerOptions options, AdminHandlers handlers,
                                                  std::string* error);
  ~AdminServerThread();
  AdminServerThread(const AdminServerThread&) = delete;
  AdminServerThread& operator=(const AdminServerThread&) = delete;

  std::uint16_t port() const { return server_->port(); }
  void stop();  // idempotent: stops the server, then joins the thread once it has no work left

 private:
  AdminServerThread() = default;

  boost::asio::io_context io_{1};
  std::unique_ptr<AdminServer> server_;
  std::thread thread_;
};

}  // namespace warden::sidecar
