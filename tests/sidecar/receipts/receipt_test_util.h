#pragma once

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "sidecar/receipts/receipt.h"
#include "sidecar/receipts/receipt_log.h"

namespace warden::sidecar::testing {

using namespace std::chrono_literals;

// A scratch directory named after the test, removed at the end.
class ReceiptDir {
 public:
  ReceiptDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("receipts-" + std::to_string(::getpid()) + "-" + info->test_suite_name() + "-" + info->name());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ReceiptDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name = "receipts.log") const { return (path_ / name).string(); }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

inline std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline void writeFile(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
}

inline std::vector<std::string> splitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
    lines.push_back(text.substr(start, nl - start));
  }
  return lines;
}

inline std::string joinLines(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  return text;
}

inline ReceiptInput sampleInput(int n = 0) {
  ReceiptInput input;
  input.time = std::chrono::system_clock::time_point(std::chrono::seconds(1767323045) + std::chrono::microseconds(n));
  input.server = "files";
  input.principal = "spiffe://example.org/ns/a/sa/agent";
  input.session = "s-1";
  input.method = "tools/call";
  input.target = "read_file";
  input.argsSha256 = "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
  input.decision = n % 3 == 2 ? "deny" : "allow";
  input.rules = {"files/read"};
  input.reason = "call " + std::to_string(n);
  input.policyVersion = "v1";
  return input;
}

// The lines of a valid chain of `count` receipts, built without the log.
inline std::vector<std::string> buildChain(int count) {
  std::vector<std::string> lines;
  std::string prev(kGenesisHash);
  for (int i = 0; i < count; ++i) {
    const Receipt r = makeReceipt(sampleInput(i), static_cast<std::uint64_t>(i) + 1, prev);
    lines.push_back(formatReceipt(r));
    prev = r.hash;
  }
  return lines;
}

// Collects append results and lets a test wait (bounded) until it has `count` of them.
class Results {
 public:
  ReceiptLog::Callback callback() {
    return [this](const AppendResult& result) {
      std::lock_guard lock(mu_);
      results_.push_back(result);
      cv_.notify_all();
    };
  }
  bool waitFor(std::size_t count, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return results_.size() >= count; });
  }
  std::vector<AppendResult> all() {
    std::lock_guard lock(mu_);
    return results_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<AppendResult> results_;
};

// Captures what the log mirrors, as stdout would.
class Mirror {
 public:
  Mirror() : file_(open_memstream(&data_, &size_)) {}
  ~Mirror() {
    if (file_) std::fclose(file_);
    std::free(data_);
  }
  std::FILE* file() { return file_; }
  std::string text() {
    std::fflush(file_);
    return std::string(data_, size_);
  }

 private:
  char* data_ = nullptr;
  std::size_t size_ = 0;
  std::FILE* file_;
};

// Puts `path` (opened with `flags`) under the log's descriptor: the disk fills up (/dev/full) or comes back.
inline ::testing::AssertionResult replaceLogFile(ReceiptLog& log, const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return ::testing::AssertionFailure() << "cannot open " << path;
  const bool replaced = ::dup2(fd, log.fileDescriptorForTesting()) >= 0;
  ::close(fd);
  if (!replaced) return ::testing::AssertionFailure() << "dup2 failed";
  return ::testing::AssertionSuccess();
}

inline ReceiptLogOptions quietOptions(const std::string& path) {
  ReceiptLogOptions options;
  options.path = path;
  options.mirrorToStdout = false;
  return options;
}

}  // namespace warden::sidecar::testing
