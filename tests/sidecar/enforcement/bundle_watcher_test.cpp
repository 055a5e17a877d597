#include "sidecar/enforcement/bundle_watcher.h"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "tests/sidecar/enforcement/bundle_fixture.h"

namespace warden::sidecar {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::bundleAllowing;
using Result = LoadOutcome::Result;

// Collects reported outcomes and lets the test wait (bounded) for them.
class Reports {
 public:
  void add(const LoadOutcome& o) {
    std::lock_guard lock(mu_);
    outcomes_.push_back(o);
    cv_.notify_all();
  }
  bool waitFor(std::size_t count, std::chrono::milliseconds timeout = 5s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return outcomes_.size() >= count; });
  }
  std::vector<LoadOutcome> all() {
    std::lock_guard lock(mu_);
    return outcomes_;
  }
  LoadOutcome last() {
    std::lock_guard lock(mu_);
    return outcomes_.empty() ? LoadOutcome{} : outcomes_.back();
  }
  std::size_t size() {
    std::lock_guard lock(mu_);
    return outcomes_.size();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<LoadOutcome> outcomes_;
};

class BundleWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("bundle-watcher-" + std::to_string(getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    watcher_.reset();
    fs::remove_all(dir_);
  }

  void startWatcher(const fs::path& dir) {
    std::string error;
    watcher_ = BundleWatcher::start(dir.string(), store_, [this](const LoadOutcome& o) { reports_.add(o); }, 0ms,
                                    &error);
    ASSERT_TRUE(watcher_) << error;
  }
  void startWatcher() { startWatcher(dir_); }

  // Written whole under a temporary name, then renamed into place, as careful writers do.
  static void writeAtomically(const fs::path& path, const std::string& bytes) {
    const fs::path tmp = path.parent_path() / (".tmp-" + path.filename().string());
    std::ofstream(tmp, std::ios::binary) << bytes;
    fs::rename(tmp, path);
  }
  static void writeInPlace(const fs::path& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  }

  // kubelet's ConfigMap volume: <dir>/..<ts>/{keys}, ..data -> ..<ts>, <key> -> ..data/<key>.
  void kubeletPublish(const std::string& generation, const policy::Bundle& bundle, const std::string& version) {
    const fs::path ts = dir_ / (".." + generation);
    fs::create_directories(ts);
    std::ofstream(ts / kBundleFileName, std::ios::binary) << bundle.bytes;
    std::ofstream(ts / kPolicyVersionFileName, std::ios::binary) << version;
    const bool first = !fs::exists(dir_ / "..data");
    fs::create_directory_symlink(ts.filename(), dir_ / "..data_tmp");
    fs::rename(dir_ / "..data_tmp", dir_ / "..data");
    if (first) {
      fs::create_symlink(fs::path("..data") / kBundleFileName, dir_ / kBundleFileName);
      fs::create_symlink(fs::path("..data") / kPolicyVersionFileName, dir_ / kPolicyVersionFileName);
    }
  }

  fs::path dir_;
  PolicyStore store_;
  Reports reports_;
  std::unique_ptr<BundleWatcher> watcher_;
  const policy::Bundle a_ = bundleAllowing("read_file");
  const policy::Bundle b_ = bundleAllowing("write_file");
};

TEST_F(BundleWatcherTest, LoadsTheInitialBundleBeforeStartReturns) {
  writeAtomically(dir_ / kBundleFileName, a_.bytes);
  writeAtomically(dir_ / kPolicyVersionFileName, a_.policyVersion);
  startWatcher();
  ASSERT_NE(store_.current(), nullptr);
  EXPECT_EQ(store_.current()->policyVersion(), a_.policyVersion);
  ASSERT_EQ(reports_.size(), 1u);
  EXPECT_EQ(describe(reports_.last()), "policy " + a_.policyVersion + " loaded");
}

TEST_F(BundleWatcherTest, HotSwapsToANewBundle) {
  writeAtomically(dir_ / kBundleFileName, a_.bytes);
  startWatcher();
  const policy::CompiledPolicyPtr held = store_.current();
  ASSERT_NE(held, nullptr);
  writeAtomically(dir_ / kBundleFileName, b_.bytes);
  ASSERT_TRUE(reports_.waitFor(2));
  EXPECT_EQ(reports_.last().result, Result::Loaded);
  EXPECT_EQ(reports_.last().previousVersion, a_.policyVersion);
  EXPECT_EQ(store_.current()->policyVersion(), b_.policyVersion);
  EXPECT_EQ(held->policyVersion(), a_.policyVersion);  // the old policy is intact for whoever holds it
}

