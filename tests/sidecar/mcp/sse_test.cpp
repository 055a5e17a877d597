#include "sidecar/mcp/sse.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace warden::sidecar::mcp {
namespace {

// Recorded from @modelcontextprotocol/server-everything 2026.8.31 (trigger-long-running-operation, protocol
// 2025-11-25): the empty priming event, three progress notifications, the result.
constexpr std::string_view kRecorded =
    "id: 5e36bb08-7537-4a24-bf51-a51cc5c6ff91\ndata: \n\n"
    "event: message\nid: 660f6573-3c53-45ba-9433-e6c7aa2d12a0\ndata: "
    R"({"method":"notifications/progress","params":{"progress":1,"total":3,"progressToken":"p1"},"jsonrpc":"2.0"})"
    "\n\n"
    "event: message\nid: d763c8ea-5a79-46b3-8afb-5f2cb8d5c5ef\ndata: "
    R"({"method":"notifications/progress","params":{"progress":2,"total":3,"progressToken":"p1"},"jsonrpc":"2.0"})"
    "\n\n"
    "event: message\nid: 43a66239-941d-4482-a676-5505afe59db5\ndata: "
    R"({"method":"notifications/progress","params":{"progress":3,"total":3,"progressToken":"p1"},"jsonrpc":"2.0"})"
    "\n\n"
    "event: message\nid: 38c36c32-8314-4d51-92d6-bb5c38e9f3b4\ndata: "
    R"({"result":{"content":[{"type":"text","text":"Long running operation completed. Duration: 3 seconds, Steps: 3."}]},"jsonrpc":"2.0","id":2})"
    "\n\n";

std::string describe(const SseEvent& e) {
  std::string s = "{id=" + e.id + (e.hasId ? "(set)" : "") + " event=" + e.event + " data=" + e.data +
                  (e.hasData ? "(set)" : "") + " retry=" + (e.retry ? std::to_string(*e.retry) : "-") + " raw=";
  for (char c : e.raw) s += c == '\n' ? std::string("\\n") : c == '\r' ? std::string("\\r") : std::string(1, c);
  return s + "}";
}

std::vector<std::string> describeAll(const std::vector<SseEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(describe(e));
  return out;
}

std::vector<SseEvent> parseAll(std::string_view stream, std::size_t maxEventBytes = SseParser::kDefaultMaxEventBytes) {
  SseParser parser(maxEventBytes);
  std::vector<SseEvent> events;
  EXPECT_TRUE(parser.feed(stream, events)) << parser.error();
  EXPECT_TRUE(parser.finish(events)) << parser.error();
  return events;
}

std::vector<SseEvent> parseChunked(std::string_view stream, std::mt19937& rng, std::size_t maxChunk) {
  SseParser parser;
  std::vector<SseEvent> events;
  std::uniform_int_distribution<std::size_t> size(0, maxChunk);  // empty chunks too
  std::size_t at = 0;
  while (at < stream.size()) {
    const std::size_t n = std::min(size(rng), stream.size() - at);
    EXPECT_TRUE(parser.feed(stream.substr(at, n), events)) << parser.error();
    at += n;
  }
  EXPECT_TRUE(parser.finish(events));
  return events;
}

std::string replaceAll(std::string_view in, std::string_view from, std::string_view to) {
  std::string out;
  for (std::size_t i = 0; i < in.size();) {
    if (in.substr(i).starts_with(from)) {
      out += to;
      i += from.size();
    } else {
      out += in[i++];
    }
  }
  return out;
}

std::string concatenatedRaw(const std::vector<SseEvent>& events) {
  std::string out;
  for (const auto& e : events) out += e.raw;
  return out;
}

TEST(SseTest, RecordedStream) {
  const auto events = parseAll(kRecorded);
  ASSERT_EQ(events.size(), 5u);
  // The priming event: an id and empty data. It must pass through unchanged.
  EXPECT_EQ(events[0].id, "5e36bb08-7537-4a24-bf51-a51cc5c6ff91");
  EXPECT_TRUE(events[0].hasId);
  EXPECT_TRUE(events[0].hasData);
  EXPECT_EQ(events[0].data, "");
  EXPECT_EQ(events[0].event, "");
  EXPECT_EQ(events[0].raw, "id: 5e36bb08-7537-4a24-bf51-a51cc5c6ff91\ndata: \n\n");
  EXPECT_EQ(events[1].event, "message");
  EXPECT_EQ(events[1].id, "660f6573-3c53-45ba-9433-e6c7aa2d12a0");
  EXPECT_EQ(events[1].data,
            R"({"method":"notifications/progress","params":{"progress":1,"total":3,"progressToken":"p1"},"jsonrpc":"2.0"})");
  EXPECT_TRUE(events[4].data.ends_with(R"("jsonrpc":"2.0","id":2})"));
  EXPECT_EQ(concatenatedRaw(events), kRecorded);
  // The server writes events exactly as serializeEvent does.
  for (const auto& e : events) EXPECT_EQ(serializeEvent(e), e.raw);
}

TEST(SseTest, AnyChunkingGivesTheSameEvents) {
  // The recorded stream, and variants with the other line ends, a BOM, comments and retry fields.
  const std::string crlf = replaceAll(kRecorded, "\n", "\r\n");
  const std::string cr = replaceAll(kRecorded, "\n", "\r");
  const std::string extras = "\xEF\xBB\xBF: keep-alive\r\n\r\nretry: 1500\n" +
                             replaceAll(kRecorded, "data: ", "data:") + ":\r\n\r\ndata: a\rdata: b\r\ndata\n\n";
  for (const std::string& stream : {std::string(kRecorded), crlf, cr, extras}) {
    const auto expected = describeAll(parseAll(stream));
    ASSERT_FALSE(expected.empty());
    std::mt19937 rng(20261124);
    for (int round = 0; round < 300; ++round) {
      const std::size_t maxChunk = round % 3 == 0 ? 3 : round % 3 == 1 ? 17 : 200;
      const auto events = parseChunked(stream, rng, maxChunk);
      ASSERT_EQ(describeAll(events), expected) << "round " << round;
      ASSERT_EQ(concatenatedRaw(events), stream);
    }
    // Byte by byte.
    SseParser parser;
    std::vector<SseEvent> events;
    for (char c : stream) ASSERT_TRUE(parser.feed(std::string_view(&c, 1), events));
    ASSERT_TRUE(parser.finish(events));
    EXPECT_EQ(describeAll(events), expected);
  }
}

TEST(SseTest, LineEndsAndFields) {
  const auto events = parseAll("data: one\r\ndata:two\rdata:  three\ndata\nevent:ping\nid:7\nunknown: x\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "one\ntwo\n three\n");  // one space is dropped, a field without colon is empty
  EXPECT_EQ(events[0].event, "ping");
  EXPECT_EQ(events[0].id, "7");
}

TEST(SseTest, CommentsAndEmptyBlocksAreEventsWithoutFields) {
  const auto events = parseAll(": keep-alive\n\n\n: another\ndata: x\n\n");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].raw, ": keep-alive\n\n");
  EXPECT_FALSE(events[0].hasData);
  EXPECT_FALSE(events[0].hasId);
  EXPECT_EQ(events[1].raw, "\n");
  EXPECT_EQ(events[2].raw, ": another\ndata: x\n\n");
  EXPECT_EQ(events[2].data, "x");
}

