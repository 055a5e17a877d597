#include "operator/webhooks/label_selector.h"

#include <gtest/gtest.h>

namespace warden::op {
namespace {

using Labels = std::map<std::string, std::string>;

policy::LabelSelector expr(std::string key, std::string op, std::vector<std::string> values = {}) {
  policy::LabelSelector s;
  s.matchExpressions.push_back({std::move(key), std::move(op), std::move(values)});
  return s;
}

TEST(LabelSelectorTest, MatchLabelsNeedsEveryPair) {
  policy::LabelSelector s;
  s.matchLabels = {{"app", "files"}, {"tier", "api"}};
  EXPECT_TRUE(selectorMatches(s, {{"app", "files"}, {"tier", "api"}, {"extra", "x"}}));
  EXPECT_FALSE(selectorMatches(s, {{"app", "files"}}));
  EXPECT_FALSE(selectorMatches(s, {{"app", "files"}, {"tier", "web"}}));
  EXPECT_FALSE(selectorMatches(s, {}));
}

TEST(LabelSelectorTest, Operators) {
  const auto in = expr("app", "In", {"a", "b"});
  EXPECT_TRUE(selectorMatches(in, {{"app", "a"}}));
  EXPECT_TRUE(selectorMatches(in, {{"app", "b"}}));
  EXPECT_FALSE(selectorMatches(in, {{"app", "c"}}));
  EXPECT_FALSE(selectorMatches(in, {}));

  const auto notIn = expr("track", "NotIn", {"canary"});
  EXPECT_TRUE(selectorMatches(notIn, {}));  // absent counts as not in
  EXPECT_TRUE(selectorMatches(notIn, {{"track", "stable"}}));
  EXPECT_FALSE(selectorMatches(notIn, {{"track", "canary"}}));

  const auto exists = expr("mirror", "Exists");
  EXPECT_TRUE(selectorMatches(exists, {{"mirror", ""}}));
  EXPECT_FALSE(selectorMatches(exists, {{"other", "x"}}));

  const auto missing = expr("legacy", "DoesNotExist");
  EXPECT_TRUE(selectorMatches(missing, {{"app", "a"}}));
  EXPECT_FALSE(selectorMatches(missing, {{"legacy", "true"}}));

  EXPECT_FALSE(selectorMatches(expr("app", "Matches", {"a"}), {{"app", "a"}}));  // unknown: fail closed
}

TEST(LabelSelectorTest, EverythingMustHold) {
  auto s = expr("app", "In", {"search"});
  s.matchLabels = {{"team", "x"}};
  s.matchExpressions.push_back({"legacy", "DoesNotExist", {}});
  EXPECT_TRUE(selectorMatches(s, {{"app", "search"}, {"team", "x"}}));
  EXPECT_FALSE(selectorMatches(s, {{"app", "search"}, {"team", "x"}, {"legacy", "1"}}));
  EXPECT_FALSE(selectorMatches(s, {{"app", "search"}}));
  EXPECT_TRUE(selectorMatches(policy::LabelSelector{}, {}));  // Kubernetes: empty selects everything
}

TEST(LabelSelectorTest, Describes) {
  auto s = expr("tier", "In", {"api", "web"});
  s.matchLabels = {{"app", "files"}};
  s.matchExpressions.push_back({"track", "NotIn", {"canary"}});
  s.matchExpressions.push_back({"mirror", "Exists", {}});
  s.matchExpressions.push_back({"legacy", "DoesNotExist", {}});
  EXPECT_EQ(describeSelector(s), "app=files, tier in (api, web), track notin (canary), mirror, !legacy");
  EXPECT_EQ(describeSelector(policy::LabelSelector{}), "<everything>");
}

}  // namespace
}  // namespace warden::op
