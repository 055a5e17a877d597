#include "https_test_server.h"

#include "sidecar/common/asio.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>

#include <array>
#include <cctype>
#include <set>
#include <stdexcept>
#include <string_view>
#include <thread>

namespace warden::op::testing {
namespace {

namespace asio = sidecar::asio;
namespace http = sidecar::http;
using sidecar::error_code;
using sidecar::tcp;
using TlsStream = asio::ssl::stream<tcp::socket>;

std::string percentDecode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::string commonNameOf(SSL* ssl) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr) return {};
  std::array<char, 256> name{};
  const int length = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, name.data(),
                                               static_cast<int>(name.size()));
  X509_free(cert);
  return length > 0 ? std::string(name.data(), static_cast<std::size_t>(length)) : std::string();
}

}  // namespace

void Gate::open() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    open_ = true;
  }
  cv_.notify_all();
}

bool Gate::wait(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  return cv_.wait_for(lock, timeout, [this] { return open_; });
}

bool Gate::isOpen() {
  std::lock_guard<std::mutex> lock(mutex_);
  return open_;
}

std::string RecordedRequest::path() const { return target.substr(0, target.find('?')); }

std::optional<std::string> RecordedRequest::query(const std::string& name) const {
  const std::size_t mark = target.find('?');
  if (mark == std::string::npos) return std::nullopt;
  std::string_view rest = std::string_view(target).substr(mark + 1);
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const std::size_t eq = pair.find('=');
    if (percentDecode(pair.substr(0, eq)) == name) {
      return eq == std::string_view::npos ? std::string() : percentDecode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

std::string RecordedRequest::header(const std::string& lowerCaseName) const {
  auto it = headers.find(lowerCaseName);
  return it == headers.end() ? std::string() : it->second;
}

struct HttpsTestServer::Impl {
  explicit Impl(Handler h) : handler(std::move(h)) {}

  Handler handler;
  asio::io_context io;
  asio::ssl::context tls{asio::ssl::context::tls_server};
  tcp::acceptor acceptor{io};
  std::thread acceptThread;

  mutable std::mutex mutex;
  std::condition_variable changed;
  std::vector<RecordedRequest> requests;
  std::size_t handshakeFailures = 0;
  std::size_t closedWhileHanging = 0;
  std::vector<std::thread> connections;
  std::set<int> liveSockets;
  bool stopping = false;

  void acceptLoop() {
    for (;;) {
      tcp::socket socket(io);
      error_code ec;
      acceptor.accept(socket, ec);
      std::lock_guard<std::mutex> lock(mutex);
      if (stopping) return;
      if (ec) continue;
      liveSockets.insert(socket.native_handle());
      connections.emplace_back([this, s = std::move(socket)]() mutable { serve(std::move(s)); });
    }
  }

  void note(const std::function<void()>& change) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      change();
    }
    changed.notify_all();
  }

  void serve(tcp::socket socket) {
    const int fd = socket.native_handle();
    {
      TlsStream stream(std::move(socket), tls);
      converse(stream);
      // Unregistered before the descriptor closes, so the destructor never shuts down a reused number.
      std::lock_guard<std::mutex> lock(mutex);
      liveSockets.erase(fd);
    }
  }

  void converse(TlsStream& stream) {
    error_code ec;
    stream.handshake(asio::ssl::stream_base::server, ec);
    if (ec) {
      note([this] { ++handshakeFailures; });
      return;
    }
    const std::string clientName = commonNameOf(stream.native_handle());
    sidecar::beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> request;
      http::read(stream, buffer, request, ec);
      if (ec) return;
      RecordedRequest recorded;
      recorded.method = std::string(request.method_string());
      recorded.target = std::string(request.target());
      for (const auto& field : request) {
        std::string name(field.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        recorded.headers[name] = std::string(field.value());
      }
      recorded.body = request.body();
      recorded.clientCommonName = clientName;
      note([&] { requests.push_back(recorded); });
      const ScriptedReply reply = handler(recorded);
      // A gate that never opens drops the connection: the client sees a failure, and the test with it.
      if (reply.waitBeforeAnswer && !reply.waitBeforeAnswer->wait()) return;
      if (reply.noAnswer) return;
      if (!answer(stream, request.keep_alive(), reply)) return;
    }
  }

  // False when the connection is done.
  bool answer(TlsStream& stream, bool keepAlive, const ScriptedReply& reply) {
    error_code ec;
    if (!reply.streamed) {
      http::response<http::string_body> response{static_cast<http::status>(reply.status), 11};
      if (!reply.reason.empty()) response.reason(reply.reason);
      if (!reply.contentType.empty()) response.set(http::field::content_type, reply.contentType);
      for (const auto& [name, value] : reply.headers) response.set(name, value);
      response.body() = reply.body;
      response.keep_alive(keepAlive);
      response.prepare_payload();
      http::write(stream, response, ec);
      return !ec && keepAlive;
    }
    http::response<http::empty_body> response{static_cast<http::status>(reply.status), 11};
    if (!reply.contentType.empty()) response.set(http::field::content_type, reply.contentType);
    for (const auto& [name, value] : reply.headers) response.set(name, value);
    response.chunked(true);
    response.keep_alive(keepAlive);
    http::response_serializer<http::empty_body> serializer{response};
    http::write_header(stream, serializer, ec);
    for (const auto& step : reply.steps) {
      if (ec) return false;
      if (step.waitFor && !step.waitFor->wait()) {
        ::shutdown(stream.lowest_layer().native_handle(), SHUT_RDWR);
        return false;
      }
      if (!step.data.empty()) asio::write(stream, http::make_chunk(asio::buffer(step.data)), ec);
    }
    if (ec) return false;
    switch (reply.end) {
      case ScriptedReply::End::Finish:
        asio::write(stream, http::make_chunk_last(), ec);
        return !ec && keepAlive;
      case ScriptedReply::End::Drop:
        ::shutdown(stream.lowest_layer().native_handle(), SHUT_RDWR);
        return false;
      case ScriptedReply::End::Hang: {
        std::array<char, 512> sink{};
        while (!ec) stream.read_some(asio::buffer(sink), ec);
        note([this] {
          if (!stopping) ++closedWhileHanging;
        });
        return false;
      }
    }
    return false;
  }
};

