#include "test_upstream.h"

#include <atomic>

#include "sidecar/common/asio.h"

namespace warden::sidecar::testing {

struct RecordingUpstream::Impl {
  explicit Impl(Handler h) : handler(std::move(h)) {}
  Handler handler;
  asio::io_context io;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::thread thread;
  mutable std::mutex mu;
  std::vector<UpstreamRequest> requests;
  std::atomic<std::size_t> connections{0};

  asio::awaitable<void> serve(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
      error_code ec;
      http::request<http::string_body> req;
      co_await http::async_read(stream, buffer, req, awaitWith(ec));
      if (ec) co_return;
      UpstreamRequest recorded;
      recorded.method = std::string(req.method_string());
      recorded.target = std::string(req.target());
      for (const auto& f : req) {
        std::string name(f.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        recorded.headers[name] = std::string(f.value());
      }
      recorded.body = req.body();
      {
        std::lock_guard lock(mu);
        requests.push_back(recorded);
      }
      UpstreamReply reply = handler(recorded);
      const bool sse = reply.contentType == "text/event-stream";
      if (!sse) {
        if (auto gate = reply.gates.find(0); gate != reply.gates.end()) co_await waitAt(*gate->second);
      }
      if (reply.headerDelay.count() > 0) {
        asio::steady_timer timer(stream.get_executor(), reply.headerDelay);
        co_await timer.async_wait(awaitWith(ec));
      }
      if (reply.reset) {
        stream.socket().close(ec);
        co_return;
      }
      if (!sse && reply.cutBodyAt) {
        std::string head = "HTTP/1.1 " + std::to_string(reply.status) + " OK\r\nContent-Type: " + reply.contentType +
                           "\r\nContent-Length: " + std::to_string(reply.body.size()) + "\r\n\r\n";
        head += reply.body.substr(0, *reply.cutBodyAt);
        co_await asio::async_write(stream, asio::buffer(head), awaitWith(ec));
        stream.socket().close(ec);
        co_return;
      }
      if (!sse) {
        http::response<http::string_body> res{static_cast<http::status>(reply.status), 11};
        if (!reply.contentType.empty() && !reply.body.empty()) res.set(http::field::content_type, reply.contentType);
        for (const auto& [k, v] : reply.headers) res.set(k, v);
        res.body() = reply.body;
        res.keep_alive(req.keep_alive());
        res.prepare_payload();
        co_await http::async_write(stream, res, awaitWith(ec));
        if (ec || !req.keep_alive()) co_return;
        if (reply.closeOnNextRequest) {
          co_await closeOnArrival(stream);
          co_return;
        }
        continue;
      }
      http::response<http::empty_body> res{static_cast<http::status>(reply.status), 11};
      res.set(http::field::content_type, "text/event-stream");
      res.set(http::field::cache_control, "no-cache");
      for (const auto& [k, v] : reply.headers) res.set(k, v);
      res.chunked(true);
      res.keep_alive(req.keep_alive());
      http::response_serializer<http::empty_body> sr{res};
      co_await http::async_write_header(stream, sr, awaitWith(ec));
      for (std::size_t i = 0; i < reply.events.size(); ++i) {
        const auto& [delay, event] = reply.events[i];
        if (ec) co_return;
        if (auto gate = reply.gates.find(i); gate != reply.gates.end()) co_await waitAt(*gate->second);
        if (delay.count() > 0) {
          asio::steady_timer timer(stream.get_executor(), delay);
          co_await timer.async_wait(awaitWith(ec));
        }
        co_await asio::async_write(stream, http::make_chunk(asio::buffer(event)), awaitWith(ec));
      }
      if (ec) co_return;
      if (reply.abortAfterEvents) {
        stream.socket().close(ec);
        co_return;
      }
      co_await asio::async_write(stream, http::make_chunk_last(), awaitWith(ec));
      if (ec || !req.keep_alive()) co_return;
      if (reply.closeOnNextRequest) {
        co_await closeOnArrival(stream);
        co_return;
      }
    }
  }

  static asio::awaitable<void> waitAt(Gate& gate) {
    gate.markReached();
    asio::steady_timer timer(co_await asio::this_coro::executor);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!gate.isOpen() && std::chrono::steady_clock::now() < deadline) {
      error_code ec;
      timer.expires_after(std::chrono::milliseconds(5));
      co_await timer.async_wait(awaitWith(ec));
    }
  }

