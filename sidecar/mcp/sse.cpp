#include "sidecar/mcp/sse.h"

#include <limits>
#include <utility>

namespace warden::sidecar::mcp {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// All ASCII digits and within int, as the standard's "retry" field requires; nullopt otherwise (the field is ignored).
std::optional<int> parseRetry(std::string_view value) {
  if (value.empty()) return std::nullopt;
  long long v = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
    if (v > std::numeric_limits<int>::max()) return std::nullopt;
  }
  return static_cast<int>(v);
}

void appendWithoutLineBreaks(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c != '\r' && c != '\n') out.push_back(c);
  }
}

}  // namespace

SseParser::SseParser(std::size_t maxEventBytes) : maxEventBytes_(maxEventBytes) {}

bool SseParser::fail(std::string why) {
  if (error_.empty()) error_ = std::move(why);
  return false;
}

bool SseParser::feed(std::string_view chunk, std::vector<SseEvent>& out) {
  if (failed()) return false;
  if (finished_) return fail("SSE data after the end of the stream");
  buffer_.append(chunk);
  if (!bomChecked_) {
    if (buffer_.size() < kBom.size() && kBom.starts_with(buffer_)) return true;  // maybe a BOM split across chunks
    bomChecked_ = true;
    if (buffer_.starts_with(kBom)) lineStart_ = searched_ = kBom.size();
  }
  return process(out, false);
}

bool SseParser::finish(std::vector<SseEvent>& out) {
  if (failed()) return false;
  if (finished_) return true;
  finished_ = true;
  bomChecked_ = true;  // fewer than three bytes that began like a BOM were content
  return process(out, true);
}

bool SseParser::process(std::vector<SseEvent>& out, bool endOfStream) {
  std::size_t eventStart = 0;  // events before it in buffer_ were emitted; erased once at the end
  while (true) {
    const auto pos = buffer_.find_first_of("\r\n", searched_);
    if (pos == std::string::npos) {
      searched_ = buffer_.size();
      break;
    }
    std::size_t end = pos + 1;
    if (buffer_[pos] == '\r') {
      if (pos + 1 == buffer_.size() && !endOfStream) {
        searched_ = pos;  // "\r" or "\r\n": the next byte decides where the line end ends
        break;
      }
      if (pos + 1 < buffer_.size() && buffer_[pos + 1] == '\n') end = pos + 2;
    }
    const std::string_view line(buffer_.data() + lineStart_, pos - lineStart_);
    if (line.empty()) {
      if (end - eventStart > maxEventBytes_) {
        return fail("SSE event larger than " + std::to_string(maxEventBytes_) + " bytes");
      }
      current_.raw.assign(buffer_, eventStart, end - eventStart);
      out.push_back(std::move(current_));
      current_ = SseEvent{};
      eventStart = end;
    } else {
      applyLine(line);
    }
    lineStart_ = end;
    searched_ = end;
  }
  if (eventStart > 0) {
    buffer_.erase(0, eventStart);
    lineStart_ -= eventStart;
    searched_ -= eventStart;
  }
  if (buffer_.size() > maxEventBytes_) {
    return fail("SSE event larger than " + std::to_string(maxEventBytes_) + " bytes");
  }
  return true;
}

void SseParser::applyLine(std::string_view line) {
  if (line.front() == ':') return;  // a comment
  std::string_view field = line;
  std::string_view value;
  if (const auto colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (current_.hasData) current_.data.push_back('\n');
    current_.data.append(value);
    current_.hasData = true;
  } else if (field == "event") {
    current_.event.assign(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) {
      current_.id.assign(value);
      current_.hasId = true;
    }
  } else if (field == "retry") {
    if (auto retry = parseRetry(value)) current_.retry = retry;
  }
}

std::string serializeEvent(const SseEvent& event) {
  std::string out;
  out.reserve(event.data.size() + event.id.size() + event.event.size() + 32);
  if (!event.event.empty()) {
    out += "event: ";
    appendWithoutLineBreaks(out, event.event);
    out += '\n';
  }
  if (event.hasId || !event.id.empty()) {
    out += "id: ";
    appendWithoutLineBreaks(out, event.id);
    out += '\n';
  }
  if (event.retry && *event.retry >= 0) {
    out += "retry: ";
    out += std::to_string(*event.retry);
    out += '\n';
  }
  if (event.hasData || !event.data.empty()) {
    std::string_view rest = event.data;
    while (true) {
      const auto pos = rest.find_first_of("\r\n");
      out += "data: ";
      out.append(rest.substr(0, pos));
      out += '\n';
      if (pos == std::string_view::npos) break;
      const std::size_t skip = rest[pos] == '\r' && pos + 1 < rest.size() && rest[pos + 1] == '\n' ? 2 : 1;
      rest.remove_prefix(pos + skip);
    }
  }
  out += '\n';
  return out;
}

}  // namespace warden::sidecar::mcp
