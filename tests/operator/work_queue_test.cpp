#include "operator/controllers/work_queue.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace warden::op {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

// A clock that moves only when the test says so.
class ManualClock {
 public:
  WorkQueue::Clock clock() {
    return [this] { return steady_clock::time_point(steady_clock::duration(ticks_.load())); };
  }
  void advance(steady_clock::duration d) { ticks_.fetch_add(d.count()); }

 private:
  // Far from zero so that "now - delay" never goes below the epoch.
  std::atomic<steady_clock::rep> ticks_{
      std::chrono::duration_cast<steady_clock::duration>(std::chrono::hours(1)).count()};
};

std::vector<std::string> drain(WorkQueue& queue) {
  std::vector<std::string> keys;
  for (int i = 0; i < 1000; ++i) {
    auto key = queue.get(0ms);
    if (!key) break;
    keys.push_back(*key);
  }
  return keys;
}

TEST(WorkQueueTest, RejectsInvalidOptions) {
  EXPECT_THROW(WorkQueue(WorkQueueOptions{0ms, 10ms}), std::invalid_argument);
  EXPECT_THROW(WorkQueue(WorkQueueOptions{-1ms, 10ms}), std::invalid_argument);
  EXPECT_THROW(WorkQueue(WorkQueueOptions{20ms, 10ms}), std::invalid_argument);
  EXPECT_NO_THROW(WorkQueue(WorkQueueOptions{10ms, 10ms}));
  EXPECT_NO_THROW(WorkQueue());
}

TEST(WorkQueueTest, KeysComeOutInOrderAndAreQueuedOnce) {
  WorkQueue queue;
  queue.add("ns/a");
  queue.add("ns/b");
  queue.add("ns/a");
  queue.add("ns/c");
  queue.add("ns/b");
  EXPECT_EQ(queue.depth(), 3u);
  EXPECT_EQ(drain(queue), (std::vector<std::string>{"ns/a", "ns/b", "ns/c"}));
  EXPECT_EQ(queue.depth(), 0u);
}

TEST(WorkQueueTest, GetTimesOutWhenEmpty) {
  WorkQueue queue;
  EXPECT_EQ(queue.get(0ms), std::nullopt);
  EXPECT_EQ(queue.get(20ms), std::nullopt);
  EXPECT_EQ(queue.get(-5ms), std::nullopt);
}

TEST(WorkQueueTest, KeyAddedWhileProcessingIsQueuedAgainWhenDone) {
  WorkQueue queue;
  queue.add("k");
  ASSERT_EQ(queue.get(0ms), "k");
  queue.add("k");
  queue.add("k");
  EXPECT_EQ(queue.depth(), 0u) << "a key being processed must not be handed to a second worker";
  EXPECT_EQ(queue.get(0ms), std::nullopt);
  queue.done("k");
  EXPECT_EQ(queue.depth(), 1u);
  EXPECT_EQ(queue.get(0ms), "k");
  queue.done("k");
  EXPECT_EQ(queue.get(0ms), std::nullopt) << "the dirty mark is cleared once the key is queued again";
}

TEST(WorkQueueTest, DoneWithoutNewAddsDoesNotRequeue) {
  WorkQueue queue;
  queue.add("k");
  ASSERT_EQ(queue.get(0ms), "k");
  queue.done("k");
  EXPECT_EQ(queue.depth(), 0u);
  queue.done("never-handed-out");  // harmless
  EXPECT_EQ(queue.depth(), 0u);
}

TEST(WorkQueueTest, OtherKeysAreHandedOutWhileOneIsProcessed) {
  WorkQueue queue;
  queue.add("a");
  ASSERT_EQ(queue.get(0ms), "a");
  queue.add("b");
  queue.add("a");
  EXPECT_EQ(queue.get(0ms), "b");
  EXPECT_EQ(queue.get(0ms), std::nullopt);
}

TEST(WorkQueueTest, NoKeyIsProcessedByTwoWorkersAtOnce) {
  WorkQueue queue;
  std::mutex mu;
  std::map<std::string, int> inFlight;
  std::atomic<bool> overlap{false};
  std::atomic<int> processed{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      for (;;) {
        auto key = queue.get();
        if (!key) return;
        {
          std::lock_guard lock(mu);
          if (++inFlight[*key] > 1) overlap = true;
        }
        std::this_thread::yield();
        {
          std::lock_guard lock(mu);
          --inFlight[*key];
        }
        ++processed;
        queue.done(*key);
      }
    });
  }
  for (int i = 0; i < 2000; ++i) queue.add("key-" + std::to_string(i % 3));
  // Every key is eventually processed after its last add; then the queue runs dry.
  const auto deadline = steady_clock::now() + 10s;
  while (steady_clock::now() < deadline && (queue.depth() > 0 || processed.load() < 3)) {
    std::this_thread::sleep_for(1ms);
  }
  queue.shutDown();
  for (auto& worker : workers) worker.join();
  EXPECT_FALSE(overlap.load());
  EXPECT_GE(processed.load(), 3);
  EXPECT_LE(processed.load(), 2000);
}

