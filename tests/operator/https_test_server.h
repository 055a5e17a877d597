#pragma once

// A stand-in for the API server's transport in HttpKubeClient's tests: HTTPS on 127.0.0.1 (Boost.Beast over
// OpenSSL), one thread per connection, that records every request (with the client certificate it was sent over)
// and answers what the test's handler scripts: a body, a chunked stream paced by gates the test opens, a dropped
// connection. It knows nothing of Kubernetes; the tests script the API server's answers.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace warden::op::testing {

// A one-way latch a streamed reply waits on before its next chunk; waits are bounded so a failing test ends.
class Gate {
 public:
  void open();
  // True when opened within `timeout`.
  bool wait(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  bool isOpen();

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool open_ = false;
};

struct RecordedRequest {
  std::string method;
  std::string target;                          // path and query, as sent
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string clientCommonName;  // of the verified client certificate; "" when none was presented

  std::string path() const;
  // A query parameter, percent-decoded; nullopt when absent.
  std::optional<std::string> query(const std::string& name) const;
  std::string header(const std::string& lowerCaseName) const;
};

struct StreamStep {
  std::shared_ptr<Gate> waitFor;  // null: send at once; a wait that times out drops the connection
  std::string data;               // one chunk ("" sends nothing)
};

struct ScriptedReply {
  enum class End {
    Finish,  // the terminating chunk: the watch ended (timeoutSeconds)
    Hang,    // nothing more: wait until the client closes the connection (or the server stops)
    Drop,    // close the TCP connection mid-stream, without the terminating chunk
  };

  unsigned status = 200;
  std::string reason;  // "" : the standard phrase
  std::string contentType = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool noAnswer = false;  // close the connection without answering
  std::shared_ptr<Gate> waitBeforeAnswer;  // hold the answer until it opens; a wait that times out: noAnswer
  bool streamed = false;  // chunked transfer of `steps` instead of `body`
  std::vector<StreamStep> steps;
  End end = End::Finish;
};

struct HttpsServerOptions {
  std::string certificatePem, keyPem;
  std::string clientCaPem;  // non-empty: ask for a client certificate (optional) and verify it against this
};

class HttpsTestServer {
 public:
  using Handler = std::function<ScriptedReply(const RecordedRequest&)>;

  HttpsTestServer(HttpsServerOptions options, Handler handler);
  ~HttpsTestServer();
  HttpsTestServer(const HttpsTestServer&) = delete;
  HttpsTestServer& operator=(const HttpsTestServer&) = delete;

  unsigned short port() const { return port_; }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }

  std::vector<RecordedRequest> requests() const;
  std::size_t handshakeFailures() const;
  // Connections whose client closed them while a reply with End::Hang was waiting.
  std::size_t closedByClientWhileHanging() const;
  // Waits (bounded) until `predicate` holds for the server's state; false on timeout.
  bool waitUntil(const std::function<bool()>& predicate, std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  unsigned short port_ = 0;
};

}  // namespace warden::op::testing
