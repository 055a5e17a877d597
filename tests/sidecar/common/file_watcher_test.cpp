#include "sidecar/common/file_watcher.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>

#include <unistd.h>

namespace warden::sidecar {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Counts callbacks and lets the test wait (bounded) for the next one.
class Calls {
 public:
  void hit() {
    std::lock_guard lock(mu_);
    ++count_;
    cv_.notify_all();
  }
  bool waitFor(int atLeast, std::chrono::milliseconds timeout = 5s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return count_ >= atLeast; });
  }
  int count() {
    std::lock_guard lock(mu_);
    return count_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int count_ = 0;
};

class FileWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("watcher-" + std::to_string(getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(FileWatcherTest, CallsOnceAtStartAndOnWrites) {
  Calls calls;
  std::string error;
  auto w = FileWatcher::start(dir_.string(), [&] { calls.hit(); }, 0ms, &error);
  ASSERT_TRUE(w) << error;
  ASSERT_TRUE(calls.waitFor(1));
  std::ofstream(dir_ / "bundle.json") << "{}";
  EXPECT_TRUE(calls.waitFor(2));
}

TEST_F(FileWatcherTest, SeesKubeletStyleSymlinkSwaps) {
  // kubelet: ..2026_01/bundle.json, ..data -> ..2026_01, bundle.json -> ..data/bundle.json; an update writes a
  // new directory and renames a fresh symlink over ..data.
  fs::create_directories(dir_ / "..v1");
  std::ofstream(dir_ / "..v1" / "bundle.json") << "1";
  fs::create_directory_symlink("..v1", dir_ / "..data");
  fs::create_symlink("..data/bundle.json", dir_ / "bundle.json");
  Calls calls;
  std::string error;
  auto w = FileWatcher::start(dir_.string(), [&] { calls.hit(); }, 0ms, &error);
  ASSERT_TRUE(w) << error;
  ASSERT_TRUE(calls.waitFor(1));
  const int before = calls.count();
  fs::create_directories(dir_ / "..v2");
  std::ofstream(dir_ / "..v2" / "bundle.json") << "2";
  fs::create_directory_symlink("..v2", dir_ / "..data_tmp");
  fs::rename(dir_ / "..data_tmp", dir_ / "..data");
  EXPECT_TRUE(calls.waitFor(before + 1));
  std::ifstream in(dir_ / "bundle.json");
  std::string content;
  in >> content;
  EXPECT_EQ(content, "2");
}

TEST_F(FileWatcherTest, WaitsForAMissingDirectoryAndFollowsItsReplacement) {
  const auto sub = dir_ / "later";
  Calls calls;
  std::string error;
  auto w = FileWatcher::start(sub.string(), [&] { calls.hit(); }, 0ms, &error);
  ASSERT_TRUE(w) << error;
  ASSERT_TRUE(calls.waitFor(1));
  fs::create_directories(sub);
  // Without a watch the watcher polls about once a second.
  ASSERT_TRUE(calls.waitFor(2, 5s));
  // Replace the directory: the watch must follow the new one.
  fs::remove_all(sub);
  fs::create_directories(sub);
  const int before = calls.count();
  std::ofstream(sub / "x") << "x";
  EXPECT_TRUE(calls.waitFor(before + 1, 5s));
}

TEST_F(FileWatcherTest, SafetyNetPollCallsEvenWithoutEvents) {
  Calls calls;
  std::string error;
  auto w = FileWatcher::start(dir_.string(), [&] { calls.hit(); }, 50ms, &error);
  ASSERT_TRUE(w) << error;
  EXPECT_TRUE(calls.waitFor(3, 5s));
}

TEST_F(FileWatcherTest, DestructionStopsPromptly) {
  Calls calls;
  std::string error;
  auto w = FileWatcher::start(dir_.string(), [&] { calls.hit(); }, 0ms, &error);
  ASSERT_TRUE(calls.waitFor(1));
  w.reset();  // joins the thread: would hang the test (and hit its timeout) if the thread did not stop
  SUCCEED();
}

}  // namespace
}  // namespace warden::sidecar
