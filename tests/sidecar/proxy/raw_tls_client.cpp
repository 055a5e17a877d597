#include "raw_tls_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdlib>

namespace warden::sidecar::testing {
namespace {

using Clock = std::chrono::steady_clock;

int remainingMs(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 60'000));
}

// poll() for `events` until the deadline: true when ready (or in error, which the next call reports).
bool waitFor(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int r = ::poll(&p, 1, remainingMs(deadline));
    if (r > 0) return true;
    if (r == 0) return false;
    if (errno != EINTR) return true;
  }
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

RawTlsClient::RawTlsClient(unsigned short port, const X509Svid& svid, const TrustBundles& trust)
    : port_(port), ctx_(SSL_CTX_new(TLS_client_method()), &SSL_CTX_free) {
  SSL_CTX* ctx = ctx_.get();
  SSL_CTX_use_certificate(ctx, svid.chain.front().get());
  for (std::size_t i = 1; i < svid.chain.size(); ++i) SSL_CTX_add1_chain_cert(ctx, svid.chain[i].get());
  SSL_CTX_use_PrivateKey(ctx, svid.privateKey.get());
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  for (const auto& [td, cas] : trust) {
    for (const auto& ca : cas) X509_STORE_add_cert(store, ca.get());
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
}

RawTlsClient::~RawTlsClient() {
  if (ssl_ != nullptr) SSL_free(ssl_);
  if (fd_ >= 0) ::close(fd_);
}

std::string RawTlsClient::connect(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return "socket failed";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port_);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (errno != EINPROGRESS) return "connect failed";
    if (!waitFor(fd_, POLLOUT, deadline)) return "connect timed out";
    int error = 0;
    socklen_t length = sizeof error;
    ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) return "connect failed";
  }
  ssl_ = SSL_new(ctx_.get());
  in_ = BIO_new(BIO_s_mem());
  out_ = BIO_new(BIO_s_mem());
  BIO_set_mem_eof_return(in_, -1);  // empty means "more to come", not end of stream
  SSL_set_bio(ssl_, in_, out_);
  SSL_set_connect_state(ssl_);
  for (;;) {
    const int r = SSL_do_handshake(ssl_);
    if (!flush(deadline)) return "handshake: connection lost";
    if (r == 1) return "";
    if (SSL_get_error(ssl_, r) != SSL_ERROR_WANT_READ) return "handshake failed";
    const auto got = fill(deadline);
    if (got == Read::TimedOut) return "handshake timed out";
    if (got == Read::Closed) return "handshake: connection closed";
  }
}

bool RawTlsClient::flush(Deadline deadline) {
  std::array<char, 16 * 1024> chunk;
  while (BIO_ctrl_pending(out_) > 0) {
    const int n = BIO_read(out_, chunk.data(), static_cast<int>(chunk.size()));
    if (n <= 0) return false;
    std::size_t sent = 0;
    while (sent < static_cast<std::size_t>(n)) {
      const ssize_t w = ::send(fd_, chunk.data() + sent, static_cast<std::size_t>(n) - sent, MSG_NOSIGNAL);
      if (w > 0) {
        sent += static_cast<std::size_t>(w);
      } else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
        if (!waitFor(fd_, POLLOUT, deadline)) return false;
      } else {
        return false;
      }
    }
  }
  return true;
}

RawTlsClient::Read RawTlsClient::fill(Deadline deadline) {
  std::array<char, 16 * 1024> chunk;
  for (;;) {
    const ssize_t n = ::recv(fd_, chunk.data(), chunk.size(), 0);
    if (n > 0) {
      BIO_write(in_, chunk.data(), static_cast<int>(n));
      return Read::Matched;
    }
    if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
      closed_ = true;
      return Read::Closed;
    }
    if (!waitFor(fd_, POLLIN, deadline)) return Read::TimedOut;
  }
}

bool RawTlsClient::send(std::string_view bytes, std::chrono::milliseconds timeout) {
  if (ssl_ == nullptr && !connect(timeout).empty()) return false;
  if (closed_) return false;
  const auto deadline = Clock::now() + timeout;
  const int n = SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size()));
  return n == static_cast<int>(bytes.size()) && flush(deadline);
}

