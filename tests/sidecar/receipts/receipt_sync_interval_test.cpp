// ReceiptSync::Interval: receipts chained and written on the calling thread (in the file before append returns),
// fdatasync'ed by a background syncer; failures stop the log exactly as in Decision mode.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <sstream>
#include <thread>

#include "receipt_test_util.h"
#include "sidecar/receipts/receipt_log.h"
#include "sidecar/receipts/receipt_verifier.h"

namespace warden::sidecar {
namespace {

using testing::Mirror;
using testing::quietOptions;
using testing::replaceLogFile;
using testing::readFile;
using testing::ReceiptDir;
using testing::sampleInput;
using testing::splitLines;
using namespace std::chrono_literals;

ReceiptLogOptions intervalOptions(const std::string& path, std::chrono::milliseconds interval = 100ms) {
  ReceiptLogOptions options = quietOptions(path);
  options.sync = ReceiptSync::Interval;
  options.syncInterval = interval;
  return options;
}

std::unique_ptr<ReceiptLog> openOrFail(ReceiptLogOptions options) {
  std::string error;
  auto log = ReceiptLog::open(std::move(options), &error);
  EXPECT_TRUE(log) << error;
  return log;
}

VerifyReport verifyFile(const std::string& path, VerifyOptions options = {}) {
  std::istringstream in(readFile(path));
  return verifyReceipts(in, options);
}

AppendResult appendOne(ReceiptLog& log, int n) {
  std::vector<ReceiptInput> inputs{sampleInput(n)};
  auto results = log.appendInline(std::move(inputs));
  EXPECT_EQ(results.size(), 1u);
  return results.empty() ? AppendResult{} : results[0];
}

// Polls (bounded) until `condition` holds; no assertion on how long it took.
template <typename Condition>
bool eventually(Condition condition) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(1ms);
  }
  return condition();
}

TEST(ReceiptSyncTest, ModeNamesRoundTrip) {
  EXPECT_EQ(parseReceiptSync("decision"), ReceiptSync::Decision);
  EXPECT_EQ(parseReceiptSync("interval"), ReceiptSync::Interval);
  EXPECT_FALSE(parseReceiptSync("Interval"));
  EXPECT_FALSE(parseReceiptSync(""));
  EXPECT_STREQ(toString(ReceiptSync::Decision), "decision");
  EXPECT_STREQ(toString(ReceiptSync::Interval), "interval");
}