TEST(SseTest, ByteOrderMark) {
  auto events = parseAll("\xEF\xBB\xBF" "data: x\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "x");
  EXPECT_EQ(events[0].raw, "\xEF\xBB\xBF" "data: x\n\n");  // kept in raw: the stream passes through unchanged

  SseParser split;
  std::vector<SseEvent> out;
  ASSERT_TRUE(split.feed("\xEF", out));
  ASSERT_TRUE(split.feed("\xBB", out));
  ASSERT_TRUE(split.feed("\xBF" "data: y\n\n", out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, "y");

  // Only at the start of the stream.
  events = parseAll("data: a\n\n\xEF\xBB\xBF" "data: b\n\n");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_FALSE(events[1].hasData);
}

TEST(SseTest, IdAndRetryRules) {
  const std::string stream = std::string("id: a") + '\0' +
                             "b\ndata: x\n\nid\nretry: 3000\ndata: y\n\n"
                             "retry: 30s\nretry: 99999999999\nretry:\ndata: z\n\n";
  const auto events = parseAll(stream);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_FALSE(events[0].hasId);  // an id holding NUL is ignored
  EXPECT_TRUE(events[1].hasId);   // an empty id resets the last event id: it must be kept
  EXPECT_EQ(events[1].id, "");
  EXPECT_EQ(events[1].retry, 3000);
  EXPECT_EQ(events[2].retry, std::nullopt);
  EXPECT_EQ(events[2].data, "z");
}

TEST(SseTest, FinalCarriageReturnWaitsForTheNextByte) {
  SseParser parser;
  std::vector<SseEvent> events;
  ASSERT_TRUE(parser.feed("data: x\r\n\r", events));
  EXPECT_TRUE(events.empty());  // "\r" or "\r\n": not known yet
  ASSERT_TRUE(parser.feed("\n", events));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].raw, "data: x\r\n\r\n");

  SseParser atEnd;
  events.clear();
  ASSERT_TRUE(atEnd.feed("data: y\r\r", events));
  EXPECT_TRUE(events.empty());
  ASSERT_TRUE(atEnd.finish(events));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "y");
}

