#include "sidecar/admin/admin_connection.h"

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace warden::sidecar {
namespace beast = boost::beast;
namespace http = boost::beast::http;

namespace {

// Bounds on draining a refused request before closing: enough for a client to finish sending an oversized
// header and read the answer, not enough to be a resource.
constexpr std::size_t kMaxDrainBytes = 64 * 1024;
constexpr std::chrono::milliseconds kMaxDrainTime{1000};

AdminResponse errorResponse(http::status status, std::string body) {
  AdminResponse response{status, 11};
  response.set(http::field::content_type, "text/plain; charset=utf-8");
  response.keep_alive(false);
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

}  // namespace

AdminConnection::AdminConnection(boost::asio::ip::tcp::socket socket, AdminConnectionLimits limits,
                                 std::shared_ptr<AdminConnectionOwner> owner)
    : stream_(std::move(socket)),
      limits_(limits),
      owner_(std::move(owner)),
      // Room for a full header plus the start of a pipelined request; the parser enforces the header limit.
      buffer_(limits.maxHeaderBytes + 1024) {}

void AdminConnection::start() { readRequest(); }

void AdminConnection::close() {
  beast::error_code ignored;
  stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
}

void AdminConnection::readRequest() {
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(limits_.maxHeaderBytes));
  parser_->body_limit(0);
  // One deadline for the whole request: a client that trickles bytes (slowloris) is cut off when it expires.
  stream_.expires_after(limits_.requestTimeout);
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, std::size_t) { self->onRead(ec); });
}

void AdminConnection::onRead(beast::error_code ec) {
  if (!ec) {
    write(owner_->respond(parser_->get()), false);
    return;
  }
  if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
    write(errorResponse(http::status::request_header_fields_too_large, "request header too large\n"), true);
  } else if (ec == http::error::body_limit || ec == http::error::unexpected_body) {
    write(errorResponse(http::status::payload_too_large, "request bodies are not accepted\n"), true);
  } else if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
             ec != http::error::end_of_stream && ec != http::error::partial_message) {
    write(errorResponse(http::status::bad_request, "bad request: " + ec.message() + "\n"), true);
  } else {
    // End of stream, timeout, reset, or closed by stop(): nothing to answer.
    finish();
  }
}

void AdminConnection::write(AdminResponse response, bool lingerAfter) {
  const bool keepAlive = response.keep_alive() && !lingerAfter;
  response_.emplace(std::move(response));
  stream_.expires_after(limits_.writeTimeout);
  http::async_write(stream_, *response_,
                    [self = shared_from_this(), keepAlive, lingerAfter](beast::error_code ec, std::size_t) {
                      self->onWrite(ec, keepAlive, lingerAfter);
                    });
}

void AdminConnection::onWrite(beast::error_code ec, bool keepAlive, bool lingerAfter) {
  response_.reset();
  if (ec) return finish();
  if (keepAlive) return readRequest();
  beast::error_code ignored;
  stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
  if (!lingerAfter) return finish();
  // One deadline for all of the draining.
  stream_.expires_after(std::min(limits_.requestTimeout, kMaxDrainTime));
  drain();
}

void AdminConnection::drain() {
  stream_.async_read_some(boost::asio::buffer(drainBuffer_),
                          [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                            self->drained_ += n;
                            if (ec || self->drained_ > kMaxDrainBytes) return self->finish();
                            self->drain();
                          });
}

void AdminConnection::finish() {
  if (finished_) return;
  finished_ = true;
  stream_.close();
  owner_->closed(this);
}

}  // namespace warden::sidecar