  // Waits until the peer sends more bytes and closes the socket without reading them (the kernel answers with RST).
  static asio::awaitable<void> closeOnArrival(beast::tcp_stream& stream) {
    error_code ec;
    co_await stream.socket().async_wait(tcp::socket::wait_read, awaitWith(ec));
    stream.socket().close(ec);
  }

  asio::awaitable<void> acceptLoop() {
    for (;;) {
      error_code ec;
      auto socket = co_await acceptor->async_accept(awaitWith(ec));
      if (ec) co_return;
      ++connections;
      asio::co_spawn(io, serve(std::move(socket)), asio::detached);
    }
  }
};

RecordingUpstream::RecordingUpstream(Handler handler) : impl_(std::make_unique<Impl>(std::move(handler))) {
  impl_->acceptor = std::make_unique<tcp::acceptor>(impl_->io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  port_ = impl_->acceptor->local_endpoint().port();
  asio::co_spawn(impl_->io, impl_->acceptLoop(), asio::detached);
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

RecordingUpstream::~RecordingUpstream() {
  impl_->io.stop();
  impl_->thread.join();
}

std::vector<UpstreamRequest> RecordingUpstream::requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->requests;
}

std::size_t RecordingUpstream::connections() const { return impl_->connections.load(); }

namespace {
template <typename Pred>
std::size_t countMessages(const std::vector<UpstreamRequest>& requests, Pred pred) {
  std::size_t n = 0;
  for (const auto& r : requests) {
    auto body = nlohmann::json::parse(r.body, nullptr, false);
    if (body.is_discarded()) continue;
    if (!body.is_array()) body = nlohmann::json::array({body});
    for (const auto& m : body) {
      if (m.is_object() && pred(m)) ++n;
    }
  }
  return n;
}
}  // namespace

std::size_t RecordingUpstream::countMethod(const std::string& method) const {
  return countMessages(requests(), [&](const nlohmann::json& m) { return m.value("method", "") == method; });
}

std::size_t RecordingUpstream::countToolCalls(const std::string& tool) const {
  return countMessages(requests(), [&](const nlohmann::json& m) {
    return m.value("method", "") == "tools/call" && m.contains("params") && m["params"].value("name", "") == tool;
  });
}

std::string sseMessage(const nlohmann::json& message) { return "event: message\ndata: " + message.dump() + "\n\n"; }

RecordingUpstream::Handler mcpLikeServer(std::vector<std::string> tools, bool sse) {
  return [tools = std::move(tools), sse](const UpstreamRequest& req) {
    UpstreamReply reply;
    if (req.method != "POST") {
      reply.status = req.method == "DELETE" ? 200 : 405;
      reply.body = "";
      return reply;
    }
    auto body = nlohmann::json::parse(req.body, nullptr, false);
    const bool batch = body.is_array();
    if (!batch) body = nlohmann::json::array({body});
    nlohmann::json answers = nlohmann::json::array();
    for (const auto& m : body) {
      if (!m.contains("id")) continue;  // notifications get no answer
      const std::string method = m.value("method", "");
      nlohmann::json result;
      if (method == "initialize") {
        result = {{"protocolVersion", "2025-11-25"}, {"capabilities", {{"tools", nlohmann::json::object()}}},
                  {"serverInfo", {{"name", "recording-upstream"}, {"version", "1"}}}};
        reply.headers.emplace_back("Mcp-Session-Id", "session-1");
      } else if (method == "tools/list") {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& t : tools) {
          list.push_back({{"name", t}, {"description", "the " + t + " tool"}, {"inputSchema", {{"type", "object"}}}});
        }
        result = {{"tools", list}};
      } else if (method == "tools/call") {
        result = {{"content", {{{"type", "text"}, {"text", "called " + m["params"].value("name", "")}}}}};
      } else {
        result = nlohmann::json::object();
      }
      answers.push_back({{"jsonrpc", "2.0"}, {"id", m["id"]}, {"result", result}});
    }
    if (answers.empty()) {
      reply.status = 202;
      return reply;
    }
    if (sse) {
      reply.contentType = "text/event-stream";
      for (const auto& a : answers) reply.events.emplace_back(std::chrono::milliseconds(0), sseMessage(a));
    } else {
      reply.body = batch ? answers.dump() : answers[0].dump();
    }
    return reply;
  };
}

}  // namespace warden::sidecar::testing
