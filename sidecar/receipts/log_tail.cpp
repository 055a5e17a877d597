#include "sidecar/receipts/log_tail.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "sidecar/receipts/receipt.h"

namespace warden::sidecar {
namespace {

constexpr std::uint64_t kChunkBytes = 64 * 1024;

bool preadAll(int fd, char* data, std::size_t size, std::uint64_t offset, std::string* error) {
  while (size > 0) {
    const ssize_t n = pread(fd, data, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *error = std::string("read failed: ") + std::strerror(errno);
      return false;
    }
    if (n == 0) {
      *error = "the file became shorter while it was being read";
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
  return true;
}

}  // namespace

std::optional<LogTail> readLogTail(int fd, std::uint64_t size, std::string* error) {
  // At most a torn line, a "\n", a complete line and the "\n" before it are needed.
  const std::uint64_t limit = 2 * kMaxReceiptLineBytes + 2;
  std::string buffer;  // the file's bytes from `start` to the end
  std::uint64_t start = size;
  for (;;) {
    const auto last = buffer.rfind('\n');
    if (last != std::string::npos) {
      const auto before = last == 0 ? std::string::npos : buffer.rfind('\n', last - 1);
      if (before != std::string::npos || start == 0) {
        const std::size_t lineStart = before == std::string::npos ? 0 : before + 1;
        LogTail tail;
        tail.lastLine = buffer.substr(lineStart, last - lineStart);
        tail.torn = buffer.substr(last + 1);
        if (tail.lastLine->size() > kMaxReceiptLineBytes || tail.torn.size() > kMaxReceiptLineBytes) break;
        return tail;
      }
    } else if (start == 0) {
      if (buffer.size() > kMaxReceiptLineBytes) break;
      return LogTail{std::nullopt, std::move(buffer)};
    }
    if (size - start >= limit) break;
    const std::uint64_t chunk = std::min(kChunkBytes, start);
    start -= chunk;
    std::string bytes(chunk, '\0');
    if (!preadAll(fd, bytes.data(), bytes.size(), start, error)) return std::nullopt;
    buffer.insert(0, bytes);
  }
  *error = "its last line is longer than " + std::to_string(kMaxReceiptLineBytes) + " bytes (not a receipt)";
  return std::nullopt;
}

}  // namespace warden::sidecar
