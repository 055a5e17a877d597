#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>

#include "sidecar/admin/admin_routes.h"

namespace warden::sidecar {

class AdminConnection;

// What a connection needs from its server. Called on the server's strand.
class AdminConnectionOwner {
 public:
  virtual AdminResponse respond(const AdminRequest& request) = 0;
  virtual void closed(AdminConnection* connection) = 0;

 protected:
  ~AdminConnectionOwner() = default;
};

struct AdminConnectionLimits {
  std::chrono::milliseconds requestTimeout;  // for a whole request, and for the idle time before the next one
  std::chrono::milliseconds writeTimeout;
  std::size_t maxHeaderBytes;
};

// One HTTP/1.1 connection of the admin port: reads requests (headers only; a body is refused) with a deadline,
// answers each through its owner, keeps the connection alive when the client asks for it. A request the parser
// refuses gets 400, 413 or 431 and the connection is closed after the client's remaining bytes are drained
// (bounded), so the client sees the answer instead of a reset. Not thread-safe: every call and completion runs
// on the strand the socket was created with.
class AdminConnection : public std::enable_shared_from_this<AdminConnection> {
 public:
  AdminConnection(boost::asio::ip::tcp::socket socket, AdminConnectionLimits limits,
                  std::shared_ptr<AdminConnectionOwner> owner);
  AdminConnection(const AdminConnection&) = delete;
  AdminConnection& operator=(const AdminConnection&) = delete;

  void start();
  // Cancels whatever is pending and closes the socket; the owner hears closed() once the handlers have run.
  void close();

 private:
  void readRequest();
  void onRead(boost::beast::error_code ec);
  void write(AdminResponse response, bool lingerAfter);
  void onWrite(boost::beast::error_code ec, bool keepAlive, bool lingerAfter);
  void drain();
  void finish();

  boost::beast::tcp_stream stream_;
  AdminConnectionLimits limits_;
  std::shared_ptr<AdminConnectionOwner> owner_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::empty_body>> parser_;
  std::optional<AdminResponse> response_;  // kept alive while it is written
  std::array<char, 4096> drainBuffer_{};
  std::size_t drained_ = 0;
  bool finished_ = false;
};

}  // namespace warden::sidecar