TEST(SseTest, UnterminatedEventStaysPending) {
  SseParser parser;
  std::vector<SseEvent> events;
  ASSERT_TRUE(parser.feed("data: a\n\ndata: b\n", events));
  ASSERT_TRUE(parser.finish(events));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(parser.pending(), "data: b\n");
  EXPECT_FALSE(parser.feed("\n", events));
  EXPECT_EQ(parser.error(), "SSE data after the end of the stream");
}

TEST(SseTest, EventSizeIsBounded) {
  // A complete event over the bound: the events before it still come out, then the parser fails for good.
  SseParser parser(16);
  std::vector<SseEvent> events;
  EXPECT_FALSE(parser.feed("data: ok\n\ndata: 0123456789abcdef\n\ndata: x\n\n", events));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "ok");
  EXPECT_EQ(parser.error(), "SSE event larger than 16 bytes");
  EXPECT_TRUE(parser.failed());
  EXPECT_FALSE(parser.feed("data: y\n\n", events));
  EXPECT_FALSE(parser.finish(events));
  EXPECT_EQ(events.size(), 1u);

  // An event that never ends.
  SseParser endless(64);
  events.clear();
  ASSERT_TRUE(endless.feed("data: ", events));
  bool ok = true;
  for (int i = 0; i < 100 && ok; ++i) ok = endless.feed("xxxxxxxx", events);
  EXPECT_FALSE(ok);
  EXPECT_EQ(endless.error(), "SSE event larger than 64 bytes");
  EXPECT_LE(endless.pending().size(), 72u);

  // Exactly at the bound is fine.
  SseParser exact(10);
  events.clear();
  EXPECT_TRUE(exact.feed("data: 12\n\n", events));
  EXPECT_EQ(events.size(), 1u);
}

TEST(SseTest, SerializeEvent) {
  SseEvent e;
  e.event = "message";
  e.data = R"({"jsonrpc":"2.0","id":1,"result":{}})";
  EXPECT_EQ(serializeEvent(e), "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n");

  SseEvent lines;
  lines.data = "a\nb\r\nc\rd\n";
  EXPECT_EQ(serializeEvent(lines), "data: a\ndata: b\ndata: c\ndata: d\ndata: \n\n");
  const auto back = parseAll(serializeEvent(lines));
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].data, "a\nb\nc\nd\n");

  SseEvent priming;
  priming.id = "X";
  priming.hasId = true;
  priming.hasData = true;
  EXPECT_EQ(serializeEvent(priming), "id: X\ndata: \n\n");

  SseEvent hostile;
  hostile.event = "message\n\ndata: forged";
  hostile.id = "1\r\nevent: x";
  hostile.retry = 10;
  hostile.data = " leading space";
  EXPECT_EQ(serializeEvent(hostile), "event: messagedata: forged\nid: 1event: x\nretry: 10\ndata:  leading space\n\n");
  const auto parsed = parseAll(serializeEvent(hostile));
  ASSERT_EQ(parsed.size(), 1u);
  EXPECT_EQ(parsed[0].data, " leading space");
  EXPECT_EQ(parsed[0].retry, 10);

  EXPECT_EQ(serializeEvent(SseEvent{}), "\n");
}

}  // namespace
}  // namespace warden::sidecar::mcp
