#include "operator/kube/line_splitter.h"

namespace warden::op {

bool LineSplitter::append(std::string_view bytes) {
  if (failed_) return false;
  // Drop what was returned before growing the buffer, so it holds little more than the unread lines.
  if (start_ > 0 && start_ >= buffer_.size() / 2) {
    buffer_.erase(0, start_);
    tailStart_ -= start_;
    start_ = 0;
  }
  std::size_t from = buffer_.size();
  buffer_.append(bytes);
  // Only the new bytes are scanned: each '\n' ends the line that began at tailStart_.
  for (std::size_t newline = buffer_.find('\n', from); newline != std::string::npos;
       newline = buffer_.find('\n', from)) {
    if (newline - tailStart_ > maxLineBytes_) failed_ = true;
    tailStart_ = newline + 1;
    from = tailStart_;
  }
  if (buffer_.size() - tailStart_ > maxLineBytes_) failed_ = true;
  return !failed_;
}

std::optional<std::string> LineSplitter::next() {
  while (start_ < tailStart_) {
    const std::size_t newline = buffer_.find('\n', start_);  // found: every byte before tailStart_ is in a line
    std::size_t end = newline;
    if (end > start_ && buffer_[end - 1] == '\r') --end;
    std::string line = buffer_.substr(start_, end - start_);
    start_ = newline + 1;
    if (line.find_first_not_of(" \t") != std::string::npos) return line;
  }
  return std::nullopt;
}

}  // namespace warden::op
