#pragma once

// An mTLS client for the proxy's component tests that sees bytes as they arrive and never blocks beyond a deadline:
// a test can check what reached it while the upstream holds the rest back (streaming), or that the proxy closed a
// connection (timeouts, cut responses, drains), and fails rather than hangs when the proxy misbehaves.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <openssl/ssl.h>

#include "sidecar/identity/svid.h"

namespace warden::sidecar::testing {

class RawTlsClient {
 public:
  enum class Read { Matched, Closed, TimedOut };

  RawTlsClient(unsigned short port, const X509Svid& svid, const TrustBundles& trust);
  ~RawTlsClient();
  RawTlsClient(const RawTlsClient&) = delete;
  RawTlsClient& operator=(const RawTlsClient&) = delete;

  // TCP connect and TLS handshake; "" on success, else why it failed.
  std::string connect(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Sends bytes (connecting first if needed); false when the connection is gone.
  bool send(std::string_view bytes, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Reads until `done(received())` holds, the server closes the connection, or `timeout` passes.
  Read readUntil(const std::function<bool(const std::string&)>& done, std::chrono::milliseconds timeout);
  Read readUntilContains(std::string_view needle, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Reads until the server closes the connection (Closed) or `timeout` passes (TimedOut).
  Read readUntilClosed(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Everything received so far (TLS-decrypted).
  const std::string& received() const { return received_; }
  bool closed() const { return closed_; }

 private:
  using Deadline = std::chrono::steady_clock::time_point;
  bool flush(Deadline deadline);
  Read fill(Deadline deadline);

  unsigned short port_;
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx_;
  SSL* ssl_ = nullptr;
  BIO* in_ = nullptr;   // socket -> TLS (owned by ssl_)
  BIO* out_ = nullptr;  // TLS -> socket (owned by ssl_)
  int fd_ = -1;
  std::string received_;
  bool closed_ = false;
};

// A request as bytes: the given headers, then Host and (with a body) Content-Length.
std::string httpRequest(const std::string& method, const std::string& target, const std::string& body,
                        const std::map<std::string, std::string>& headers = {});
// A POST to /mcp as an MCP client sends it (JSON body, accepting JSON and SSE), plus `headers`.
std::string mcpPost(const std::string& body, std::map<std::string, std::string> headers = {});

// A response read from raw bytes: status, headers (lower-case names), the body (chunked or Content-Length decoded)
// and whether the message is complete (final chunk, or the whole Content-Length, seen).
struct RawHttpMessage {
  unsigned status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
  bool complete = false;
};
std::optional<RawHttpMessage> parseHttpResponse(std::string_view bytes);

}  // namespace warden::sidecar::testing
