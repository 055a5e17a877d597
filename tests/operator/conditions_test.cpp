#include "operator/controllers/conditions.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "operator/controllers/clock.h"

namespace warden::op {
namespace {

using nlohmann::json;
using std::chrono::seconds;
using std::chrono::system_clock;

// 2026-03-04T05:06:07Z
const system_clock::time_point kT0 = system_clock::time_point{} + seconds(1772600767);

TEST(ClockTest, FormatsRfc3339) {
  EXPECT_EQ(formatRfc3339Seconds(kT0), "2026-03-04T05:06:07Z");
  EXPECT_EQ(formatRfc3339Seconds(kT0 + std::chrono::milliseconds(999)), "2026-03-04T05:06:07Z");
  EXPECT_EQ(formatRfc3339Micros(kT0 + std::chrono::microseconds(1234)), "2026-03-04T05:06:07.001234Z");
  EXPECT_EQ(formatRfc3339Seconds(system_clock::time_point{} - seconds(5)), "1970-01-01T00:00:00Z");
}

TEST(ClockTest, TruncatesOnUtf8Boundaries) {
  EXPECT_EQ(truncateUtf8("short", 10), "short");
  EXPECT_EQ(truncateUtf8("abcdefghij", 6), "abc...");
  // "é" is two bytes: a cut inside it backs up to before it.
  EXPECT_EQ(truncateUtf8("ab\xC3\xA9zzzz", 6), "ab...");
  EXPECT_EQ(truncateUtf8("abcdef", 2), "..");
}

TEST(SetConditionTest, AppendsANewConditionWithNow) {
  const json out = setCondition(json(), {"Ready", "True", "Published", "ok", 3}, kT0);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], json({{"type", "Ready"},
                          {"status", "True"},
                          {"reason", "Published"},
                          {"message", "ok"},
                          {"observedGeneration", 3},
                          {"lastTransitionTime", "2026-03-04T05:06:07Z"}}));
}

TEST(SetConditionTest, KeepsTransitionTimeWhileTheStatusStaysTheSame) {
  json conditions = setCondition(json::array(), {"Ready", "True", "Published", "v1", 1}, kT0);
  conditions = setCondition(conditions, {"Ready", "True", "LastGoodPolicy", "other message", 2}, kT0 + seconds(60));
  ASSERT_EQ(conditions.size(), 1u);
  EXPECT_EQ(conditions[0]["lastTransitionTime"], "2026-03-04T05:06:07Z");
  EXPECT_EQ(conditions[0]["reason"], "LastGoodPolicy");
  EXPECT_EQ(conditions[0]["message"], "other message");
  EXPECT_EQ(conditions[0]["observedGeneration"], 2);
}

TEST(SetConditionTest, ChangesTransitionTimeWhenTheStatusChanges) {
  json conditions = setCondition(json::array(), {"Ready", "True", "Published", "", 1}, kT0);
  conditions = setCondition(conditions, {"Ready", "False", "NoValidPolicy", "", 1}, kT0 + seconds(60));
  EXPECT_EQ(conditions[0]["lastTransitionTime"], "2026-03-04T05:07:07Z");
  EXPECT_EQ(conditions[0]["status"], "False");
}

TEST(SetConditionTest, ReplacesInPlaceAndKeepsOtherConditions) {
  json conditions = json::array({
      {{"type", "A"}, {"status", "True"}, {"reason", "X"}, {"message", ""}, {"lastTransitionTime", "t"}},
      {{"type", "Ready"}, {"status", "True"}, {"reason", "X"}, {"message", ""}, {"lastTransitionTime", "t"}},
      {{"type", "B"}, {"status", "True"}, {"reason", "X"}, {"message", ""}, {"lastTransitionTime", "t"}},
  });
  const json out = setCondition(conditions, {"Ready", "False", "Y", "m", 0}, kT0);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0], conditions[0]);
  EXPECT_EQ(out[1]["type"], "Ready");
  EXPECT_EQ(out[1]["status"], "False");
  EXPECT_EQ(out[2], conditions[2]);
}

TEST(SetConditionTest, DropsMalformedAndRepeatedEntries) {
  json conditions = json::array({
      42,
      {{"status", "True"}},
      {{"type", "Ready"}, {"status", "True"}, {"lastTransitionTime", "2020-01-01T00:00:00Z"}},
      {{"type", "Ready"}, {"status", "False"}, {"lastTransitionTime", "2021-01-01T00:00:00Z"}},
  });
  const json out = setCondition(conditions, {"Ready", "True", "R", "", 0}, kT0);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["lastTransitionTime"], "2020-01-01T00:00:00Z");
}