HttpsTestServer::HttpsTestServer(HttpsServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(handler))) {
  auto& tls = impl_->tls;
  tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                  asio::ssl::context::no_sslv3);
  tls.use_certificate_chain(asio::buffer(options.certificatePem));
  tls.use_private_key(asio::buffer(options.keyPem), asio::ssl::context::pem);
  if (!options.clientCaPem.empty()) {
    tls.add_certificate_authority(asio::buffer(options.clientCaPem));
    tls.set_verify_mode(asio::ssl::verify_peer);  // optional: a client without a certificate still gets in
  }
  auto& acceptor = impl_->acceptor;
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  acceptor.open(endpoint.protocol());
  acceptor.bind(endpoint);
  acceptor.listen();
  port_ = acceptor.local_endpoint().port();
  impl_->acceptThread = std::thread([this] { impl_->acceptLoop(); });
}

HttpsTestServer::~HttpsTestServer() {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->stopping = true;
    // Wakes the blocking accept (Linux answers EINVAL).
    ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);
  }
  impl_->acceptThread.join();
  std::vector<std::thread> connections;
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    for (int fd : impl_->liveSockets) ::shutdown(fd, SHUT_RDWR);
    connections.swap(impl_->connections);
  }
  for (auto& thread : connections) thread.join();
}

std::vector<RecordedRequest> HttpsTestServer::requests() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->requests;
}

std::size_t HttpsTestServer::handshakeFailures() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->handshakeFailures;
}

std::size_t HttpsTestServer::closedByClientWhileHanging() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->closedWhileHanging;
}

bool HttpsTestServer::waitUntil(const std::function<bool()>& predicate, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (predicate()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::unique_lock<std::mutex> lock(impl_->mutex);
    impl_->changed.wait_for(lock, std::chrono::milliseconds(20));
  }
}

}  // namespace warden::op::testing
