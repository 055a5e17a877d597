#include "sidecar/proxy/proxy_server.h"

#include "sidecar/common/logging.h"
#include "sidecar/proxy/client_session.h"

namespace warden::sidecar {

ProxyServer::ProxyServer(ProxyContext& context, TlsContextManager& tls) : context_(context), tls_(tls) {}

ProxyServer::~ProxyServer() { stop(std::chrono::milliseconds(0)); }

bool ProxyServer::start(std::string* error) {
  const auto& config = context_.config;
  error_code ec;
  const auto upstreamAddress = asio::ip::make_address(config.upstreamHost, ec);
  if (ec) {
    *error = "upstream host must be an IP address (the MCP server on loopback): " + config.upstreamHost;
    return false;
  }
  for (int i = 0; i < config.threads; ++i) {
    auto worker = std::make_unique<Worker>();
    UpstreamPool::Options options;
    options.endpoint = tcp::endpoint(upstreamAddress, static_cast<unsigned short>(config.upstreamPort));
    options.connectTimeout = config.upstreamConnectTimeout;
    options.maxIdle = config.upstreamPoolIdle;
    worker->pool = std::make_unique<UpstreamPool>(worker->io, options);
    guards_.push_back(asio::make_work_guard(worker->io));
    workers_.push_back(std::move(worker));
  }
  const auto address = asio::ip::make_address(config.listenAddress, ec);
  if (ec) {
    *error = "invalid listen address " + config.listenAddress;
    return false;
  }
  acceptor_ = std::make_unique<tcp::acceptor>(workers_.front()->io);
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(config.port));
  acceptor_->open(endpoint.protocol(), ec);
  if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_->bind(endpoint, ec);
  if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    *error = "cannot listen on " + config.listenAddress + ":" + std::to_string(config.port) + ": " + ec.message();
    return false;
  }
  port_ = acceptor_->local_endpoint().port();
  asio::co_spawn(workers_.front()->io, acceptLoop(), asio::detached);
  for (auto& worker : workers_) {
    worker->thread = std::thread([w = worker.get()] { w->io.run(); });
  }
  return true;
}

asio::awaitable<void> ProxyServer::acceptLoop() {
  std::size_t next = 0;
  while (!stopping_) {
    Worker& worker = *workers_[next];
    next = (next + 1) % workers_.size();
    error_code ec;
    tcp::socket socket = co_await acceptor_->async_accept(worker.io, awaitWith(ec));
    if (ec) {
      if (stopping_ || ec == asio::error::operation_aborted) co_return;
      logWarn("accept failed", {{"error", ec.message()}});
      continue;  // e.g. EMFILE: the next accept may succeed once connections close
    }
    asio::co_spawn(worker.io, serve(std::move(socket), worker), asio::detached);
  }
}

asio::awaitable<void> ProxyServer::serve(tcp::socket socket, Worker& worker) {
  auto tls = tls_.current();
  if (!tls) co_return;  // not ready: no SVID to present yet
  if (active_.fetch_add(1) >= context_.config.maxConnections) {
    active_.fetch_sub(1);
    logWarn("connection refused: limit reached", {{"maxConnections", context_.config.maxConnections}});
    co_return;
  }
  error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  co_await runClientSession(std::move(socket), std::move(tls), context_, *worker.pool, worker.idle);
  active_.fetch_sub(1);
}

void ProxyServer::stop(std::chrono::milliseconds grace) {
  if (stopping_.exchange(true)) return;
  if (acceptor_) {
    asio::post(workers_.front()->io, [this] {
      error_code ec;
      acceptor_->close(ec);
    });
  }
  for (auto& worker : workers_) {
    asio::post(worker->io, [w = worker.get()] { w->idle.drain(); });
  }
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (active_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  guards_.clear();
  for (auto& worker : workers_) worker->io.stop();
  for (auto& worker : workers_) {
    if (worker->thread.joinable()) worker->thread.join();
  }
}

}  // namespace warden::sidecar
