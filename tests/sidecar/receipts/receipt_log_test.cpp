#include "sidecar/receipts/receipt_log.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <sstream>
#include <thread>

#include "policy/canonical_json.h"
#include "receipt_test_util.h"
#include "sidecar/receipts/receipt_verifier.h"

namespace warden::sidecar {
namespace {

using testing::buildChain;
using testing::joinLines;
using testing::Mirror;
using testing::quietOptions;
using testing::replaceLogFile;
using testing::readFile;
using testing::ReceiptDir;
using testing::Results;
using testing::sampleInput;
using testing::splitLines;
using testing::writeFile;
using namespace std::chrono_literals;

VerifyReport verifyFile(const std::string& path, VerifyOptions options = {}) {
  std::istringstream in(readFile(path));
  return verifyReceipts(in, options);
}

std::unique_ptr<ReceiptLog> openOrFail(ReceiptLogOptions options) {
  std::string error;
  auto log = ReceiptLog::open(std::move(options), &error);
  EXPECT_TRUE(log) << error;
  return log;
}

// Appends `count` receipts and waits for all of them.
std::vector<AppendResult> appendAndWait(ReceiptLog& log, int count, int first = 0) {
  Results results;
  for (int i = 0; i < count; ++i) log.append(sampleInput(first + i), results.callback());
  EXPECT_TRUE(results.waitFor(static_cast<std::size_t>(count)));
  return results.all();
}

TEST(ReceiptLogTest, FirstReceiptStartsTheChainAndIsMirroredOnlyOnceDurable) {
  ReceiptDir dir;
  Mirror mirror;
  ReceiptLogOptions options;
  options.path = dir.file();
  options.mirror = mirror.file();
  auto log = openOrFail(options);
  ASSERT_TRUE(log);
  EXPECT_EQ(log->lastSeq(), 0u);
  EXPECT_EQ(log->lastHash(), kGenesisHash);

  const Receipt expected = makeReceipt(sampleInput(1), 1, kGenesisHash);
  Results results;
  std::string fileAtCallback, mirrorAtCallback;
  log->append(sampleInput(1), [&, callback = results.callback()](const AppendResult& result) {
    fileAtCallback = readFile(dir.file());
    mirrorAtCallback = mirror.text();  // the writer thread is the only one writing to it
    callback(result);
  });
  ASSERT_TRUE(results.waitFor(1));
  const AppendResult result = results.all()[0];
  EXPECT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.seq, 1u);
  EXPECT_EQ(result.hash, expected.hash);
  EXPECT_EQ(fileAtCallback, formatReceipt(expected) + "\n");
  EXPECT_EQ(mirrorAtCallback, "");
  EXPECT_EQ(log->lastSeq(), 1u);
  EXPECT_EQ(log->lastHash(), expected.hash);
  log.reset();
  EXPECT_EQ(mirror.text(), readFile(dir.file()));

  struct stat st {};
  ASSERT_EQ(::stat(dir.file().c_str(), &st), 0);
  const mode_t mask = ::umask(0);
  ::umask(mask);
  EXPECT_EQ(st.st_mode & 0777, 0640 & ~mask);
}

TEST(ReceiptLogTest, MissingDirectoryIsAnErrorNamingIt) {
  ReceiptDir dir;
  std::string error;
  EXPECT_FALSE(ReceiptLog::open(quietOptions(dir.path() + "/missing/receipts.log"), &error));
  EXPECT_NE(error.find("directory \"" + dir.path() + "/missing\" does not exist"), std::string::npos) << error;
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/missing"));
}

TEST(ReceiptLogTest, RefusesWhatIsNotARegularFile) {
  ReceiptDir dir;
  ASSERT_EQ(::mkfifo(dir.file("fifo").c_str(), 0600), 0);
  std::string error;
  EXPECT_FALSE(ReceiptLog::open(quietOptions(dir.file("fifo")), &error));
  EXPECT_NE(error.find("not a regular file"), std::string::npos) << error;
  EXPECT_FALSE(ReceiptLog::open(quietOptions(dir.path()), &error));
  EXPECT_NE(error.find("cannot open: Is a directory"), std::string::npos) << error;
}

TEST(ReceiptLogTest, RefusesASecondWriter) {
  ReceiptDir dir;
  auto first = openOrFail(quietOptions(dir.file()));
  ASSERT_TRUE(first);
  std::string error;
  EXPECT_FALSE(ReceiptLog::open(quietOptions(dir.file()), &error));
  EXPECT_NE(error.find("in use by another writer"), std::string::npos) << error;
  first.reset();
  EXPECT_TRUE(openOrFail(quietOptions(dir.file())));
}

TEST(ReceiptLogTest, RefusesAnEmptyBatch) {
  ReceiptDir dir;
  auto options = quietOptions(dir.file());
  options.maxBatch = 0;
  std::string error;
  EXPECT_FALSE(ReceiptLog::open(options, &error));
  EXPECT_NE(error.find("maxBatch must be between 1 and"), std::string::npos) << error;
}

TEST(ReceiptLogTest, ChainsAppendsFromManyThreadsInCallbackOrder) {
  ReceiptDir dir;
  auto log = openOrFail(quietOptions(dir.file()));
  ASSERT_TRUE(log);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 400;
  constexpr std::size_t kTotal = kThreads * kPerThread;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::uint64_t> callbackOrder;
  std::map<int, std::vector<std::uint64_t>> seqsByThread;
  std::size_t failures = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        log->append(sampleInput(t * kPerThread + i), [&, t](const AppendResult& result) {
          std::lock_guard lock(mu);
          if (!result.ok) ++failures;
          callbackOrder.push_back(result.seq);
          seqsByThread[t].push_back(result.seq);
          cv.notify_all();
        });
      }
    });
  }
  for (auto& thread : threads) thread.join();
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 20s, [&] { return callbackOrder.size() == kTotal; }));
  }
  EXPECT_EQ(failures, 0u);
  for (std::size_t i = 0; i < kTotal; ++i) ASSERT_EQ(callbackOrder[i], i + 1) << "callback " << i;
  for (const auto& [thread, seqs] : seqsByThread) {
    EXPECT_EQ(seqs.size(), static_cast<std::size_t>(kPerThread));
    EXPECT_TRUE(std::is_sorted(seqs.begin(), seqs.end())) << "thread " << thread;
  }
  EXPECT_EQ(log->lastSeq(), kTotal);
  const std::string head = log->lastHash();
  log.reset();
  const VerifyReport report = verifyFile(dir.file(), {head, kTotal});
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.receipts, kTotal);
}

