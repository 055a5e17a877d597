#include "operator/manager/informer_reader.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "operator/controllers/toolpolicy_target.h"
#include "tests/operator/api_server_double.h"
#include "tests/operator/reconcile_fixture.h"

namespace warden::op {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::allowRule;
using testing::brokenRule;
using testing::toolPolicyJson;

std::vector<std::string> namesOf(const std::vector<ObjectPtr>& objects) {
  std::vector<std::string> out;
  for (const auto& object : objects) out.push_back((*object)["metadata"]["name"]);
  std::sort(out.begin(), out.end());
  return out;
}

class InformerReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& policy : {toolPolicyJson("b", {allowRule("r", "t")}, "files"),
                               toolPolicyJson("a", {brokenRule("x")}, "files"),
                               toolPolicyJson("c", {allowRule("r", "t")}, "git"),
                               toolPolicyJson("d", {allowRule("r", "t")}, "files", "other-ns")}) {
      ASSERT_EQ(api_->create(resources::toolPolicies(), policy["metadata"]["namespace"], policy).status, 201);
    }
  }

  std::unique_ptr<Informer> policyInformer(bool indexed) {
    InformerOptions options;
    options.initialBackoff = 10ms;
    options.maxBackoff = 50ms;
    if (indexed) options.indexers = {{kToolPolicyTargetIndex, toolPolicyTargetIndexValues}};
    auto informer = std::make_unique<Informer>(api_, resources::toolPolicies(), options);
    informer->start();
    EXPECT_TRUE(informer->waitForSync(5000ms));
    return informer;
  }

  std::shared_ptr<testing::ApiServerDouble> api_ = std::make_shared<testing::ApiServerDouble>();
};

TEST_F(InformerReaderTest, TargetingPoliciesFromTheIndex) {
  auto informer = policyInformer(true);
  InformerReader reader;
  reader.add(*informer);
  const auto found = reader.toolPoliciesTargeting("tools", "files");
  EXPECT_EQ(namesOf(found), (std::vector<std::string>{"a", "b"}));
  for (const auto& policy : found) {
    EXPECT_EQ(policy, informer->get("tools", (*policy)["metadata"]["name"])) << "the cached object, not a copy";
  }
  EXPECT_EQ(namesOf(reader.toolPoliciesTargeting("other-ns", "files")), (std::vector<std::string>{"d"}));
  EXPECT_TRUE(reader.toolPoliciesTargeting("tools", "nothing").empty());
}

TEST_F(InformerReaderTest, WithoutTheIndexTheSameAnswerFromAList) {
  auto indexed = policyInformer(true);
  auto plain = policyInformer(false);
  InformerReader fromIndex;
  fromIndex.add(*indexed);
  InformerReader fromList;
  fromList.add(*plain);
  for (const auto& [ns, server] : std::vector<std::pair<std::string, std::string>>{
           {"tools", "files"}, {"tools", "git"}, {"other-ns", "files"}, {"tools", "nothing"}}) {
    EXPECT_EQ(namesOf(fromList.toolPoliciesTargeting(ns, server)), namesOf(fromIndex.toolPoliciesTargeting(ns, server)))
        << ns << "/" << server;
  }
}

TEST_F(InformerReaderTest, TypesWithoutAnInformerReadAsEmpty) {
  InformerReader reader;
  EXPECT_FALSE(reader.has(resources::toolPolicies()));
  EXPECT_EQ(reader.get(resources::toolPolicies(), "tools", "a"), nullptr);
  EXPECT_TRUE(reader.list(resources::toolPolicies(), "tools").empty());
  EXPECT_TRUE(reader.toolPoliciesTargeting("tools", "files").empty());
}

}  // namespace
}  // namespace warden::op