TEST(ReceiptSyncTest, OpenRefusesAnIntervalOutOfRange) {
  ReceiptDir dir;
  for (const auto interval : {0ms, -1ms, 10'001ms}) {
    std::string error;
    EXPECT_FALSE(ReceiptLog::open(intervalOptions(dir.file(), interval), &error));
    EXPECT_NE(error.find("the sync interval must be above 0 and at most 10s"), std::string::npos) << error;
  }
  EXPECT_TRUE(openOrFail(intervalOptions(dir.file(), 10'000ms)));
}

TEST(ReceiptSyncTest, AReceiptIsInTheFileAndMirroredBeforeAppendReturns) {
  ReceiptDir dir;
  Mirror mirror;
  auto options = intervalOptions(dir.file(), 10'000ms);  // the syncer plays no part here
  options.mirrorToStdout = true;
  options.mirror = mirror.file();
  auto log = openOrFail(options);
  ASSERT_TRUE(log);
  ASSERT_TRUE(log->appendsInline());

  const auto first = appendOne(*log, 0);
  ASSERT_TRUE(first.ok) << first.error;
  EXPECT_EQ(first.seq, 1u);
  // Another descriptor reads it at once: it is in the file (page cache), not in a queue.
  auto lines = splitLines(readFile(dir.file()));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find(first.hash), std::string::npos);
  EXPECT_EQ(mirror.text(), lines[0] + "\n");
  EXPECT_EQ(log->lastSeq(), 1u);
  EXPECT_EQ(log->lastHash(), first.hash);

  // append() with a callback: the callback has run, on this thread, before append returns.
  bool called = false;
  AppendResult second;
  const auto caller = std::this_thread::get_id();
  log->append(sampleInput(1), [&](const AppendResult& result) {
    called = std::this_thread::get_id() == caller;
    second = result;
  });
  ASSERT_TRUE(called);
  ASSERT_TRUE(second.ok) << second.error;
  EXPECT_EQ(second.seq, 2u);
  lines = splitLines(readFile(dir.file()));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[1].find(second.hash), std::string::npos);
  EXPECT_TRUE(verifyFile(dir.file(), {second.hash, 2}).ok);
}

TEST(ReceiptSyncTest, ConcurrentWritersGetOneOrderedChain) {
  ReceiptDir dir;
  auto log = openOrFail(intervalOptions(dir.file(), 1ms));
  ASSERT_TRUE(log);
  constexpr int kThreads = 4;
  constexpr int kRounds = 100;  // each round: one single append and one batch of two
  std::mutex mu;
  std::map<std::uint64_t, std::string> hashBySeq;
  std::vector<std::string> problems;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRounds; ++r) {
        const int n = (t * kRounds + r) * 3;
        std::vector<AppendResult> results;
        results.push_back(appendOne(*log, n));
        std::vector<ReceiptInput> batch{sampleInput(n + 1), sampleInput(n + 2)};
        for (auto& result : log->appendInline(std::move(batch))) results.push_back(std::move(result));
        std::lock_guard lock(mu);
        // A batch is consecutive in the chain.
        if (results[1].seq + 1 != results[2].seq) problems.push_back("batch not consecutive");
        for (const auto& result : results) {
          if (!result.ok) problems.push_back(result.error);
          if (!hashBySeq.emplace(result.seq, result.hash).second) {
            problems.push_back("seq " + std::to_string(result.seq) + " given twice");
          }
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& p : problems) ADD_FAILURE() << p;
  constexpr std::uint64_t kTotal = kThreads * kRounds * 3;
  ASSERT_EQ(hashBySeq.size(), kTotal);
  EXPECT_EQ(hashBySeq.begin()->first, 1u);
  EXPECT_EQ(hashBySeq.rbegin()->first, kTotal);
  const std::string head = log->lastHash();
  EXPECT_EQ(log->lastSeq(), kTotal);
  log.reset();

  // The file is the chain, in seq order, each line the receipt its caller was told about.
  const auto lines = splitLines(readFile(dir.file()));
  ASSERT_EQ(lines.size(), kTotal);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string why;
    const auto receipt = parseReceipt(lines[i], &why);
    ASSERT_TRUE(receipt) << why;
    ASSERT_EQ(receipt->seq, i + 1);
    EXPECT_EQ(receipt->hash, hashBySeq[i + 1]);
  }
  const auto report = verifyFile(dir.file(), {head, kTotal});
  EXPECT_TRUE(report.ok) << "line " << report.brokenLine << ": " << report.problem;
}

TEST(ReceiptSyncTest, TheSyncerSyncsWhatWasWrittenAndTheLogResumes) {
  ReceiptDir dir;
  std::atomic<int> hookCalls{0};
  auto options = intervalOptions(dir.file(), 1ms);
  options.onSync = [&] { ++hookCalls; };
  auto log = openOrFail(options);
  ASSERT_TRUE(log);
  ASSERT_TRUE(appendOne(*log, 0).ok);
  EXPECT_TRUE(eventually([&] { return log->syncCount() >= 1; }));
  const auto before = log->syncCount();
  ASSERT_TRUE(appendOne(*log, 1).ok);
  EXPECT_TRUE(eventually([&] { return log->syncCount() > before; }));
  log.reset();  // joins the syncer: every hook call has happened
  EXPECT_GE(hookCalls.load(), 2);

  log = openOrFail(intervalOptions(dir.file()));
  ASSERT_TRUE(log);
  EXPECT_EQ(log->lastSeq(), 2u);
  const auto third = appendOne(*log, 2);
  EXPECT_EQ(third.seq, 3u);
  log.reset();
  EXPECT_TRUE(verifyFile(dir.file(), {third.hash, 3}).ok);
}

TEST(ReceiptSyncTest, WriteFailureFailsThisAndEveryLaterAppend) {
  ReceiptDir dir;
  auto log = openOrFail(intervalOptions(dir.file()));
  ASSERT_TRUE(log);
  ASSERT_TRUE(appendOne(*log, 0).ok);

  ASSERT_TRUE(replaceLogFile(*log, "/dev/full", O_WRONLY));  // the disk fills up under the log
  std::vector<ReceiptInput> batch{sampleInput(1), sampleInput(2)};
  for (const auto& result : log->appendInline(std::move(batch))) {
    EXPECT_FALSE(result.ok);
    EXPECT_NE(result.error.find("write failed: No space left on device"), std::string::npos) << result.error;
  }
  EXPECT_EQ(log->lastSeq(), 1u);

  // Space comes back, but what reached the disk is unknown: the log stays failed until it is reopened.
  ASSERT_TRUE(replaceLogFile(*log, dir.file(), O_RDWR | O_APPEND));
  const auto later = appendOne(*log, 3);
  EXPECT_FALSE(later.ok);
  EXPECT_NE(later.error.find("stopped after an earlier failure (write failed: No space left on device)"),
            std::string::npos)
      << later.error;
  AppendResult viaCallback;
  viaCallback.ok = true;
  log->append(sampleInput(4), [&](const AppendResult& result) { viaCallback = result; });
  EXPECT_FALSE(viaCallback.ok);
  log.reset();

  log = openOrFail(intervalOptions(dir.file()));
  ASSERT_TRUE(log);
  EXPECT_EQ(log->lastSeq(), 1u);
  EXPECT_TRUE(appendOne(*log, 5).ok);
  log.reset();
  EXPECT_TRUE(verifyFile(dir.file(), {"", 2}).ok);
}

TEST(ReceiptSyncTest, SyncFailureStopsTheLog) {
  ReceiptDir dir;
  auto log = openOrFail(intervalOptions(dir.file(), 1ms));
  ASSERT_TRUE(log);
  // A pipe takes the write but cannot be synced (EINVAL), like a device that loses data.
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  ASSERT_GE(::dup2(fds[1], log->fileDescriptorForTesting()), 0);
  ::close(fds[1]);
  EXPECT_TRUE(appendOne(*log, 0).ok);  // written; the failed sync comes later
  AppendResult later;
  ASSERT_TRUE(eventually([&] {
    later = appendOne(*log, 1);
    return !later.ok;
  }));
  EXPECT_NE(later.error.find("stopped after an earlier failure (fdatasync failed"), std::string::npos)
      << later.error;
  log.reset();
  ::close(fds[0]);
}

TEST(ReceiptSyncTest, RefusesOversizedReceiptsWithoutStopping) {
  ReceiptDir dir;
  auto log = openOrFail(intervalOptions(dir.file()));
  ASSERT_TRUE(log);
  ReceiptInput big = sampleInput(0);
  big.target = std::string(kMaxReceiptLineBytes, 'a');
  std::vector<ReceiptInput> batch{big, sampleInput(1)};
  const auto results = log->appendInline(std::move(batch));
  ASSERT_EQ(results.size(), 2u);
  EXPECT_FALSE(results[0].ok);
  EXPECT_NE(results[0].error.find("exceeds the limit of 1048576"), std::string::npos) << results[0].error;
  EXPECT_TRUE(results[1].ok) << results[1].error;
  EXPECT_EQ(results[1].seq, 1u);
}

TEST(ReceiptSyncTest, AppendInlineIsRefusedInDecisionMode) {
  ReceiptDir dir;
  auto log = openOrFail(quietOptions(dir.file()));
  ASSERT_TRUE(log);
  EXPECT_FALSE(log->appendsInline());
  const auto result = appendOne(*log, 0);
  EXPECT_FALSE(result.ok);
  EXPECT_NE(result.error.find("appendInline needs --receipts-sync=interval"), std::string::npos) << result.error;
  EXPECT_EQ(log->lastSeq(), 0u);
}

}  // namespace
}  // namespace warden::sidecar