TEST(ReceiptLogTest, GroupCommitWritesWhatQueuedDuringTheLastSyncInOneBatch) {
  ReceiptDir dir;
  auto options = quietOptions(dir.file());
  options.maxBatch = 512;
  auto log = openOrFail(options);
  ASSERT_TRUE(log);

  // Hold the writer inside the first receipt's callback, i.e. right after its fdatasync, while 1000 queue up.
  std::mutex mu;
  std::condition_variable cv;
  bool entered = false, release = false;
  log->append(sampleInput(0), [&](const AppendResult&) {
    std::unique_lock lock(mu);
    entered = true;
    cv.notify_all();
    cv.wait_for(lock, 10s, [&] { return release; });
  });
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return entered; }));
  }
  Results results;
  for (int i = 1; i <= 1000; ++i) log->append(sampleInput(i), results.callback());
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  ASSERT_TRUE(results.waitFor(1000));
  for (const auto& result : results.all()) ASSERT_TRUE(result.ok) << result.error;
  // 1 + 512 + 488: one fdatasync per batch, batches capped at maxBatch.
  EXPECT_EQ(log->syncCount(), 3u);
  EXPECT_EQ(log->lastSeq(), 1001u);
  log.reset();
  const VerifyReport report = verifyFile(dir.file(), {"", 1001});
  EXPECT_TRUE(report.ok) << report.problem;
}

TEST(ReceiptLogTest, ResumesTheChainAfterReopening) {
  ReceiptDir dir;
  auto log = openOrFail(quietOptions(dir.file()));
  ASSERT_TRUE(log);
  const auto first = appendAndWait(*log, 3);
  log.reset();

  log = openOrFail(quietOptions(dir.file()));
  ASSERT_TRUE(log);
  EXPECT_EQ(log->lastSeq(), 3u);
  EXPECT_EQ(log->lastHash(), first[2].hash);
  const auto second = appendAndWait(*log, 2, 3);
  EXPECT_EQ(second[0].seq, 4u);
  log.reset();

  const auto lines = splitLines(readFile(dir.file()));
  ASSERT_EQ(lines.size(), 5u);
  std::string error;
  const auto fourth = parseReceipt(lines[3], &error);
  ASSERT_TRUE(fourth) << error;
  EXPECT_EQ(fourth->prev, first[2].hash);
  const VerifyReport report = verifyFile(dir.file(), {second[1].hash, 5});
  EXPECT_TRUE(report.ok) << report.problem;
}

TEST(ReceiptLogTest, DestructionWritesEverythingQueued) {
  ReceiptDir dir;
  auto log = openOrFail(quietOptions(dir.file()));
  ASSERT_TRUE(log);
  Results results;
  for (int i = 0; i < 300; ++i) log->append(sampleInput(i), results.callback());
  log.reset();
  ASSERT_TRUE(results.waitFor(300, 0ms));
  for (const auto& result : results.all()) EXPECT_TRUE(result.ok) << result.error;
  EXPECT_TRUE(verifyFile(dir.file(), {"", 300}).ok);
}

