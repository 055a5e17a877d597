#include "sidecar/proxy/upstream_pool.h"

#include <sys/socket.h>

#include <cerrno>

namespace warden::sidecar {

bool UpstreamPool::stillOpen(beast::tcp_stream& stream) {
  // An idle keep-alive connection has nothing to read; readable means the server closed it (EOF) or sent garbage.
  char byte;
  const auto n = ::recv(stream.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

asio::awaitable<std::unique_ptr<beast::tcp_stream>> UpstreamPool::acquire(error_code& ec) {
  ec.clear();
  const auto now = std::chrono::steady_clock::now();
  while (!idle_.empty()) {
    Idle entry = std::move(idle_.back());
    idle_.pop_back();
    if (now - entry.since < options_.maxIdle && stillOpen(*entry.stream)) co_return std::move(entry.stream);
  }
  auto stream = std::make_unique<beast::tcp_stream>(io_);
  stream->expires_after(options_.connectTimeout);
  co_await stream->async_connect(options_.endpoint, awaitWith(ec));
  if (ec) co_return nullptr;
  stream->socket().set_option(tcp::no_delay(true), ec);
  ec.clear();
  co_return stream;
}

void UpstreamPool::release(std::unique_ptr<beast::tcp_stream> stream) {
  if (!stream || !stream->socket().is_open()) return;
  stream->expires_never();
  idle_.push_back({std::move(stream), std::chrono::steady_clock::now()});
  while (idle_.size() > options_.maxIdleConnections) idle_.pop_front();
}

}  // namespace warden::sidecar