TEST_F(BundleWatcherTest, InvalidBundleIsRefusedAndTheLastGoodKept) {
  writeAtomically(dir_ / kBundleFileName, a_.bytes);
  startWatcher();
  writeAtomically(dir_ / kBundleFileName, "{\"bundleFormat\":2}");
  ASSERT_TRUE(reports_.waitFor(2));
  const auto refused = reports_.last();
  EXPECT_EQ(refused.result, Result::Refused);
  EXPECT_EQ(describe(refused), "bundle refused: " + refused.error + "; keeping " + a_.policyVersion);
  EXPECT_EQ(store_.current()->policyVersion(), a_.policyVersion);
  EXPECT_EQ(store_.notReadyReason(), "");
}

TEST_F(BundleWatcherTest, MissingBundleMeansNoPolicyAndReadinessSaysWhy) {
  startWatcher();
  EXPECT_EQ(store_.current(), nullptr);
  ASSERT_EQ(reports_.size(), 1u);
  EXPECT_EQ(describe(reports_.last()),
            "bundle refused: no bundle.json in " + dir_.string() + "; no valid bundle: denying every call");
  EXPECT_EQ(store_.notReadyReason(), "no valid policy bundle: no bundle.json in " + dir_.string());
  // The bundle appears later.
  writeAtomically(dir_ / kBundleFileName, a_.bytes);
  ASSERT_TRUE(reports_.waitFor(2));
  EXPECT_EQ(reports_.last().result, Result::Loaded);
  EXPECT_EQ(store_.notReadyReason(), "");
}

TEST_F(BundleWatcherTest, BundleRemovedLaterKeepsTheLastGood) {
  writeAtomically(dir_ / kBundleFileName, a_.bytes);
  startWatcher();
  fs::remove(dir_ / kBundleFileName);
  ASSERT_TRUE(reports_.waitFor(2));
  EXPECT_EQ(reports_.last().result, Result::Refused);
  EXPECT_EQ(store_.current()->policyVersion(), a_.policyVersion);
}

TEST_F(BundleWatcherTest, CorruptBytesAreRefusedAsMalformed) {
  writeAtomically(dir_ / kBundleFileName, a_.bytes.substr(0, a_.bytes.size() / 2));
  startWatcher();
  EXPECT_EQ(store_.current(), nullptr);
  EXPECT_EQ(reports_.last().result, Result::Refused);
  EXPECT_NE(reports_.last().error.find("malformed bundle"), std::string::npos) << reports_.last().error;
}

TEST_F(BundleWatcherTest, PolicyVersionMismatchIsRefusedAsCorrupt) {
  // A valid bundle, but not the one the operator published: refused before it is even parsed.
  writeAtomically(dir_ / kBundleFileName, b_.bytes);
  writeAtomically(dir_ / kPolicyVersionFileName, a_.policyVersion + "\n");
  startWatcher();
  EXPECT_EQ(store_.current(), nullptr);
  EXPECT_NE(reports_.last().error.find("policy version mismatch"), std::string::npos) << reports_.last().error;
  // Bytes damaged in transit, with the version that names the intact ones.
  std::string damaged = a_.bytes;
  damaged[damaged.size() / 2] ^= 0x01;
  writeAtomically(dir_ / kBundleFileName, damaged);
  ASSERT_TRUE(reports_.waitFor(2));
  EXPECT_NE(reports_.last().error.find("policy version mismatch"), std::string::npos) << reports_.last().error;
  EXPECT_EQ(store_.current(), nullptr);
  // The intact bytes load; the trailing newline of the version file does not matter.
  writeAtomically(dir_ / kBundleFileName, a_.bytes);
  ASSERT_TRUE(reports_.waitFor(3));
  EXPECT_EQ(reports_.last().result, Result::Loaded);
}

TEST_F(BundleWatcherTest, EmptyPolicyVersionFileIsRefused) {
  writeAtomically(dir_ / kBundleFileName, a_.bytes);
  writeAtomically(dir_ / kPolicyVersionFileName, " \n");
  startWatcher();
  EXPECT_EQ(store_.current(), nullptr);
  EXPECT_EQ(reports_.last().error, (dir_ / kPolicyVersionFileName).string() + " is empty");
}

