#include "sidecar/mcp/answer_tracker.h"

#include <gtest/gtest.h>

namespace warden::sidecar::mcp {
namespace {

using nlohmann::json;

json result(const json& id) { return {{"jsonrpc", "2.0"}, {"id", id}, {"result", json::object()}}; }
json error(const json& id) { return {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", -1}, {"message", "x"}}}}; }

TEST(AnswerTrackerTest, PassesEachForwardedAnswerOnceAndReportsTheRest) {
  AnswerTracker tracker({1, "two", 3});
  json first = result(1);
  EXPECT_TRUE(tracker.admit(first).empty());
  EXPECT_EQ(first, result(1));
  json again = result(1);
  EXPECT_EQ(tracker.admit(again).size(), 1u);
  EXPECT_TRUE(again.is_null());
  json second = error("two");
  EXPECT_TRUE(tracker.admit(second).empty());
  EXPECT_EQ(tracker.unanswered(), std::vector<json>{3});
}

TEST(AnswerTrackerTest, DropsAnswersToIdsThatWereNotForwarded) {
  AnswerTracker tracker({1});
  json denied = result(2);
  const auto removed = tracker.admit(denied);
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0], "an answer to id 2, which is not awaiting one");
  EXPECT_TRUE(denied.is_null());
  // "1" is not 1 to a JSON-RPC client.
  json text = result("1");
  EXPECT_EQ(tracker.admit(text).size(), 1u);
  EXPECT_EQ(tracker.unanswered(), std::vector<json>{1});
  // 1.0 is 1 to a JavaScript client.
  json real = result(1.0);
  EXPECT_TRUE(tracker.admit(real).empty());
  EXPECT_TRUE(tracker.unanswered().empty());
}

TEST(AnswerTrackerTest, LeavesNotificationsRequestsAndBodyErrorsAlone) {
  AnswerTracker tracker({});
  json notification = {{"jsonrpc", "2.0"}, {"method", "notifications/progress"}, {"params", json::object()}};
  json request = {{"jsonrpc", "2.0"}, {"id", 1}, {"method", "sampling/createMessage"}, {"params", json::object()}};
  json bodyError = error(nullptr);
  for (json* m : {&notification, &request, &bodyError}) {
    const json before = *m;
    EXPECT_TRUE(tracker.admit(*m).empty());
    EXPECT_EQ(*m, before);
  }
  json resultWithoutId = {{"jsonrpc", "2.0"}, {"result", json::object()}};
  EXPECT_EQ(tracker.admit(resultWithoutId).size(), 1u);
  EXPECT_TRUE(resultWithoutId.is_null());
}

TEST(AnswerTrackerTest, FiltersBatchesElementByElement) {
  AnswerTracker tracker({1, 2});
  json batch = json::array({result(1), result(9), json{{"jsonrpc", "2.0"}, {"method", "notifications/message"}},
                            result(1)});
  EXPECT_EQ(tracker.admit(batch).size(), 2u);
  ASSERT_TRUE(batch.is_array());
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch[0], result(1));
  EXPECT_EQ(batch[1]["method"], "notifications/message");
  json forged = json::array({result(7)});
  EXPECT_EQ(tracker.admit(forged).size(), 1u);
  EXPECT_TRUE(forged.is_null());
  EXPECT_EQ(tracker.unanswered(), std::vector<json>{2});
}

TEST(AnswerTrackerTest, IgnoresInvalidAndRepeatedForwardedIds) {
  AnswerTracker tracker({1, 1, 1.5, json::object(), "a"});
  EXPECT_EQ(tracker.unanswered(), (std::vector<json>{1, "a"}));
}

}  // namespace
}  // namespace warden::sidecar::mcp
