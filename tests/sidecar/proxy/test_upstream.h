#pragma once

// A stand-in MCP server for the proxy's component tests: plain HTTP on 127.0.0.1, records every request it gets
// (so tests can prove a denied call never reached it) and answers as the test says: JSON, a paced SSE stream, an
// error status, or a connection reset.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
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

struct UpstreamReply {
  unsigned status = 200;
  std::string contentType = "application/json";
  std::string body;  // when not SSE
  // text/event-stream: each event's raw text, sent after the given delay (so tests can see streaming)
  std::vector<std::pair<std::chrono::milliseconds, std::string>> events;
  std::vector<std::pair<std::string, std::string>> headers;
  bool reset = false;  // close the connection without answering
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

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  unsigned short port_ = 0;
};

// An MCP-like server: initialize (assigns Mcp-Session-Id "session-1"), tools/list (the given tools), tools/call
// (answers "called <name>"), notifications (202), batches; as application/json, or as SSE when `sse` is set.
RecordingUpstream::Handler mcpLikeServer(std::vector<std::string> tools, bool sse = false);

// One SSE event carrying a JSON-RPC message, as server-everything writes it.
std::string sseMessage(const nlohmann::json& message);

}  // namespace warden::sidecar::testing
