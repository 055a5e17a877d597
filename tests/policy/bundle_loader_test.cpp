#include "policy/bundle_loader.h"

#include <gtest/gtest.h>

#include "policy/canonical_json.h"
#include "policy_fixture.h"

namespace warden::policy {
namespace {

using namespace testing;
using nlohmann::json;

const std::string kPolicy = policyYaml("p", R"(  rules:
  - {name: read, tools: ["read_*"], principals: [ns/agents/sa/reader], effect: Allow}
  - {name: images, tools: [gen], effect: Allow, rateLimit: {requests: 3, per: 1m}}
  - {name: office, tools: [deploy], effect: Allow, schedule: {hours: "09:00-17:00", timeZone: Europe/Berlin}}
  - {name: review, tools: [delete], effect: Review, approval: {timeout: 5m}}
  - {name: no-secrets, effect: Deny, when: [{op: ContainsSecret}, {arg: path, op: Matches, values: ["x"]}]})");

std::string mutated(const std::string& bytes, const std::function<void(json&)>& change) {
  auto doc = json::parse(bytes);
  change(doc);
  return canonicalJson(doc);
}

TEST(BundleLoaderTest, LoadsWhatTheCompilerWrites) {
  auto bundle = compileYaml(kPolicy);
  auto loaded = loadBundle(bundle.bytes, bundle.policyVersion);
  ASSERT_TRUE(loaded.ok()) << loaded.error;
  const auto& p = *loaded.policy;
  EXPECT_EQ(p.policyVersion(), bundle.policyVersion);
  EXPECT_EQ(p.policies(), std::vector<std::string>{"p"});
  EXPECT_EQ(p.server().name, "files");
  EXPECT_EQ(p.server().namespace_, "tools");
  EXPECT_EQ(p.server().trustDomain, "example.org");
  ASSERT_EQ(p.rules(RuleKind::Tool).size(), 5u);
  const auto& images = p.rules(RuleKind::Tool)[0];
  EXPECT_EQ(images.id, "p/images");
  EXPECT_EQ(images.rateRequests, 3u);
  EXPECT_EQ(images.ratePeriod, std::chrono::minutes(1));
  const auto& review = p.rules(RuleKind::Tool)[4];
  EXPECT_EQ(review.id, "p/review");
  EXPECT_EQ(review.approvalTimeout, std::chrono::minutes(5));
}

TEST(BundleLoaderTest, RefusesAVersionMismatch) {
  auto bundle = compileYaml(kPolicy);
  auto loaded = loadBundle(bundle.bytes, std::string(64, '0'));
  EXPECT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error.find("policy version mismatch"), std::string::npos);
}

TEST(BundleLoaderTest, RefusesCorruptBytes) {
  auto bytes = compileYaml(kPolicy).bytes;
  EXPECT_FALSE(loadBundle(bytes.substr(0, bytes.size() / 2)).ok());          // truncated
  EXPECT_FALSE(loadBundle("").ok());                                         // empty
  EXPECT_FALSE(loadBundle(bytes + "\n").ok());                               // not canonical
  EXPECT_FALSE(loadBundle(json::parse(bytes).dump(2)).ok());                 // pretty-printed: not canonical
  std::string dup = bytes;
  dup.insert(1, "\"bundleFormat\":1,");                                      // duplicate key
  auto d = loadBundle(dup);
  EXPECT_FALSE(d.ok());
  EXPECT_NE(d.error.find("duplicate key"), std::string::npos) << d.error;
}

TEST(BundleLoaderTest, RefusesUnsupportedFormatsAndUnknownFields) {
  auto bytes = compileYaml(kPolicy).bytes;
  auto v2 = loadBundle(mutated(bytes, [](json& d) { d["bundleFormat"] = 2; }));
  EXPECT_FALSE(v2.ok());
  EXPECT_NE(v2.error.find("unsupported bundleFormat 2"), std::string::npos) << v2.error;
  EXPECT_FALSE(loadBundle(mutated(bytes, [](json& d) { d["extra"] = 1; })).ok());
  EXPECT_FALSE(loadBundle(mutated(bytes, [](json& d) { d.erase("prompts"); })).ok());
  EXPECT_FALSE(loadBundle(mutated(bytes, [](json& d) { d["server"]["extra"] = "x"; })).ok());
  EXPECT_FALSE(loadBundle(mutated(bytes, [](json& d) { d["server"]["defaultAction"] = "Review"; })).ok());
  EXPECT_FALSE(loadBundle(mutated(bytes, [](json& d) { d["tools"][0]["unknown"] = true; })).ok());
}

TEST(BundleLoaderTest, RefusesInvalidRules) {
  auto bytes = compileYaml(kPolicy).bytes;
  auto badRegex = loadBundle(mutated(bytes, [](json& d) { d["tools"][1]["when"][1]["values"][0] = "(open"; }));
  EXPECT_FALSE(badRegex.ok());
  EXPECT_NE(badRegex.error.find("tools[1].when[1].values[0]: invalid regular expression"), std::string::npos)
      << badRegex.error;
  EXPECT_FALSE(loadBundle(mutated(bytes, [](json& d) { d["tools"][0]["policy"] = "unlisted"; })).ok());
  EXPECT_FALSE(loadBundle(mutated(bytes, [](json& d) { d["tools"][0]["effect"] = "Maybe"; })).ok());
  EXPECT_FALSE(
      loadBundle(mutated(bytes, [](json& d) { d["tools"][2]["schedule"]["timeZone"] = "Mars/Olympus"; })).ok());
  EXPECT_FALSE(loadBundle(mutated(bytes, [](json& d) { d["tools"][3]["principals"][0] = "not a principal"; })).ok());
}

}  // namespace
}  // namespace warden::policy
