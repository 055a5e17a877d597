#include "sidecar/enforcement/policy_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/sidecar/enforcement/bundle_fixture.h"

namespace warden::sidecar {
namespace {

using testing::bundleAllowing;
using Result = LoadOutcome::Result;

std::chrono::system_clock::time_point at(int seconds) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(seconds));
}

class PolicyStoreTest : public ::testing::Test {
 protected:
  PolicyStoreTest() : store_([this] { return now_; }) {}
  std::chrono::system_clock::time_point now_ = at(1000);
  PolicyStore store_;
  const policy::Bundle a_ = bundleAllowing("read_file");
  const policy::Bundle b_ = bundleAllowing("write_file");
};

TEST_F(PolicyStoreTest, FixtureBundlesAreDistinctAndValid) {
  EXPECT_NE(a_.policyVersion, b_.policyVersion);
  EXPECT_EQ(a_.policyVersion.size(), 64u);
}

TEST_F(PolicyStoreTest, HasNoPolicyUntilAValidBundleLoads) {
  EXPECT_EQ(store_.current(), nullptr);
  const auto s = store_.status();
  EXPECT_EQ(s.policyVersion, "");
  EXPECT_EQ(s.loads, 0u);
  EXPECT_EQ(store_.notReadyReason(), "no valid policy bundle yet");
}

TEST_F(PolicyStoreTest, LoadsAValidBundle) {
  const auto outcome = store_.load(a_.bytes, a_.policyVersion);
  EXPECT_EQ(outcome.result, Result::Loaded);
  EXPECT_EQ(outcome.policyVersion, a_.policyVersion);
  EXPECT_EQ(outcome.previousVersion, "");
  ASSERT_NE(store_.current(), nullptr);
  EXPECT_EQ(store_.current()->policyVersion(), a_.policyVersion);
  EXPECT_EQ(store_.current()->policies(), std::vector<std::string>{"editor"});
  const auto s = store_.status();
  EXPECT_EQ(s.policyVersion, a_.policyVersion);
  EXPECT_EQ(s.loadedAt, at(1000));
  EXPECT_EQ(s.loads, 1u);
  EXPECT_EQ(s.refusals, 0u);
  EXPECT_EQ(store_.notReadyReason(), "");
}

TEST_F(PolicyStoreTest, SameBytesAreUnchangedAndNotSwapped) {
  store_.load(a_.bytes);
  const auto before = store_.current();
  now_ = at(2000);
  const auto outcome = store_.load(a_.bytes, a_.policyVersion);
  EXPECT_EQ(outcome.result, Result::Unchanged);
  EXPECT_EQ(outcome.policyVersion, a_.policyVersion);
  EXPECT_EQ(store_.current(), before);
  EXPECT_EQ(store_.status().loads, 1u);
  EXPECT_EQ(store_.status().loadedAt, at(1000));
}

TEST_F(PolicyStoreTest, HotSwapKeepsTheOldPolicyAliveForItsHolders) {
  store_.load(a_.bytes);
  const policy::CompiledPolicyPtr held = store_.current();
  now_ = at(2000);
  const auto outcome = store_.load(b_.bytes);
  EXPECT_EQ(outcome.result, Result::Loaded);
  EXPECT_EQ(outcome.previousVersion, a_.policyVersion);
  EXPECT_EQ(outcome.policyVersion, b_.policyVersion);
  EXPECT_EQ(store_.current()->policyVersion(), b_.policyVersion);
  EXPECT_EQ(held->policyVersion(), a_.policyVersion);  // still whole: a request in flight finishes with it
  EXPECT_EQ(store_.status().loadedAt, at(2000));
  EXPECT_EQ(store_.status().loads, 2u);
}

TEST_F(PolicyStoreTest, InvalidBundleIsRefusedAndTheLastGoodOneKept) {
  store_.load(a_.bytes);
  const auto before = store_.current();
  const auto outcome = store_.load("{\"bundleFormat\":1}");
  EXPECT_EQ(outcome.result, Result::Refused);
  EXPECT_NE(outcome.error, "");
  EXPECT_EQ(outcome.policyVersion, a_.policyVersion);
  EXPECT_EQ(store_.current(), before);
  const auto s = store_.status();
  EXPECT_EQ(s.refusals, 1u);
  EXPECT_EQ(s.lastError, outcome.error);
  EXPECT_EQ(store_.notReadyReason(), "");  // still enforcing the last good policy
  // A later good load clears the error.
  store_.load(b_.bytes);
  EXPECT_EQ(store_.status().lastError, "");
}

TEST_F(PolicyStoreTest, RefusesBytesThatDoNotHashToTheExpectedVersion) {
  const auto outcome = store_.load(b_.bytes, a_.policyVersion);
  EXPECT_EQ(outcome.result, Result::Refused);
  EXPECT_NE(outcome.error.find("policy version mismatch"), std::string::npos) << outcome.error;
  EXPECT_EQ(store_.current(), nullptr);
  // The policy in force with a wrong expected version is refused too, not "unchanged".
  store_.load(a_.bytes);
  EXPECT_EQ(store_.load(a_.bytes, b_.policyVersion).result, Result::Refused);
}

TEST_F(PolicyStoreTest, NonCanonicalBytesAreRefused) {
  const auto outcome = store_.load(a_.bytes + "\n");
  EXPECT_EQ(outcome.result, Result::Refused);
  EXPECT_EQ(store_.current(), nullptr);
}

TEST_F(PolicyStoreTest, RefusalWithoutBytesExplainsReadiness) {
  const auto outcome = store_.refuse("no bundle.json in /etc/warden/policy");
  EXPECT_EQ(outcome.result, Result::Refused);
  EXPECT_EQ(outcome.policyVersion, "");
  EXPECT_EQ(store_.notReadyReason(), "no valid policy bundle: no bundle.json in /etc/warden/policy");
  EXPECT_EQ(store_.status().refusals, 1u);
}

TEST_F(PolicyStoreTest, ReadersSeeWholePoliciesDuringSwaps) {
  store_.load(a_.bytes);
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::atomic<long> reads{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        const auto p = store_.current();
        if (!p || (p->policyVersion() != a_.policyVersion && p->policyVersion() != b_.policyVersion)) ++bad;
        ++reads;
      }
    });
  }
  for (int i = 0; i < 50; ++i) store_.load(i % 2 ? a_.bytes : b_.bytes);
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(store_.status().loads, 51u);
}

TEST(LoadOutcomeTest, DescribesEachOutcomeForTheLog) {
  EXPECT_EQ(describe({Result::Loaded, "abc", "", ""}), "policy abc loaded");
  EXPECT_EQ(describe({Result::Unchanged, "abc", "abc", ""}), "policy abc unchanged");
  EXPECT_EQ(describe({Result::Refused, "abc", "abc", "malformed bundle"}),
            "bundle refused: malformed bundle; keeping abc");
  EXPECT_EQ(describe({Result::Refused, "", "", "no bundle.json in /p"}),
            "bundle refused: no bundle.json in /p; no valid bundle: denying every call");
  EXPECT_STREQ(toString(Result::Refused), "refused");
}

}  // namespace
}  // namespace warden::sidecar