TEST(SetConditionTest, AMissingTransitionTimeIsSetToNow) {
  json conditions = json::array({{{"type", "Ready"}, {"status", "True"}}});
  const json out = setCondition(conditions, {"Ready", "True", "R", "", 0}, kT0);
  EXPECT_EQ(out[0]["lastTransitionTime"], "2026-03-04T05:06:07Z");
}

TEST(SetConditionTest, CutsReasonAndMessageToTheSchemaLimits) {
  const std::string longMessage(kMaxConditionMessageBytes + 100, 'm');
  const std::string longReason(kMaxConditionReasonBytes + 5, 'R');
  const json out = setCondition(json::array(), {"Ready", "False", longReason, longMessage, 0}, kT0);
  EXPECT_EQ(out[0]["message"].get<std::string>().size(), kMaxConditionMessageBytes);
  EXPECT_EQ(out[0]["reason"].get<std::string>().size(), kMaxConditionReasonBytes);
}

TEST(FindConditionTest, FindsByType) {
  const json conditions = setCondition(json::array(), {"Ready", "True", "Published", "", 0}, kT0);
  ASSERT_NE(findCondition(conditions, "Ready"), nullptr);
  EXPECT_EQ(findCondition(conditions, "PolicyCompiled"), nullptr);
  EXPECT_EQ(findCondition(json(), "Ready"), nullptr);
  EXPECT_TRUE(conditionHas(conditions, "Ready", "True", "Published"));
  EXPECT_FALSE(conditionHas(conditions, "Ready", "False", "Published"));
  EXPECT_FALSE(conditionHas(conditions, "Ready", "True", "Other"));
}

TEST(StatusChangedTest, SameStatusIsUnchanged) {
  const json conditions = setCondition(json::array(), {"Ready", "True", "Published", "", 4}, kT0);
  const json status = {{"observedGeneration", 4}, {"conditions", conditions}, {"policyVersion", "abc"}};
  EXPECT_FALSE(statusChanged(status, status));
  // Numbers compare by value whatever their JSON representation (the API's answer parses as unsigned).
  json fromApi = json::parse(status.dump());
  EXPECT_FALSE(statusChanged(fromApi, status));
}

TEST(StatusChangedTest, ConditionOrderDoesNotCount) {
  json a = setCondition(json::array(), {"Ready", "True", "R", "", 1}, kT0);
  a = setCondition(a, {"PolicyCompiled", "True", "R", "", 1}, kT0);
  json b = json::array({a[1], a[0]});
  EXPECT_FALSE(statusChanged({{"conditions", a}}, {{"conditions", b}}));
}

TEST(StatusChangedTest, AnyDifferenceCounts) {
  const json conditions = setCondition(json::array(), {"Ready", "True", "Published", "", 4}, kT0);
  const json status = {{"observedGeneration", 4}, {"conditions", conditions}, {"policyVersion", "abc"}};
  json other = status;
  other["observedGeneration"] = 5;
  EXPECT_TRUE(statusChanged(status, other));
  other = status;
  other["conditions"] = setCondition(conditions, {"Ready", "True", "Published", "new message", 4}, kT0);
  EXPECT_TRUE(statusChanged(status, other));
  other = status;
  other.erase("policyVersion");  // a field the operator stops writing is removed by the apply
  EXPECT_TRUE(statusChanged(status, other));
  EXPECT_TRUE(statusChanged(json(), status));
  EXPECT_FALSE(statusChanged(json(), json::object()));
}

TEST(StatusChangedTest, EmptyFieldsEqualAbsentOnes) {
  const json conditions = setCondition(json::array(), {"Ready", "False", "NoValidPolicy", "", 1}, kT0);
  const json applied = {{"observedGeneration", 1}, {"conditions", conditions}, {"policies", json::array()}};
  const json stored = {{"observedGeneration", 1}, {"conditions", conditions}};
  EXPECT_FALSE(statusChanged(stored, applied)) << "an empty list the API server dropped is no change";
  EXPECT_FALSE(statusChanged(applied, stored));
  json withNull = stored;
  withNull["configMap"] = nullptr;
  EXPECT_FALSE(statusChanged(stored, withNull));
  json withPolicies = applied;
  withPolicies["policies"] = {"editor"};
  EXPECT_TRUE(statusChanged(stored, withPolicies));
  json withEmptyMessage = stored;
  withEmptyMessage["configMap"] = "";
  EXPECT_TRUE(statusChanged(stored, withEmptyMessage)) << "an empty string is a value";
}

}  // namespace
}  // namespace warden::op