TEST(ReceiptLogTest, RecordsATornLastLineAndVerifies) {
  ReceiptDir dir;
  const auto chain = buildChain(4);
  const std::string torn = chain[3].substr(0, 57);
  writeFile(dir.file(), joinLines({chain[0], chain[1], chain[2]}) + torn);
  Mirror mirror;
  auto options = quietOptions(dir.file());
  options.mirrorToStdout = true;
  options.mirror = mirror.file();
  auto log = openOrFail(options);
  ASSERT_TRUE(log);
  EXPECT_EQ(log->lastSeq(), 4u);

  const std::string text = readFile(dir.file());
  const auto lines = splitLines(text);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[3], torn);
  std::string error;
  const auto recovery = parseReceipt(lines[4], &error);
  ASSERT_TRUE(recovery) << error;
  EXPECT_EQ(recovery->seq, 4u);
  EXPECT_EQ(recovery->method, "warden/recovery");
  EXPECT_EQ(recovery->decision, "recovered");
  EXPECT_EQ(recovery->reason, "torn last line: 57 bytes, sha256 " + policy::sha256Hex(torn));
  EXPECT_EQ(recovery->prev, parseReceipt(chain[2], &error)->hash);
  EXPECT_EQ(recovery->hash, log->lastHash());
  EXPECT_EQ(mirror.text(), lines[4] + "\n");

  // The chain goes on from the recovery receipt.
  const auto results = appendAndWait(*log, 1, 10);
  EXPECT_EQ(results[0].seq, 5u);
  log.reset();
  const VerifyReport report = verifyFile(dir.file(), {results[0].hash, 5});
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.recoveredTornLines, 1u);
}

TEST(ReceiptLogTest, RecordsATornFirstLine) {
  ReceiptDir dir;
  writeFile(dir.file(), buildChain(1)[0].substr(0, 10));
  auto log = openOrFail(quietOptions(dir.file()));
  ASSERT_TRUE(log);
  EXPECT_EQ(log->lastSeq(), 1u);
  log.reset();
  const auto lines = splitLines(readFile(dir.file()));
  ASSERT_EQ(lines.size(), 2u);
  std::string error;
  EXPECT_EQ(parseReceipt(lines[1], &error)->prev, kGenesisHash);
  const VerifyReport report = verifyFile(dir.file(), {"", 1});
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.recoveredTornLines, 1u);
}

TEST(ReceiptLogTest, AReceiptWithoutItsNewlineIsRecordedAsTorn) {
  // The write stopped just before "\n": the receipt was never acknowledged, so it is recorded, not continued.
  ReceiptDir dir;
  const auto chain = buildChain(3);
  std::string text = joinLines(chain);
  text.pop_back();
  writeFile(dir.file(), text);
  auto log = openOrFail(quietOptions(dir.file()));
  ASSERT_TRUE(log);
  EXPECT_EQ(log->lastSeq(), 3u);
  log.reset();
  const VerifyReport report = verifyFile(dir.file(), {"", 3});
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.recoveredTornLines, 1u);
}

