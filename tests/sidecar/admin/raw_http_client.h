#pragma once

// Test helper: a plain blocking TCP client on 127.0.0.1 with bounded waits, and a minimal HTTP/1.1 response reader
// (status, headers, Content-Length body), so tests see exactly the bytes the server sends.

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace warden::sidecar::testing {

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

class RawHttpClient {
 public:
  explicit RawHttpClient(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawHttpClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawHttpClient(const RawHttpClient&) = delete;
  RawHttpClient& operator=(const RawHttpClient&) = delete;

  bool connected() const { return connected_; }

  bool send(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }

  // One response; nullopt on timeout, EOF or error before it was complete. `head`: the request was HEAD (no body).
  std::optional<RawResponse> readResponse(std::chrono::milliseconds timeout = std::chrono::seconds(5),
                                          bool head = false) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::size_t headerEnd;
    while ((headerEnd = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill(deadline)) return std::nullopt;
    }
    RawResponse r;
    const std::string head_ = buffer_.substr(0, headerEnd);
    std::size_t lineEnd = head_.find("\r\n");
    const std::string statusLine = head_.substr(0, lineEnd);
    if (statusLine.size() < 12) return std::nullopt;
    r.status = std::stoi(statusLine.substr(9, 3));
    while (lineEnd != std::string::npos) {
      const std::size_t next = head_.find("\r\n", lineEnd + 2);
      const std::string line =
          head_.substr(lineEnd + 2, next == std::string::npos ? std::string::npos : next - lineEnd - 2);
      const auto colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::string value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        r.headers[name] = value;
      }
      lineEnd = next;
    }
    buffer_.erase(0, headerEnd + 4);
    std::size_t length = 0;
    if (auto it = r.headers.find("content-length"); it != r.headers.end()) length = std::stoul(it->second);
    if (head) length = 0;
    while (buffer_.size() < length) {
      if (!fill(deadline)) return std::nullopt;
    }
    r.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return r;
  }

  std::optional<RawResponse> get(const std::string& target, const std::string& extraHeaders = "") {
    if (!send("GET " + target + " HTTP/1.1\r\nHost: test\r\n" + extraHeaders + "\r\n")) return std::nullopt;
    return readResponse();
  }

  // True when the server closes the connection (EOF or reset) within `timeout`; bytes that arrive are dropped.
  bool closedWithin(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char b[4096];
    for (;;) {
      const ssize_t n = receive(deadline, b, sizeof b);
      if (n == 0 || (n < 0 && errno == ECONNRESET)) return true;
      if (n < 0) return false;
    }
  }

 private:
  bool fill(std::chrono::steady_clock::time_point deadline) {
    char b[4096];
    const ssize_t n = receive(deadline, b, sizeof b);
    if (n <= 0) return false;
    buffer_.append(b, static_cast<std::size_t>(n));
    return true;
  }

  // recv() once data or EOF arrive before `deadline`; -1 with errno ETIMEDOUT when nothing does.
  ssize_t receive(std::chrono::steady_clock::time_point deadline, char* b, std::size_t size) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fd_, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      errno = ETIMEDOUT;
      return -1;
    }
    return ::recv(fd_, b, size, 0);
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string buffer_;
};

}  // namespace warden::sidecar::testing
