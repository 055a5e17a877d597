#include "sidecar/admin/admin_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "sidecar/admin/admin_server_thread.h"
#include "tests/sidecar/admin/raw_http_client.h"

namespace warden::sidecar {
namespace {

using namespace std::chrono_literals;
using testing::RawHttpClient;

// What the handlers report; tests change it while the server runs.
class FakeSidecar {
 public:
  AdminHandlers handlers() {
    return {[this] {
              ++renders;
              if (failRender) throw std::runtime_error("registry broken");
              return std::string("# TYPE up gauge\nup 1\n");
            },
            [this] {
              if (failReadiness) throw std::runtime_error("identity source gone");
              std::lock_guard lock(mu_);
              return reasons_;
            }};
  }
  void setReasons(std::vector<std::string> reasons) {
    std::lock_guard lock(mu_);
    reasons_ = std::move(reasons);
  }
  std::atomic<int> renders{0};
  std::atomic<bool> failRender{false};
  std::atomic<bool> failReadiness{false};

 private:
  std::mutex mu_;
  std::vector<std::string> reasons_;
};

// A server on the test's own io_context, run by `threads` threads.
class AdminServerTest : public ::testing::Test {
 protected:
  void startServer(AdminServerOptions options = {}, int threads = 1) {
    std::string error;
    server_ = AdminServer::start(io_, std::move(options), fake_.handlers(), &error);
    ASSERT_TRUE(server_) << error;
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { io_.run(); });
  }
  // Stops the server and waits (bounded) for the io_context to run out of work: a clean shutdown leaves none.
  bool stopAndDrain(std::chrono::milliseconds timeout = 5s) {
    server_->stop();
    auto joined = std::async(std::launch::async, [this] {
      for (auto& t : threads_) t.join();
    });
    const bool ok = joined.wait_for(timeout) == std::future_status::ready;
    if (!ok) io_.stop();  // unblock the join so the test can report instead of hanging
    joined.wait();
    threads_.clear();
    return ok;
  }
  void TearDown() override {
    if (server_) server_->stop();
    io_.stop();
    for (auto& t : threads_) t.join();
  }