TEST_F(BundleWatcherTest, FollowsKubeletDataSymlinkSwaps) {
  kubeletPublish("2026_11_24_10_00_00.1", a_, a_.policyVersion);
  startWatcher();
  ASSERT_NE(store_.current(), nullptr);
  EXPECT_EQ(store_.current()->policyVersion(), a_.policyVersion);
  kubeletPublish("2026_11_24_10_05_00.2", b_, b_.policyVersion);
  fs::remove_all(dir_ / "..2026_11_24_10_00_00.1");  // kubelet removes the old generation
  ASSERT_TRUE(reports_.waitFor(2));
  EXPECT_EQ(store_.current()->policyVersion(), b_.policyVersion);
  // Both files come from one generation, so the swap never shows a bundle with the other's version.
  for (const auto& o : reports_.all()) EXPECT_NE(o.result, Result::Refused) << o.error;
}

TEST_F(BundleWatcherTest, UnchangedRewriteDoesNotReload) {
  writeAtomically(dir_ / kBundleFileName, a_.bytes);
  startWatcher();
  ASSERT_EQ(store_.status().loads, 1u);
  // start()'s own check, then the file watcher's first one: after that only events cause checks.
  ASSERT_TRUE(watcher_->waitForChecks(2, 5s));
  const auto checks = watcher_->checks();
  writeInPlace(dir_ / kBundleFileName, a_.bytes);  // the same bytes written again: a close-after-write event
  ASSERT_TRUE(watcher_->waitForChecks(checks + 1, 5s));
  EXPECT_EQ(reports_.size(), 1u);
  EXPECT_EQ(store_.status().loads, 1u);
  EXPECT_EQ(store_.status().refusals, 0u);
}

TEST_F(BundleWatcherTest, TornReadIsRefusedAndTheCompleteFileLoads) {
  writeAtomically(dir_ / kBundleFileName, a_.bytes);
  startWatcher();
  // A writer that writes in place, seen half way.
  writeInPlace(dir_ / kBundleFileName, b_.bytes.substr(0, b_.bytes.size() - 10));
  ASSERT_TRUE(reports_.waitFor(2));
  EXPECT_EQ(reports_.last().result, Result::Refused);
  EXPECT_EQ(store_.current()->policyVersion(), a_.policyVersion);
  writeInPlace(dir_ / kBundleFileName, b_.bytes);
  ASSERT_TRUE(reports_.waitFor(3));
  EXPECT_EQ(reports_.last().result, Result::Loaded);
  EXPECT_EQ(store_.current()->policyVersion(), b_.policyVersion);
}

TEST_F(BundleWatcherTest, SpecialFilesAreRefusedWithoutBlocking) {
  ASSERT_EQ(mkfifo((dir_ / kBundleFileName).c_str(), 0600), 0);
  startWatcher();  // would hang in open() on a FIFO opened for blocking reads
  EXPECT_EQ(store_.current(), nullptr);
  EXPECT_NE(reports_.last().error.find("not a regular file"), std::string::npos) << reports_.last().error;
}

TEST_F(BundleWatcherTest, WatchesADirectoryThatAppearsLater) {
  const fs::path later = dir_ / "policy";
  startWatcher(later);
  EXPECT_EQ(store_.current(), nullptr);
  ASSERT_TRUE(watcher_->waitForChecks(2, 5s));  // the file watcher has found no directory to watch
  fs::create_directories(later);
  writeAtomically(later / kBundleFileName, a_.bytes);
  // Without a directory the file watcher polls about once a second.
  ASSERT_TRUE(reports_.waitFor(2, 10s));
  EXPECT_EQ(reports_.last().result, Result::Loaded);
}

TEST_F(BundleWatcherTest, AThrowingReportDoesNotStopWatching) {
  writeAtomically(dir_ / kBundleFileName, a_.bytes);
  std::string error;
  auto watcher = BundleWatcher::start(dir_.string(), store_, [this](const LoadOutcome& o) {
    reports_.add(o);
    throw std::runtime_error("logger broken");
  }, 0ms, &error);
  ASSERT_TRUE(watcher) << error;
  writeAtomically(dir_ / kBundleFileName, b_.bytes);
  ASSERT_TRUE(reports_.waitFor(2));
  EXPECT_EQ(store_.current()->policyVersion(), b_.policyVersion);
  writeAtomically(dir_ / kBundleFileName, a_.bytes);
  ASSERT_TRUE(reports_.waitFor(3));
  EXPECT_EQ(store_.current()->policyVersion(), a_.policyVersion);
}

}  // namespace
}  // namespace warden::sidecar