TEST(ReceiptLogTest, RefusesToContinueADamagedLastReceipt) {
  ReceiptDir dir;
  auto chain = buildChain(3);
  chain[2].replace(chain[2].find("\"deny\""), 6, "\"allow\"");
  const std::string text = joinLines(chain);
  writeFile(dir.file(), text);
  std::string error;
  EXPECT_FALSE(ReceiptLog::open(quietOptions(dir.file()), &error));
  EXPECT_NE(error.find("is damaged: its last receipt does not verify (hash does not match its content (edited))"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("wardenctl receipts verify"), std::string::npos) << error;
  EXPECT_EQ(readFile(dir.file()), text);

  writeFile(dir.file(), joinLines({buildChain(1)[0], "hello"}));
  EXPECT_FALSE(ReceiptLog::open(quietOptions(dir.file()), &error));
  EXPECT_NE(error.find("is damaged: its last receipt does not verify (not JSON"), std::string::npos) << error;

  writeFile(dir.file(), std::string(3 * 1024 * 1024, 'x') + "\n");
  EXPECT_FALSE(ReceiptLog::open(quietOptions(dir.file()), &error));
  EXPECT_NE(error.find("is damaged: its last line is longer than 1048576 bytes"), std::string::npos) << error;
}

TEST(ReceiptLogTest, ReadsOnlyTheTailOfALargeLog) {
  // The last receipt and the torn bytes after it span several read chunks; what comes before them is never
  // parsed (the writer only needs the end of the chain; the verifier checks the rest).
  ReceiptDir dir;
  ReceiptInput input = sampleInput(0);
  input.target = std::string(200 * 1024, 't');
  const Receipt last = makeReceipt(input, 7, std::string(64, 'c'));
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "not a receipt\n";
  const std::string torn(100 * 1024, 'x');
  text += formatReceipt(last) + "\n" + torn;
  writeFile(dir.file(), text);
  auto log = openOrFail(quietOptions(dir.file()));
  ASSERT_TRUE(log);
  EXPECT_EQ(log->lastSeq(), 8u);
  log.reset();
  const auto lines = splitLines(readFile(dir.file()));
  ASSERT_EQ(lines.size(), 20003u);
  std::string error;
  const auto recovery = parseReceipt(lines.back(), &error);
  ASSERT_TRUE(recovery) << error;
  EXPECT_EQ(recovery->prev, last.hash);
  EXPECT_EQ(recovery->reason, tornLineReason(torn));
}

TEST(ReceiptLogTest, WriteFailureFailsThisAndEveryLaterAppend) {
  ReceiptDir dir;
  auto log = openOrFail(quietOptions(dir.file()));
  ASSERT_TRUE(log);
  ASSERT_TRUE(appendAndWait(*log, 1)[0].ok);

  ASSERT_TRUE(replaceLogFile(*log, "/dev/full", O_WRONLY));  // the disk fills up under the log
  auto results = appendAndWait(*log, 2, 1);
  for (const auto& result : results) {
    EXPECT_FALSE(result.ok);
    EXPECT_NE(result.error.find("write failed: No space left on device"), std::string::npos) << result.error;
  }
  EXPECT_EQ(log->lastSeq(), 1u);

  // Space comes back, but what reached the disk is unknown: the log stays failed until it is reopened.
  ASSERT_TRUE(replaceLogFile(*log, dir.file(), O_RDWR | O_APPEND));
  results = appendAndWait(*log, 1, 3);
  EXPECT_FALSE(results[0].ok);
  EXPECT_NE(results[0].error.find("stopped after an earlier failure (write failed: No space left on device)"),
            std::string::npos)
      << results[0].error;
  log.reset();

  log = openOrFail(quietOptions(dir.file()));
  ASSERT_TRUE(log);
  EXPECT_EQ(log->lastSeq(), 1u);
  EXPECT_TRUE(appendAndWait(*log, 1, 4)[0].ok);
  log.reset();
  EXPECT_TRUE(verifyFile(dir.file(), {"", 2}).ok);
}

TEST(ReceiptLogTest, SyncFailureFailsTheBatch) {
  ReceiptDir dir;
  auto log = openOrFail(quietOptions(dir.file()));
  ASSERT_TRUE(log);
  // A pipe takes the write but cannot be synced (EINVAL), like a device that loses data.
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  ASSERT_GE(::dup2(fds[1], log->fileDescriptorForTesting()), 0);
  ::close(fds[1]);
  const auto results = appendAndWait(*log, 1);
  EXPECT_FALSE(results[0].ok);
  EXPECT_NE(results[0].error.find("fdatasync failed"), std::string::npos) << results[0].error;
  EXPECT_FALSE(appendAndWait(*log, 1)[0].ok);
  EXPECT_EQ(log->lastSeq(), 0u);
  log.reset();
  ::close(fds[0]);
}

TEST(ReceiptLogTest, RefusesOversizedReceiptsWithoutStopping) {
  ReceiptDir dir;
  auto log = openOrFail(quietOptions(dir.file()));
  ASSERT_TRUE(log);
  Results results;
  ReceiptInput big = sampleInput(0);
  big.target = std::string(kMaxReceiptLineBytes, 'a');
  log->append(big, results.callback());
  log->append(sampleInput(1), results.callback());
  ASSERT_TRUE(results.waitFor(2));
  const auto all = results.all();
  EXPECT_FALSE(all[0].ok);
  EXPECT_NE(all[0].error.find("exceeds the limit of 1048576"), std::string::npos) << all[0].error;
  EXPECT_TRUE(all[1].ok) << all[1].error;
  EXPECT_EQ(all[1].seq, 1u);
}

TEST(ReceiptLogTest, ACallbackMayAppendAndAThrowingOneDoesNotStopTheWriter) {
  ReceiptDir dir;
  auto log = openOrFail(quietOptions(dir.file()));
  ASSERT_TRUE(log);
  Results results;
  log->append(sampleInput(0), [&](const AppendResult&) {
    log->append(sampleInput(1), results.callback());
    throw std::runtime_error("callback bug");
  });
  ASSERT_TRUE(results.waitFor(1));
  EXPECT_TRUE(results.all()[0].ok);
  EXPECT_EQ(results.all()[0].seq, 2u);
}

}  // namespace
}  // namespace warden::sidecar
