#pragma once

// A stand-in MCP server for the proxy's component tests: plain HTTP on 127.0.0.1, records every request it gets
// (so tests can prove a denied call never reached it) and answers as the test says: JSON, a paced SSE stream, an
// error status, or a connection reset.

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace warden::sidecar::testing {

struct UpstreamRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// A signal from the test to the upstream: a reply that names a gate waits there until the test opens it (at most
// 30 s, so a failed test cannot leave the upstream stuck). Lets a test see what reached the client while the upstream
// has provably not sent the rest yet, with no timing involved.
class Gate {
 public:
  void open() { open_ = true; }
  bool isOpen() const { return open_; }
  // The upstream got to the gate: everything before it was sent.
  bool reached() const { return reached_; }
  void markReached() { reached_ = true; }

 private:
  std::atomic<bool> open_{false};
  std::atomic<bool> reached_{false};
};

struct UpstreamReply {
  unsigned status = 200;
  std::string contentType = "application/json";
  std::string body;  // when not SSE
  // text/event-stream: each event's raw text, sent after the given delay (so tests can see streaming)
  std::vector<std::pair<std::chrono::milliseconds, std::string>> events;
  std::vector<std::pair<std::string, std::string>> headers;
  bool reset = false;  // close the connection without answering
  // Wait this long before answering at all (a stalled server); the connection's other work waits too.
  std::chrono::milliseconds headerDelay{0};
  // After answering (keep-alive announced as usual), the connection is not read again: it is closed as soon as the
  // next request's first bytes arrive, unread, so the kernel resets it. This is the keep-alive race of a server
  // whose idle timer fires just as a reused connection carries a new request: that request never reached the
  // server's application.
  bool closeOnNextRequest = false;
  // text/event-stream: after the events, end the connection without the final chunk (a server that died mid-stream).
  bool abortAfterEvents = false;
  // text/event-stream: before events[i] is sent, wait at gates[i]. Otherwise gates[0] holds back the whole answer.
  std::map<std::size_t, std::shared_ptr<Gate>> gates;
  // Not SSE: announce the whole body (Content-Length) but send only its first cutBodyAt bytes, then close.
  std::optional<std::size_t> cutBodyAt;
};

class RecordingUpstream {
 public:
  using Handler = std::function<UpstreamReply(const UpstreamRequest&)>;
  explicit RecordingUpstream(Handler handler);
  ~RecordingUpstream();
  RecordingUpstream(const RecordingUpstream&) = delete;
  RecordingUpstream& operator=(const RecordingUpstream&) = delete;

  unsigned short port() const { return port_; }
  std::vector<UpstreamRequest> requests() const;
  // Requests whose JSON-RPC body (or any batch element) has this method / calls this tool.
  std::size_t countMethod(const std::string& method) const;
  std::size_t countToolCalls(const std::string& tool) const;
  // TCP connections accepted so far.
  std::size_t connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  unsigned short port_ = 0;
};

// An MCP-like server: initialize (assigns Mcp-Session-Id "session-1"), tools/list (the given tools), tools/call
// (answers "called <name>"), notifications (202), batches; as application/json, or as SSE when `sse` is set.
RecordingUpstream::Handler mcpLikeServer(std::vector<std::string> tools, bool sse = false);

// The upstream's answer as a test sets it while the upstream runs (thread-safe): `fallback` until set().
class SwitchableHandler {
 public:
  explicit SwitchableHandler(RecordingUpstream::Handler fallback) : fallback_(std::move(fallback)) {}
  void set(RecordingUpstream::Handler handler) {
    std::lock_guard lock(mu_);
    handler_ = std::move(handler);
  }
  UpstreamReply operator()(const UpstreamRequest& request) {
    RecordingUpstream::Handler handler;
    {
      std::lock_guard lock(mu_);
      handler = handler_;
    }
    return handler ? handler(request) : fallback_(request);
  }

 private:
  RecordingUpstream::Handler fallback_;
  std::mutex mu_;
  RecordingUpstream::Handler handler_;
};

// One SSE event carrying a JSON-RPC message, as server-everything writes it.
std::string sseMessage(const nlohmann::json& message);

}  // namespace warden::sidecar::testing
