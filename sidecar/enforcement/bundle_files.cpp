#include "sidecar/enforcement/bundle_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

namespace warden::sidecar {
namespace {

constexpr int kSnapshotAttempts = 3;

struct FileRead {
  bool found = false;
  std::string bytes;
  std::string error;  // set when found but unreadable (or a read error other than "not there")
};

// Reads a regular file of at most `maxBytes`. "Not found" is not an error here: callers decide what it means.
FileRead readFile(const std::string& path, const std::string& shownPath, std::size_t maxBytes) {
  FileRead r;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);  // a FIFO must not block us
  if (fd < 0) {
    if (errno != ENOENT && errno != ENOTDIR) r.error = "cannot open " + shownPath + ": " + std::strerror(errno);
    return r;
  }
  r.found = true;
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    r.error = "cannot stat " + shownPath + ": " + std::strerror(errno);
  } else if (!S_ISREG(st.st_mode)) {
    r.error = shownPath + " is not a regular file";
  } else if (static_cast<std::size_t>(st.st_size) > maxBytes) {
    r.error = shownPath + " is larger than " + std::to_string(maxBytes) + " bytes";
  } else {
    char buffer[64 * 1024];
    for (;;) {
      const ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n < 0) {
        if (errno == EINTR) continue;
        r.error = "cannot read " + shownPath + ": " + std::strerror(errno);
        break;
      }
      if (n == 0) break;
      // The file may grow while it is read.
      if (r.bytes.size() + static_cast<std::size_t>(n) > maxBytes) {
        r.error = shownPath + " is larger than " + std::to_string(maxBytes) + " bytes";
        break;
      }
      r.bytes.append(buffer, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  if (!r.error.empty()) r.bytes.clear();
  return r;
}

std::string trimmed(const std::string& s) {
  const auto isSpace = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  std::size_t begin = 0, end = s.size();
  while (begin < end && isSpace(s[begin])) ++begin;
  while (end > begin && isSpace(s[end - 1])) --end;
  return s.substr(begin, end - begin);
}

// The directory `..data` resolves to, or empty when `directory` is not a kubelet volume.
std::string resolveDataDir(const std::string& directory) {
  const std::string link = directory + "/..data";
  struct stat st {};
  if (::lstat(link.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return {};
  char resolved[PATH_MAX];
  if (::realpath(link.c_str(), resolved) == nullptr) return {};
  return resolved;
}

// Reads the files in `dir`; messages name them as `shownDir` (the configured directory, not kubelet's
// timestamped one, so that a message names what an operator can look at and does not change with every update).
BundleFiles readFrom(const std::string& dir, const std::string& shownDir) {
  BundleFiles files;
  auto bundle = readFile(dir + "/" + kBundleFileName, shownDir + "/" + kBundleFileName, kMaxBundleFileBytes);
  if (!bundle.error.empty()) {
    files.error = std::move(bundle.error);
    return files;
  }
  if (!bundle.found) {
    files.error = "no " + std::string(kBundleFileName) + " in " + shownDir;
    return files;
  }
  auto version = readFile(dir + "/" + kPolicyVersionFileName, shownDir + "/" + kPolicyVersionFileName, 1024);
  if (!version.error.empty()) {
    files.error = std::move(version.error);
    return files;
  }
  if (version.found) {
    files.policyVersion = trimmed(version.bytes);
    if (files.policyVersion->empty()) {
      files.error = shownDir + "/" + kPolicyVersionFileName + " is empty";
      files.policyVersion.reset();
      return files;
    }
  }
  files.bytes = std::move(bundle.bytes);
  return files;
}

}  // namespace

BundleFiles readBundleFiles(const std::string& directory) {
  for (int attempt = 1;; ++attempt) {
    const std::string dataDir = resolveDataDir(directory);
    if (dataDir.empty()) return readFrom(directory, directory);
    BundleFiles files = readFrom(dataDir, directory);
    // Errors but "the snapshot was replaced while we read it" are final.
    if (files.error.empty() || attempt == kSnapshotAttempts || resolveDataDir(directory) == dataDir) {
      return files;
    }
  }
}

}  // namespace warden::sidecar