TEST(WorkQueueTest, BlockedGetIsWokenByAdd) {
  WorkQueue queue;
  auto got = std::async(std::launch::async, [&] { return queue.get(10'000ms); });
  std::this_thread::sleep_for(10ms);
  queue.add("k");
  ASSERT_EQ(got.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(got.get(), "k");
}

TEST(WorkQueueTest, AddAfterWaitsForTheClock) {
  ManualClock clock;
  WorkQueue queue({}, clock.clock());
  queue.addAfter("k", 100ms);
  EXPECT_EQ(queue.get(0ms), std::nullopt);
  EXPECT_EQ(queue.depth(), 0u);
  clock.advance(99ms);
  EXPECT_EQ(queue.get(0ms), std::nullopt);
  clock.advance(1ms);
  EXPECT_EQ(queue.get(0ms), "k");
}

TEST(WorkQueueTest, AddAfterWithoutDelayIsAdd) {
  ManualClock clock;
  WorkQueue queue({}, clock.clock());
  queue.addAfter("zero", 0ms);
  queue.addAfter("negative", -5ms);
  EXPECT_EQ(queue.depth(), 2u);
  EXPECT_EQ(drain(queue), (std::vector<std::string>{"zero", "negative"}));
}

TEST(WorkQueueTest, SeveralDelayedAddsOfAKeyAddItOnceAtTheEarliestTime) {
  ManualClock clock;
  WorkQueue queue({}, clock.clock());
  queue.addAfter("k", 100ms);
  queue.addAfter("k", 50ms);   // earlier: wins
  queue.addAfter("k", 200ms);  // later: ignored
  clock.advance(49ms);
  EXPECT_EQ(queue.get(0ms), std::nullopt);
  clock.advance(1ms);
  ASSERT_EQ(queue.get(0ms), "k");
  queue.done("k");
  clock.advance(500ms);
  EXPECT_EQ(queue.get(0ms), std::nullopt) << "the superseded delayed adds must not add the key again";
}

TEST(WorkQueueTest, DelayedKeysComeOutInDueOrder) {
  ManualClock clock;
  WorkQueue queue({}, clock.clock());
  queue.addAfter("late", 30ms);
  queue.addAfter("early", 10ms);
  queue.addAfter("middle", 20ms);
  clock.advance(30ms);
  EXPECT_EQ(drain(queue), (std::vector<std::string>{"early", "middle", "late"}));
}

TEST(WorkQueueTest, DelayedAddOfAQueuedKeyDoesNotDuplicateIt) {
  ManualClock clock;
  WorkQueue queue({}, clock.clock());
  queue.add("k");
  queue.addAfter("k", 10ms);
  clock.advance(10ms);
  EXPECT_EQ(drain(queue), (std::vector<std::string>{"k"}));
}

TEST(WorkQueueTest, DelayedKeyThatFallsDueWhileProcessingIsQueuedAfterDone) {
  ManualClock clock;
  WorkQueue queue({}, clock.clock());
  queue.add("k");
  ASSERT_EQ(queue.get(0ms), "k");
  queue.addAfter("k", 10ms);
  clock.advance(10ms);
  EXPECT_EQ(queue.get(0ms), std::nullopt);
  queue.done("k");
  EXPECT_EQ(queue.get(0ms), "k");
}

TEST(WorkQueueTest, BlockedGetWaitsForADelayedKey) {
  WorkQueue queue;  // the real clock
  queue.addAfter("k", 20ms);
  EXPECT_EQ(queue.get(10'000ms), "k");
}

TEST(WorkQueueTest, BlockedGetSeesAManualClockAdvancedByAnotherThread) {
  ManualClock clock;
  WorkQueue queue({}, clock.clock());
  queue.addAfter("k", 30ms);
  auto got = std::async(std::launch::async, [&] { return queue.get(10'000ms); });
  clock.advance(30ms);
  ASSERT_EQ(got.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(got.get(), "k");
}

TEST(WorkQueueTest, RateLimitedDelaysDoubleUpToTheCap) {
  ManualClock clock;
  WorkQueue queue(WorkQueueOptions{10ms, 50ms}, clock.clock());
  const std::vector<milliseconds> expected{10ms, 20ms, 40ms, 50ms, 50ms, 50ms};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE("failure " + std::to_string(i + 1));
    queue.addRateLimited("k");
    EXPECT_EQ(queue.failures("k"), i + 1);
    clock.advance(expected[i] - 1ms);
    EXPECT_EQ(queue.get(0ms), std::nullopt);
    clock.advance(1ms);
    ASSERT_EQ(queue.get(0ms), "k");
    queue.done("k");
  }
}

TEST(WorkQueueTest, ForgetStartsTheBackoffOver) {
  ManualClock clock;
  WorkQueue queue(WorkQueueOptions{10ms, 1000ms}, clock.clock());
  for (int i = 0; i < 3; ++i) {
    queue.addRateLimited("k");
    clock.advance(1000ms);
    ASSERT_EQ(queue.get(0ms), "k");
    queue.done("k");
  }
  EXPECT_EQ(queue.failures("k"), 3u);
  queue.forget("k");
  EXPECT_EQ(queue.failures("k"), 0u);
  queue.addRateLimited("k");
  clock.advance(10ms);
  EXPECT_EQ(queue.get(0ms), "k");
}

TEST(WorkQueueTest, ForgetDoesNotRemoveAQueuedKey) {
  WorkQueue queue;
  queue.add("k");
  queue.forget("k");
  EXPECT_EQ(queue.get(0ms), "k");
}

TEST(WorkQueueTest, BackoffIsPerKey) {
  ManualClock clock;
  WorkQueue queue(WorkQueueOptions{10ms, 1000ms}, clock.clock());
  queue.addRateLimited("a");
  queue.addRateLimited("a");  // a waits 10ms (the earlier of 10 and 20)
  queue.addRateLimited("b");  // b's first failure: 10ms
  EXPECT_EQ(queue.failures("a"), 2u);
  EXPECT_EQ(queue.failures("b"), 1u);
  EXPECT_EQ(queue.failures("c"), 0u);
  clock.advance(10ms);
  auto keys = drain(queue);
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys, (std::vector<std::string>{"a", "b"}));
}

TEST(WorkQueueTest, ManyFailuresSaturateAtTheCapWithoutOverflow) {
  ManualClock clock;
  WorkQueue queue(WorkQueueOptions{1ms, milliseconds::max()}, clock.clock());
  for (int i = 0; i < 200; ++i) queue.addRateLimited("k");
  EXPECT_EQ(queue.failures("k"), 200u);
  clock.advance(1ms);
  EXPECT_EQ(queue.get(0ms), "k") << "the first (shortest) delay was the one kept";
  queue.done("k");
  queue.addRateLimited("k");  // 2^200 ms, capped far in the future
  clock.advance(std::chrono::hours(24 * 365));
  EXPECT_EQ(queue.get(0ms), std::nullopt);
}

TEST(WorkQueueTest, ShutDownWakesBlockedGetters) {
  WorkQueue queue;
  std::vector<std::future<std::optional<std::string>>> getters;
  for (int i = 0; i < 3; ++i) getters.push_back(std::async(std::launch::async, [&] { return queue.get(); }));
  std::this_thread::sleep_for(10ms);
  queue.shutDown();
  for (auto& getter : getters) {
    ASSERT_EQ(getter.wait_for(5s), std::future_status::ready);
    EXPECT_EQ(getter.get(), std::nullopt);
  }
  EXPECT_TRUE(queue.shuttingDown());
}

TEST(WorkQueueTest, AfterShutDownNothingIsHandedOutOrAdded) {
  ManualClock clock;
  WorkQueue queue({}, clock.clock());
  queue.add("waiting");
  queue.add("busy");
  ASSERT_EQ(queue.get(0ms), "waiting");
  EXPECT_FALSE(queue.shuttingDown());
  queue.shutDown();
  EXPECT_EQ(queue.get(0ms), std::nullopt) << "workers stop at once, even with keys waiting";
  queue.add("new");
  queue.addAfter("delayed", 1ms);
  queue.addRateLimited("limited");
  EXPECT_EQ(queue.failures("limited"), 0u);
  clock.advance(1s);
  EXPECT_EQ(queue.depth(), 1u) << "only the key queued before the shutdown";
  queue.done("waiting");  // still accepted
  EXPECT_EQ(queue.get(0ms), std::nullopt);
}

}  // namespace
}  // namespace warden::op
