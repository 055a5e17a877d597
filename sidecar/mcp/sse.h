#pragma once

// Server-Sent Events (WHATWG HTML, "Server-sent events": the event stream format) as an MCP server streams its
// answers: an incremental parser for the upstream's response body and a serializer for events the proxy makes.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace warden::sidecar::mcp {

struct SseEvent {
  std::string id;     // this event's id field (the last one when repeated); see hasId
  std::string event;  // the event type; empty means "message"
  std::string data;   // the data fields joined with "\n"
  std::optional<int> retry;
  // The exact bytes of the event including its terminating blank line (the first event's also include a leading
  // byte order mark): concatenating the raw bytes of all events gives back the stream. Forward this, unless the
  // event is rewritten.
  std::string raw;
  bool hasId = false;    // an id field was present (an empty one resets the client's last event id)
  bool hasData = false;  // a data field was present: `data: ` alone is an event with empty data (a priming event)
};

// Feed the body in chunks of any size; complete events come out in order. Lines end with "\r\n", "\n" or "\r";
// comment lines (":" ...) are kept in `raw` only; a field without a colon has an empty value; one space after the
// colon is dropped; an id holding NUL and a retry that is not all digits (or overflows an int) are ignored, as the
// standard says. Every blank-line-terminated block is an event, also one without fields (a keep-alive comment, a
// stray blank line), so the proxy can pass the stream through byte for byte. Field values are the stream's bytes
// (the proxy parses data strictly as JSON, which rejects invalid UTF-8).
class SseParser {
 public:
  static constexpr std::size_t kDefaultMaxEventBytes = 8 * 1024 * 1024;

  // `maxEventBytes` bounds one event's raw size, so a stream that never ends an event cannot grow memory.
  explicit SseParser(std::size_t maxEventBytes = kDefaultMaxEventBytes);

  // Appends the events this chunk completes to `out`. False when an event exceeds the bound or the parser already
  // failed or finished; error() says why and every later call fails too (the proxy then fails the stream).
  bool feed(std::string_view chunk, std::vector<SseEvent>& out);

  // End of stream: a final "\r" ends its line (it could not be told from "\r\n" before). Bytes of an unterminated
  // event stay in pending() (the standard discards them). False as feed().
  bool finish(std::vector<SseEvent>& out);

  // The bytes of the event in progress.
  std::string_view pending() const { return buffer_; }
  const std::string& error() const { return error_; }
  bool failed() const { return !error_.empty(); }

 private:
  bool process(std::vector<SseEvent>& out, bool endOfStream);
  void applyLine(std::string_view line);
  bool fail(std::string why);

  std::size_t maxEventBytes_;
  std::string buffer_;        // raw bytes from the start of the current event
  std::size_t lineStart_ = 0;  // where the current line starts in buffer_
  std::size_t searched_ = 0;   // buffer_ before this holds no line end after lineStart_
  SseEvent current_;
  bool bomChecked_ = false;
  bool finished_ = false;
  std::string error_;
};

// The wire form of an event the proxy creates or rewrites: "event:", "id:" (when set), "retry:", then one "data:"
// line per line of data (split at "\r\n", "\r" and "\n"; one `data: ` line for empty data when hasData), and the
// blank line. CR and LF cannot occur in parsed id or event values; in values the proxy sets they are removed so an
// event can never split into two. `raw` is ignored.
std::string serializeEvent(const SseEvent& event);

}  // namespace warden::sidecar::mcp
