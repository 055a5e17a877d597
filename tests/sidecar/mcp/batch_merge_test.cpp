#include "sidecar/mcp/batch_merge.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sidecar/mcp/error_codes.h"
#include "sidecar/mcp/sse.h"

namespace warden::sidecar::mcp {
namespace {

using nlohmann::json;

ParsedBody batch(std::string_view text) {
  auto parsed = parseClientBody(text);
  EXPECT_TRUE(parsed.ok);
  EXPECT_TRUE(parsed.batch);
  return parsed;
}

json denied(const json& id) { return makeError(id, kDenied, "denied by policy: no"); }
json answer(const json& id, int value) { return makeResult(id, json{{"value", value}}); }

// A batch: 0 denied, 1 forwarded, 2 notification (forwarded), 3 forwarded, 4 invalid.
constexpr std::string_view kBatch = R"([
  {"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete_file"}},
  {"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"read_file"}},
  {"jsonrpc":"2.0","method":"notifications/progress"},
  {"jsonrpc":"2.0","id":"three","method":"tools/list"},
  {"jsonrpc":"2.0","id":5,"method":5}
])";

TEST(BatchMergeTest, KeepsTheBatchOrder) {
  const auto body = batch(kBatch);
  // The upstream answers in its own order.
  const auto merged = mergeBatchResponses(body, {{0, denied(1)}, {4, body.messages[4].invalidResponse}},
                                          json::array({answer("three", 3), answer(2, 2)}));
  EXPECT_EQ(merged.httpStatus, 200);
  EXPECT_TRUE(merged.problems.empty());
  EXPECT_EQ(merged.body, json::array({denied(1), answer(2, 2), answer("three", 3), body.messages[4].invalidResponse}));
}

TEST(BatchMergeTest, InvalidMessagesAreAnsweredEvenWithoutALocalAnswer) {
  const auto body = batch(kBatch);
  const auto merged =
      mergeBatchResponses(body, {{0, denied(1)}}, json::array({answer(2, 2), answer("three", 3)}));
  ASSERT_EQ(merged.body.size(), 4u);
  EXPECT_EQ(merged.body[3]["error"]["code"], kInvalidRequest);
  EXPECT_EQ(merged.body[3]["id"], 5);
}

TEST(BatchMergeTest, SingleForwardedMessageAnsweredWithAnObject) {
  const auto body = batch(R"([{"jsonrpc":"2.0","id":1,"method":"a"},{"jsonrpc":"2.0","id":2,"method":"b"}])");
  const auto merged = mergeBatchResponses(body, {{0, denied(1)}}, answer(2, 7));
  EXPECT_EQ(merged.body, json::array({denied(1), answer(2, 7)}));
}

TEST(BatchMergeTest, IdsMatchAsAJavaScriptPeerSeesThem) {
  const auto body = batch(R"([{"jsonrpc":"2.0","id":1.0,"method":"a"},{"jsonrpc":"2.0","id":"1","method":"b"}])");
  const auto merged = mergeBatchResponses(body, {}, json::array({answer("1", 2), answer(1, 1)}));
  EXPECT_TRUE(merged.problems.empty());
  EXPECT_EQ(merged.body, json::array({answer(1, 1), answer("1", 2)}));
}

TEST(BatchMergeTest, NothingToAnswerIs202) {
  const auto body = batch(R"([{"jsonrpc":"2.0","method":"notifications/a"},{"jsonrpc":"2.0","id":"s","result":{}}])");
  const auto merged = mergeBatchResponses(body, {}, nullptr);
  EXPECT_EQ(merged.httpStatus, 202);
  EXPECT_TRUE(merged.body.is_null());
  EXPECT_TRUE(merged.problems.empty());
}

TEST(BatchMergeTest, AllDeniedNeedsNoUpstream) {
  const auto body = batch(R"([{"jsonrpc":"2.0","id":1,"method":"a"},{"jsonrpc":"2.0","method":"notifications/a"}])");
  const auto merged = mergeBatchResponses(body, {{0, denied(1)}}, nullptr);
  EXPECT_EQ(merged.httpStatus, 200);
  EXPECT_EQ(merged.body, json::array({denied(1)}));
}

