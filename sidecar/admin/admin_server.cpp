#include "sidecar/admin/admin_server.h"

#include <atomic>
#include <mutex>
#include <unordered_map>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "sidecar/admin/admin_connection.h"

namespace warden::sidecar {
namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

namespace {
// After a failed accept (out of file descriptors, say), wait before trying again instead of spinning.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};
}  // namespace

// The acceptor, the connection table and the handlers. The acceptor, the table and every connection live on
// `strand_`; the handlers are guarded by `handlersMu_` so that stop() can withdraw them from any thread.
class AdminServer::Impl final : public AdminConnectionOwner, public std::enable_shared_from_this<Impl> {
 public:
  Impl(net::io_context& io, AdminServerOptions options, AdminHandlers handlers)
      : strand_(net::make_strand(io)),
        acceptor_(strand_),
        retryTimer_(strand_),
        options_(std::move(options)),
        handlers_(std::move(handlers)) {}

  bool listen(std::string* error) {
    boost::system::error_code ec;
    const auto address = net::ip::make_address(options_.address, ec);
    if (ec) {
      *error = "admin server: invalid address \"" + options_.address + "\": " + ec.message();
      return false;
    }
    const tcp::endpoint endpoint(address, options_.port);
    const auto fail = [&](const char* step) {
      *error = "admin server: " + std::string(step) + " " + endpoint.address().to_string() + ":" +
               std::to_string(options_.port) + ": " + ec.message();
      return false;
    };
    acceptor_.open(endpoint.protocol(), ec);
    if (ec) return fail("open");
    acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (ec) return fail("set SO_REUSEADDR on");
    acceptor_.bind(endpoint, ec);
    if (ec) return fail("bind");
    acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) return fail("listen on");
    port_ = acceptor_.local_endpoint(ec).port();
    if (ec) return fail("read the bound port of");
    return true;
  }

  void startAccepting() {
    net::dispatch(strand_, [self = shared_from_this()] { self->accept(); });
  }

  std::uint16_t port() const { return port_; }

  void stop() {
    {
      std::lock_guard lock(handlersMu_);
      if (stopped_.exchange(true)) return;
      handlers_ = {};
    }
    net::dispatch(strand_, [self = shared_from_this()] { self->closeAll(); });
  }

  AdminResponse respond(const AdminRequest& request) override {
    std::lock_guard lock(handlersMu_);
    if (stopped_) {
      auto response = plainResponse(request, http::status::service_unavailable, "shutting down\n");
      response.keep_alive(false);
      return response;
    }
    return routeAdminRequest(request, handlers_);
  }

  void closed(AdminConnection* connection) override { connections_.erase(connection); }

 private:
  void accept() {
    if (stopped_) return;
    acceptor_.async_accept([self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
      self->onAccept(ec, std::move(socket));
    });
  }

  void onAccept(boost::system::error_code ec, tcp::socket socket) {
    if (stopped_) return;
    if (ec) {
      retryTimer_.expires_after(kAcceptRetryDelay);
      retryTimer_.async_wait([self = shared_from_this()](boost::system::error_code timerEc) {
        if (!timerEc) self->accept();
      });
      return;
    }
    if (connections_.size() >= options_.maxConnections) {
      boost::system::error_code ignored;
      socket.close(ignored);
    } else {
      const AdminConnectionLimits limits{options_.requestTimeout, options_.writeTimeout, options_.maxHeaderBytes};
      auto connection = std::make_shared<AdminConnection>(std::move(socket), limits, shared_from_this());
      connections_.emplace(connection.get(), connection);
      connection->start();
    }
    accept();
  }

  void closeAll() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    retryTimer_.cancel();
    std::vector<std::shared_ptr<AdminConnection>> open;
    for (const auto& [raw, weak] : connections_) {
      if (auto connection = weak.lock()) open.push_back(std::move(connection));
    }
    for (const auto& connection : open) connection->close();
  }

  net::strand<net::io_context::executor_type> strand_;
  tcp::acceptor acceptor_;
  net::steady_timer retryTimer_;
  const AdminServerOptions options_;
  std::uint16_t port_ = 0;
  std::unordered_map<AdminConnection*, std::weak_ptr<AdminConnection>> connections_;  // on strand_

  std::mutex handlersMu_;
  AdminHandlers handlers_;
  std::atomic<bool> stopped_{false};
};

std::unique_ptr<AdminServer> AdminServer::start(net::io_context& io, AdminServerOptions options,
                                                AdminHandlers handlers, std::string* error) {
  if (!handlers.renderMetrics || !handlers.notReadyReasons) {
    *error = "admin server: both a metrics renderer and a readiness check are required";
    return nullptr;
  }
  if (options.maxConnections == 0 || options.maxHeaderBytes == 0 || options.requestTimeout.count() <= 0 ||
      options.writeTimeout.count() <= 0) {
    *error = "admin server: connection limit, header limit and timeouts must be positive";
    return nullptr;
  }
  auto impl = std::make_shared<Impl>(io, std::move(options), std::move(handlers));
  if (!impl->listen(error)) return nullptr;
  impl->startAccepting();
  return std::unique_ptr<AdminServer>(new AdminServer(std::move(impl)));
}

AdminServer::AdminServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

AdminServer::~AdminServer() { stop(); }

std::uint16_t AdminServer::port() const { return impl_->port(); }

void AdminServer::stop() { impl_->stop(); }

}  // namespace warden::sidecar