  boost::asio::io_context io_;
  FakeSidecar fake_;
  std::unique_ptr<AdminServer> server_;
  std::vector<std::thread> threads_;
};

TEST_F(AdminServerTest, BindsAnEphemeralPort) {
  startServer();
  EXPECT_NE(server_->port(), 0);
}

TEST_F(AdminServerTest, MetricsServesTheRendererOutput) {
  startServer();
  RawHttpClient c(server_->port());
  auto r = c.get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(r->body, "# TYPE up gauge\nup 1\n");
  EXPECT_EQ(fake_.renders.load(), 1);
}

TEST_F(AdminServerTest, HealthzIsOkWhileRunning) {
  startServer();
  RawHttpClient c(server_->port());
  auto r = c.get("/healthz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ok\n");
}

TEST_F(AdminServerTest, ReadyzReportsTheReasonsUntilThereAreNone) {
  fake_.setReasons({"no SVID yet", "no valid policy bundle"});
  startServer();
  RawHttpClient c(server_->port());
  auto r = c.get("/readyz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->body, "no SVID yet; no valid policy bundle\n");
  fake_.setReasons({});
  r = c.get("/readyz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ready\n");
}

TEST_F(AdminServerTest, QueryStringsAreIgnored) {
  startServer();
  RawHttpClient c(server_->port());
  auto r = c.get("/healthz?verbose=1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(AdminServerTest, UnknownPathIs404) {
  startServer();
  RawHttpClient c(server_->port());
  for (const char* target : {"/", "/metrics/", "/debug/pprof", "/healthzz"}) {
    auto r = c.get(target);
    ASSERT_TRUE(r) << target;
    EXPECT_EQ(r->status, 404) << target;
  }
}

TEST_F(AdminServerTest, OtherMethodsAre405) {
  startServer();
  RawHttpClient c(server_->port());
  for (const char* method : {"POST", "PUT", "DELETE", "OPTIONS"}) {
    ASSERT_TRUE(c.send(std::string(method) + " /metrics HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n"));
    auto r = c.readResponse();
    ASSERT_TRUE(r) << method;
    EXPECT_EQ(r->status, 405) << method;
    EXPECT_EQ(r->headers["allow"], "GET, HEAD");
  }
  EXPECT_EQ(fake_.renders.load(), 0);
}

TEST_F(AdminServerTest, HeadSendsHeadersOnly) {
  startServer();
  RawHttpClient c(server_->port());
  ASSERT_TRUE(c.send("HEAD /metrics HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r = c.readResponse(5s, /*head=*/true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->headers["content-length"], "21");
  // Had a body been sent, it would be read as the next response's status line.
  auto next = c.get("/healthz");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(next->body, "ok\n");
}

TEST_F(AdminServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  startServer();
  RawHttpClient c(server_->port());
  auto first = c.get("/metrics");
  auto second = c.get("/healthz");
  ASSERT_TRUE(first);
  ASSERT_TRUE(second);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(second->body, "ok\n");
  // Pipelined: both requests in one write.
  ASSERT_TRUE(c.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\nGET /readyz HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto third = c.readResponse();
  auto fourth = c.readResponse();
  ASSERT_TRUE(third);
  ASSERT_TRUE(fourth);
  EXPECT_EQ(third->body, "ok\n");
  EXPECT_EQ(fourth->body, "ready\n");
}

TEST_F(AdminServerTest, ConnectionCloseIsHonoured) {
  startServer();
  RawHttpClient c(server_->port());
  auto r = c.get("/healthz", "Connection: close\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(c.closedWithin(5s));
}

TEST_F(AdminServerTest, OversizedHeaderIsRejectedAndTheConnectionClosed) {
  AdminServerOptions options;
  options.maxHeaderBytes = 8 * 1024;
  startServer(options);
  RawHttpClient c(server_->port());
  ASSERT_TRUE(c.send("GET /metrics HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(9 * 1024, 'a') + "\r\n\r\n"));
  auto r = c.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(r->headers["connection"], "close");
  EXPECT_TRUE(c.closedWithin(5s));
  EXPECT_EQ(fake_.renders.load(), 0);
}

TEST_F(AdminServerTest, HeadersJustUnderTheLimitAreServed) {
  startServer();
  RawHttpClient c(server_->port());
  auto r = c.get("/healthz", "X-Big: " + std::string(7 * 1024, 'a') + "\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(AdminServerTest, RequestBodiesAreRefused) {
  startServer();
  RawHttpClient c(server_->port());
  ASSERT_TRUE(c.send("GET /metrics HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello"));
  auto r = c.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_TRUE(c.closedWithin(5s));

  RawHttpClient chunked(server_->port());
  ASSERT_TRUE(
      chunked.send("GET /metrics HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"));
  r = chunked.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
}

TEST_F(AdminServerTest, MalformedRequestIs400) {
  startServer();
  RawHttpClient c(server_->port());
  ASSERT_TRUE(c.send("GET /metrics HTTP/9.x\r\n\r\n"));
  auto r = c.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_TRUE(c.closedWithin(5s));
}

TEST_F(AdminServerTest, SlowClientIsDroppedWhenTheRequestTimeoutExpires) {
  AdminServerOptions options;
  options.requestTimeout = 300ms;
  startServer(options);
  RawHttpClient c(server_->port());
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(c.send("GET /metrics HTTP/1.1\r\nHost: t\r\n"));  // never finishes its header
  EXPECT_TRUE(c.closedWithin(5s));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 250ms);
  EXPECT_EQ(fake_.renders.load(), 0);
}

TEST_F(AdminServerTest, TricklingBytesDoesNotExtendTheDeadline) {
  AdminServerOptions options;
  options.requestTimeout = 300ms;
  startServer(options);
  RawHttpClient c(server_->port());
  ASSERT_TRUE(c.send("GET /metrics HTTP/1.1\r\n"));
  // Keep sending a header byte whenever nothing happened for 50ms: a per-read timeout would never fire.
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  bool closed = false;
  while (!closed && std::chrono::steady_clock::now() < deadline) {
    if (!c.send("X")) break;  // the server went away
    closed = c.closedWithin(50ms);
  }
  EXPECT_LT(std::chrono::steady_clock::now(), deadline);
}

TEST_F(AdminServerTest, IdleKeptAliveConnectionIsDropped) {
  AdminServerOptions options;
  options.requestTimeout = 300ms;
  startServer(options);
  RawHttpClient c(server_->port());
  ASSERT_TRUE(c.get("/healthz"));
  EXPECT_TRUE(c.closedWithin(5s));
}

TEST_F(AdminServerTest, ConnectionsBeyondTheLimitAreClosed) {
  AdminServerOptions options;
  options.maxConnections = 2;
  startServer(options);
  RawHttpClient a(server_->port());
  RawHttpClient b(server_->port());
  // A served request proves the server holds the connection.
  ASSERT_TRUE(a.get("/healthz"));
  ASSERT_TRUE(b.get("/healthz"));
  RawHttpClient c(server_->port());
  EXPECT_TRUE(c.closedWithin(5s));
  // Freeing a slot lets a new client in (once the server has seen the close).
  a.send("GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  ASSERT_TRUE(a.readResponse());
  ASSERT_TRUE(a.closedWithin(5s));
  bool served = false;
  for (int attempt = 0; attempt < 50 && !served; ++attempt) {
    RawHttpClient d(server_->port());
    served = d.get("/healthz").has_value();
  }
  EXPECT_TRUE(served);
}

TEST_F(AdminServerTest, RendererFailureIs500AndReadinessFailureIs503) {
  startServer();
  fake_.failRender = true;
  RawHttpClient c(server_->port());
  auto r = c.get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->body, "rendering metrics failed: registry broken\n");
  fake_.failReadiness = true;
  r = c.get("/readyz");  // the connection survives a failed handler
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->body, "readiness check failed: identity source gone\n");
}

TEST_F(AdminServerTest, StopClosesConnectedClientsAndLeavesNoWork) {
  startServer({}, 2);
  RawHttpClient idle(server_->port());
  ASSERT_TRUE(idle.get("/healthz"));
  RawHttpClient partial(server_->port());
  ASSERT_TRUE(partial.send("GET /metr"));
  ASSERT_TRUE(stopAndDrain());  // io_context::run() returned on both threads: no handler, timer or socket left
  EXPECT_TRUE(idle.closedWithin(1s));
  EXPECT_TRUE(partial.closedWithin(1s));
  RawHttpClient late(server_->port());
  EXPECT_FALSE(late.connected() && late.get("/healthz").has_value());
  server_->stop();  // idempotent
}

TEST_F(AdminServerTest, ServesConcurrentClientsOnSeveralThreads) {
  startServer({}, 2);
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    clients.emplace_back([&] {
      RawHttpClient c(server_->port());
      for (int j = 0; j < 20; ++j) {
        auto r = c.get(j % 2 ? "/metrics" : "/readyz");
        if (r && r->status == 200) ++ok;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), 160);
}

TEST(AdminServerStart, ReportsInvalidOptions) {
  boost::asio::io_context io;
  FakeSidecar fake;
  std::string error;
  AdminServerOptions bad;
  bad.address = "not-an-address";
  EXPECT_FALSE(AdminServer::start(io, bad, fake.handlers(), &error));
  EXPECT_NE(error.find("invalid address"), std::string::npos) << error;

  EXPECT_FALSE(AdminServer::start(io, {}, AdminHandlers{}, &error));
  EXPECT_NE(error.find("required"), std::string::npos) << error;

  AdminServerOptions zero;
  zero.maxConnections = 0;
  EXPECT_FALSE(AdminServer::start(io, zero, fake.handlers(), &error));
}

TEST(AdminServerStart, ReportsAPortInUse) {
  boost::asio::io_context io;
  FakeSidecar fake;
  std::string error;
  auto first = AdminServer::start(io, {}, fake.handlers(), &error);
  ASSERT_TRUE(first) << error;
  AdminServerOptions same;
  same.port = first->port();
  EXPECT_FALSE(AdminServer::start(io, same, fake.handlers(), &error));
  EXPECT_NE(error.find("bind"), std::string::npos) << error;
}

TEST(AdminServerThreadTest, OwnsItsThreadAndStopsOnDestruction) {
  FakeSidecar fake;
  std::string error;
  auto server = AdminServerThread::start({}, fake.handlers(), &error);
  ASSERT_TRUE(server) << error;
  RawHttpClient c(server->port());
  auto r = c.get("/healthz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  auto destroyed = std::async(std::launch::async, [&] { server.reset(); });
  ASSERT_EQ(destroyed.wait_for(5s), std::future_status::ready);
  EXPECT_TRUE(c.closedWithin(1s));
}

}  // namespace
}  // namespace warden::sidecar
