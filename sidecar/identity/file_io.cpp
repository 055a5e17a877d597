#include "sidecar/identity/file_io.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace warden::sidecar {
namespace {

// Closes the descriptor on every path.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  // close(2) can report a failed write-back; callers that wrote must see it.
  bool close() {
    const int fd = fd_;
    fd_ = -1;
    return ::close(fd) == 0;
  }

 private:
  int fd_;
};

std::string errnoText(int code) { return std::strerror(code); }

// A name no other writer picks: 64 random bits.
std::string temporaryName(const std::string& path) {
  std::array<unsigned char, 8> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    bytes.fill(0);
    const auto pid = static_cast<unsigned long>(::getpid());
    std::memcpy(bytes.data(), &pid, std::min(sizeof pid, bytes.size()));
  }
  std::string suffix;
  for (unsigned char b : bytes) {
    char hex[3];
    std::snprintf(hex, sizeof hex, "%02x", b);
    suffix += hex;
  }
  return path + ".tmp-" + suffix;
}

}  // namespace

std::optional<std::string> readFileBounded(const std::string& path, std::size_t maxBytes, std::string* error) {
  try {
    FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
      *error = "cannot read " + path + ": " + errnoText(errno);
      return std::nullopt;
    }
    struct stat info {};
    if (::fstat(fd.get(), &info) != 0) {
      *error = "cannot read " + path + ": " + errnoText(errno);
      return std::nullopt;
    }
    if (!S_ISREG(info.st_mode)) {
      *error = "cannot read " + path + ": not a regular file";
      return std::nullopt;
    }
    std::string content;
    std::array<char, 16 * 1024> buffer{};
    for (;;) {
      const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        *error = "cannot read " + path + ": " + errnoText(errno);
        return std::nullopt;
      }
      if (n == 0) break;
      content.append(buffer.data(), static_cast<std::size_t>(n));
      if (content.size() > maxBytes) {
        *error = path + " is larger than " + std::to_string(maxBytes) + " bytes";
        return std::nullopt;
      }
    }
    return content;
  } catch (const std::exception& e) {
    *error = "cannot read " + path + ": " + e.what();
    return std::nullopt;
  }
}

bool writeFileAtomically(const std::string& path, std::string_view content, mode_t mode, std::string* error) {
  try {
    const std::string temporary = temporaryName(path);
    FileDescriptor fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode));
    if (fd.get() < 0) {
      *error = "cannot write " + path + ": " + errnoText(errno);
      return false;
    }
    auto failed = [&](const std::string& what, int code) {
      ::unlink(temporary.c_str());
      *error = "cannot write " + path + ": " + what + errnoText(code);
      return false;
    };
    if (::fchmod(fd.get(), mode) != 0) return failed("", errno);
    for (std::size_t written = 0; written < content.size();) {
      const ssize_t n = ::write(fd.get(), content.data() + written, content.size() - written);
      if (n < 0) {
        if (errno == EINTR) continue;
        return failed("", errno);
      }
      written += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0) return failed("fsync: ", errno);
    if (!fd.close()) return failed("close: ", errno);
    if (::rename(temporary.c_str(), path.c_str()) != 0) return failed("rename: ", errno);
    return true;
  } catch (const std::exception& e) {
    *error = "cannot write " + path + ": " + e.what();
    return false;
  }
}

}  // namespace warden::sidecar
