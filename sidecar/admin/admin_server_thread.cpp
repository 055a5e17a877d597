#include "sidecar/admin/admin_server_thread.h"

namespace warden::sidecar {

std::unique_ptr<AdminServerThread> AdminServerThread::start(AdminServerOptions options, AdminHandlers handlers,
                                                            std::string* error) {
  std::unique_ptr<AdminServerThread> owner(new AdminServerThread());
  owner->server_ = AdminServer::start(owner->io_, std::move(options), std::move(handlers), error);
  if (!owner->server_) return nullptr;
  owner->thread_ = std::thread([io = &owner->io_] { io->run(); });
  return owner;
}

AdminServerThread::~AdminServerThread() { stop(); }

void AdminServerThread::stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace warden::sidecar