RawTlsClient::Read RawTlsClient::readUntil(const std::function<bool(const std::string&)>& done,
                                           std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::array<char, 16 * 1024> chunk;
  for (;;) {
    if (done(received_)) return Read::Matched;
    if (ssl_ == nullptr || closed_) return Read::Closed;
    const int n = SSL_read(ssl_, chunk.data(), static_cast<int>(chunk.size()));
    if (n > 0) {
      received_.append(chunk.data(), static_cast<std::size_t>(n));
      continue;
    }
    if (SSL_get_error(ssl_, n) != SSL_ERROR_WANT_READ) {
      closed_ = true;  // close_notify, or a TLS failure: nothing more will come
      return done(received_) ? Read::Matched : Read::Closed;
    }
    if (!flush(deadline)) {
      closed_ = true;
      return Read::Closed;
    }
    const auto got = fill(deadline);
    if (got == Read::Matched) continue;
    if (got == Read::Closed) {
      // Whatever the last bytes completed is still readable.
      for (int more; (more = SSL_read(ssl_, chunk.data(), static_cast<int>(chunk.size()))) > 0;) {
        received_.append(chunk.data(), static_cast<std::size_t>(more));
      }
      return done(received_) ? Read::Matched : Read::Closed;
    }
    return done(received_) ? Read::Matched : Read::TimedOut;
  }
}

RawTlsClient::Read RawTlsClient::readUntilContains(std::string_view needle, std::chrono::milliseconds timeout) {
  return readUntil([needle](const std::string& r) { return r.find(needle) != std::string::npos; }, timeout);
}

RawTlsClient::Read RawTlsClient::readUntilClosed(std::chrono::milliseconds timeout) {
  return readUntil([](const std::string&) { return false; }, timeout);
}

std::string httpRequest(const std::string& method, const std::string& target, const std::string& body,
                        const std::map<std::string, std::string>& headers) {
  std::string out = method + " " + target + " HTTP/1.1\r\nHost: localhost\r\n";
  for (const auto& [k, v] : headers) out += k + ": " + v + "\r\n";
  if (!body.empty() || method == "POST") out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  return out + "\r\n" + body;
}

std::string mcpPost(const std::string& body, std::map<std::string, std::string> headers) {
  headers.try_emplace("Content-Type", "application/json");
  headers.try_emplace("Accept", "application/json, text/event-stream");
  return httpRequest("POST", "/mcp", body, headers);
}

std::optional<RawHttpMessage> parseHttpResponse(std::string_view bytes) {
  const auto headEnd = bytes.find("\r\n\r\n");
  if (headEnd == std::string_view::npos || bytes.substr(0, 9) != "HTTP/1.1 ") return std::nullopt;
  RawHttpMessage out;
  out.status = static_cast<unsigned>(std::atoi(std::string(bytes.substr(9, 3)).c_str()));
  std::string_view head = bytes.substr(0, headEnd);
  for (auto pos = head.find("\r\n"); pos != std::string_view::npos;) {
    const auto next = head.find("\r\n", pos + 2);
    const auto line = head.substr(pos + 2, next == std::string_view::npos ? std::string_view::npos : next - pos - 2);
    if (const auto colon = line.find(':'); colon != std::string_view::npos) {
      auto value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      out.headers[lower(std::string(line.substr(0, colon)))] = std::string(value);
    }
    pos = next;
  }
  std::string_view rest = bytes.substr(headEnd + 4);
  if (out.headers["transfer-encoding"] != "chunked") {
    const auto length = static_cast<std::size_t>(std::atoll(out.headers["content-length"].c_str()));
    out.body = std::string(rest.substr(0, length));
    out.complete = rest.size() >= length;
    return out;
  }
  for (;;) {
    const auto lineEnd = rest.find("\r\n");
    if (lineEnd == std::string_view::npos) return out;
    const auto size = std::strtoull(std::string(rest.substr(0, lineEnd)).c_str(), nullptr, 16);
    if (size == 0) {
      out.complete = rest.substr(lineEnd + 2, 2) == "\r\n";
      return out;
    }
    if (rest.size() < lineEnd + 2 + size + 2) {
      out.body.append(rest.substr(lineEnd + 2, std::min<std::size_t>(size, rest.size() - lineEnd - 2)));
      return out;
    }
    out.body.append(rest.substr(lineEnd + 2, size));
    rest.remove_prefix(lineEnd + 2 + size + 2);
  }
}

}  // namespace warden::sidecar::testing
