#pragma once

// Splits a byte stream into lines as it arrives (a watch body: one JSON event per line). Not thread-safe: one
// stream, one reader.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace warden::op {

class LineSplitter {
 public:
  explicit LineSplitter(std::size_t maxLineBytes) : maxLineBytes_(maxLineBytes) {}

  // Adds bytes. False once any line (complete or not, "\r" included, "\n" excluded) is longer than maxLineBytes;
  // the stream is then unusable and every later append() is false too.
  bool append(std::string_view bytes);
  // The next complete line without its "\n" or "\r\n"; blank lines (spaces and tabs only) are skipped.
  std::optional<std::string> next();
  // Bytes after the last '\n' (a line the stream ended inside).
  std::string_view pending() const { return std::string_view(buffer_).substr(tailStart_); }

 private:
  std::size_t maxLineBytes_;
  std::string buffer_;
  std::size_t start_ = 0;      // first byte not yet returned
  std::size_t tailStart_ = 0;  // first byte after the last '\n' (bytes before it are complete lines)
  bool failed_ = false;
};

}  // namespace warden::op
