#pragma once

// The admission webhooks' HTTPS endpoint (cpprestsdk listener over OpenSSL): POST routes whose handlers turn a
// request body into a response. The serving certificate can be replaced at any time; each new TLS handshake uses
// the current one (rotation without a restart or a dropped request). Until a certificate is set, handshakes fail.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace warden::op {

struct WebhookResponse {
  int status = 200;
  std::string body;
  std::string contentType = "application/json";
};
// Must not throw (a throw is answered 500 and logged).
using WebhookHandler = std::function<WebhookResponse(const std::string& body)>;

struct WebhookServerOptions {
  std::string address = "0.0.0.0";
  std::uint16_t port = 9443;
  std::size_t maxBodyBytes = 3 * 1024 * 1024;  // the API server sends at most 3 MiB objects
};

class WebhookServer {
 public:
  // nullptr with *error when the port cannot be opened.
  static std::unique_ptr<WebhookServer> start(WebhookServerOptions options,
                                              std::map<std::string, WebhookHandler> routes, std::string* error);
  ~WebhookServer();
  WebhookServer(const WebhookServer&) = delete;
  WebhookServer& operator=(const WebhookServer&) = delete;

  // Certificate chain (leaf first) and key in PEM. False with *error when they do not parse or do not match.
  bool setCertificate(const std::string& certPem, const std::string& keyPem, std::string* error);
  bool hasCertificate() const;
  void stop();

  struct Impl;

 private:
  explicit WebhookServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace warden::op