TEST(BatchMergeTest, MissingUpstreamAnswersBecomeErrors) {
  const auto body = batch(kBatch);
  const auto merged = mergeBatchResponses(body, {{0, denied(1)}}, json::array({answer(2, 2)}));
  ASSERT_EQ(merged.body.size(), 4u);
  EXPECT_EQ(merged.body[2], json::parse(R"({"jsonrpc":"2.0","id":"three","error":{"code":-32603,
    "message":"upstream MCP server unavailable: no answer to this request"}})"));
  EXPECT_EQ(merged.problems, std::vector<std::string>{"upstream did not answer id \"three\""});
}

TEST(BatchMergeTest, ForgedAndRepeatedUpstreamAnswersAreDropped) {
  const auto body = batch(kBatch);
  // The upstream "answers" the denied request 1, answers 2 twice and sends junk.
  const auto merged = mergeBatchResponses(
      body, {{0, denied(1)}},
      json::array({answer(1, 666), answer(2, 2), answer(2, 22), answer("three", 3), 5,
                   json{{"jsonrpc", "2.0"}, {"method", "notifications/x"}}, answer(nullptr, 1),
                   makeError(nullptr, -32700, "Parse error")}));
  EXPECT_EQ(merged.body, json::array({denied(1), answer(2, 2), answer("three", 3), body.messages[4].invalidResponse,
                                      makeError(nullptr, -32700, "Parse error")}));
  EXPECT_EQ(merged.problems, (std::vector<std::string>{
                                 "upstream answered id 1, which was not forwarded", "upstream answered id 2 twice",
                                 "upstream sent something that is not a response",
                                 "upstream sent something that is not a response",
                                 "upstream sent a result without an id"}));
}

TEST(BatchMergeTest, UnusableUpstreamAnswer) {
  const auto body = batch(R"([{"jsonrpc":"2.0","id":1,"method":"a"}])");
  const auto merged = mergeBatchResponses(body, {}, "oops");
  ASSERT_EQ(merged.body.size(), 1u);
  EXPECT_EQ(merged.body[0]["error"]["code"], kInternalError);
  EXPECT_EQ(merged.problems.front(), "upstream answer is neither an object nor an array");
}

TEST(BatchMergeTest, BadLocalPositionsAreReported) {
  const auto body = batch(R"([{"jsonrpc":"2.0","id":1,"method":"a"}])");
  const auto merged = mergeBatchResponses(body, {{0, denied(1)}, {0, answer(1, 1)}, {9, answer(9, 9)}}, nullptr);
  EXPECT_EQ(merged.body, json::array({denied(1)}));
  EXPECT_EQ(merged.problems.size(), 2u);
}

TEST(BatchMergeTest, LocalAnswersAsSse) {
  const auto body = batch(kBatch);
  const std::string sse = localAnswersAsSse(body, {{0, denied(1)}});
  SseParser parser;
  std::vector<SseEvent> events;
  ASSERT_TRUE(parser.feed(sse, events));
  ASSERT_EQ(events.size(), 2u);
  for (const auto& e : events) {
    EXPECT_EQ(e.event, "message");
    EXPECT_FALSE(e.hasId);  // ids belong to the upstream's event store
  }
  EXPECT_EQ(json::parse(events[0].data), denied(1));
  EXPECT_EQ(json::parse(events[1].data), body.messages[4].invalidResponse);
  EXPECT_EQ(events[0].raw,
            "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32031,\"message\":\"denied by "
            "policy: no\"}}\n\n");
  EXPECT_EQ(localAnswersAsSse(batch(R"([{"jsonrpc":"2.0","id":1,"method":"a"}])"), {}), "");
}

}  // namespace
}  // namespace warden::sidecar::mcp
