#include "operator/webhooks/webhook_server.h"

#include <mutex>
#include <vector>

#include <boost/asio/ssl.hpp>
#include <cpprest/containerstream.h>
#include <cpprest/http_listener.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "sidecar/common/logging.h"
#include "sidecar/identity/openssl_ptr.h"
#include "sidecar/identity/svid.h"

namespace warden::op {

namespace http = web::http;
using http::experimental::listener::http_listener;
using http::experimental::listener::http_listener_config;

namespace {

// What the handshakes use now; swapped whole under the mutex.
struct CertState {
  mutable std::mutex mu;
  std::vector<sidecar::X509Ptr> chain;
  sidecar::EvpPkeyPtr key;
};

// OpenSSL's per-handshake certificate callback: installs the current certificate on the connection.
int useCurrentCertificate(SSL* ssl, void* arg) {
  const auto* state = static_cast<const CertState*>(arg);
  std::lock_guard lock(state->mu);
  if (state->chain.empty() || !state->key) return 0;  // no certificate yet: fail the handshake
  if (SSL_use_certificate(ssl, state->chain.front().get()) != 1) return 0;
  if (SSL_use_PrivateKey(ssl, state->key.get()) != 1) return 0;
  SSL_clear_chain_certs(ssl);
  for (std::size_t i = 1; i < state->chain.size(); ++i)
    if (SSL_add1_chain_cert(ssl, state->chain[i].get()) != 1) return 0;
  return 1;
}

void reply(const http::http_request& request, int status, const std::string& body,
           const std::string& contentType = "application/json") {
  // The body goes in as a byte stream: cpprest's string bodies read `char` data through an `unsigned char`
  // stream buffer, which UBSan rightly reports.
  http::http_response response(static_cast<http::status_code>(status));
  std::vector<unsigned char> bytes(body.begin(), body.end());
  const auto length = bytes.size();
  response.set_body(concurrency::streams::bytestream::open_istream(std::move(bytes)), length, contentType);
  request.reply(response).then([](pplx::task<void> t) {
    try {
      t.get();
    } catch (const std::exception&) {
      // The API server went away (its timeout): nothing to answer to.
    }
  });
}

std::string errorBody(const std::string& message) { return nlohmann::json{{"error", message}}.dump(); }

}  // namespace

struct WebhookServer::Impl {
  WebhookServerOptions options;
  std::map<std::string, WebhookHandler> routes;
  std::shared_ptr<CertState> certs = std::make_shared<CertState>();
  std::unique_ptr<http_listener> listener;

  void handle(http::http_request request) {
    const std::string path = request.relative_uri().path();
    auto route = routes.find(path);
    if (route == routes.end()) return reply(request, 404, errorBody("no webhook at " + path));
    if (request.method() != http::methods::POST) return reply(request, 405, errorBody("use POST"));
    const auto length = request.headers().content_length();
    if (length > options.maxBodyBytes)
      return reply(request, 413, errorBody("request body over " + std::to_string(options.maxBodyBytes) + " bytes"));
    const WebhookHandler& handler = route->second;
    const std::size_t limit = options.maxBodyBytes;
    request.extract_vector()
        .then([request, &handler, limit, path](pplx::task<std::vector<unsigned char>> body) {
          try {
            auto bytes = body.get();
            if (bytes.size() > limit)
              return reply(request, 413, errorBody("request body over " + std::to_string(limit) + " bytes"));
            WebhookResponse response = handler(std::string(bytes.begin(), bytes.end()));
            reply(request, response.status, response.body, response.contentType);
          } catch (const std::exception& e) {
            sidecar::logError("webhook handler failed", {{"path", path}, {"error", e.what()}});
            reply(request, 500, errorBody("internal error"));
          }
        });
  }
};

WebhookServer::WebhookServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

WebhookServer::~WebhookServer() { stop(); }

std::unique_ptr<WebhookServer> WebhookServer::start(WebhookServerOptions options,
                                                    std::map<std::string, WebhookHandler> routes,
                                                    std::string* error) {
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->routes = std::move(routes);
  std::shared_ptr<CertState> certs = impl->certs;
  http_listener_config config;
  config.set_timeout(std::chrono::seconds(30));
  config.set_ssl_context_callback([certs](boost::asio::ssl::context& ctx) {
    SSL_CTX* native = ctx.native_handle();
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    SSL_CTX_set_cert_cb(native, useCurrentCertificate, certs.get());
  });
  const std::string uri = "https://" + impl->options.address + ":" + std::to_string(impl->options.port);
  try {
    impl->listener = std::make_unique<http_listener>(web::uri(uri), config);
    Impl* raw = impl.get();
    impl->listener->support([raw](http::http_request request) { raw->handle(std::move(request)); });
    impl->listener->open().wait();
  } catch (const std::exception& e) {
    *error = "cannot listen on " + uri + ": " + e.what();
    return nullptr;
  }
  return std::unique_ptr<WebhookServer>(new WebhookServer(std::move(impl)));
}

bool WebhookServer::setCertificate(const std::string& certPem, const std::string& keyPem, std::string* error) {
  std::string why;
  auto chain = sidecar::parsePemCertificates(certPem, &why);
  if (!chain || chain->empty()) {
    *error = "serving certificate unreadable" + (why.empty() ? "" : ": " + why);
    return false;
  }
  auto key = sidecar::parsePemPrivateKey(keyPem, &why);
  if (!key) {
    *error = "serving key unreadable" + (why.empty() ? "" : ": " + why);
    return false;
  }
  if (X509_check_private_key(chain->front().get(), key.get()) != 1) {
    *error = "serving key does not match the certificate";
    return false;
  }
  std::lock_guard lock(impl_->certs->mu);
  impl_->certs->chain = std::move(*chain);
  impl_->certs->key = std::move(key);
  return true;
}

bool WebhookServer::hasCertificate() const {
  std::lock_guard lock(impl_->certs->mu);
  return !impl_->certs->chain.empty();
}

void WebhookServer::stop() {
  if (!impl_ || !impl_->listener) return;
  try {
    impl_->listener->close().wait();
  } catch (const std::exception&) {
    // Closing a listener whose port vanished: nothing left to release.
  }
  impl_->listener.reset();
}

}  // namespace warden::op
