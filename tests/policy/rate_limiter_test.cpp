#include "policy/rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

namespace warden::policy {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using TimePoint = std::chrono::steady_clock::time_point;

// A clock that moves only when told to. Atomic, so that threads may read it.
class FakeClock {
 public:
  RateLimiter::Clock fn() {
    return [this] { return TimePoint(nanoseconds(now_.load())); };
  }
  void advance(nanoseconds d) { now_ += d.count(); }
  void set(nanoseconds sinceEpoch) { now_ = sinceEpoch.count(); }

 private:
  std::atomic<std::int64_t> now_{1'000'000'000'000};  // not zero: a bucket must not depend on the epoch
};

RateLimiter::Key key(std::string_view rule, std::string_view principal, std::uint32_t requests = 10,
                     nanoseconds period = minutes(1)) {
  return RateLimiter::Key{rule, principal, requests, period};
}

bool acquire(RateLimiter& limiter, const RateLimiter::Key& k) { return limiter.tryAcquire(std::span(&k, 1)); }

// How many of `attempts` calls succeed, without the clock moving.
int acquireMany(RateLimiter& limiter, const RateLimiter::Key& k, int attempts) {
  int granted = 0;
  for (int i = 0; i < attempts; ++i) granted += acquire(limiter, k) ? 1 : 0;
  return granted;
}

const std::string kAlice = "spiffe://example.org/ns/agents/sa/alice";
const std::string kBob = "spiffe://example.org/ns/agents/sa/bob";

TEST(RateLimiterTest, TenPerMinute) {
  FakeClock clock;
  RateLimiter limiter(clock.fn());
  const auto k = key("deploy", kAlice);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(acquire(limiter, k)) << "request " << i + 1;
  EXPECT_FALSE(acquire(limiter, k));  // the 11th

  // One token takes 6 s to come back, not a nanosecond less.
  clock.advance(seconds(6) - nanoseconds(1));
  EXPECT_FALSE(acquire(limiter, k));
  clock.advance(nanoseconds(1));
  EXPECT_TRUE(acquire(limiter, k));
  EXPECT_FALSE(acquire(limiter, k));

  // After a full period the bucket is full again, and never holds more than its capacity.
  clock.advance(minutes(1));
  EXPECT_EQ(acquireMany(limiter, k, 20), 10);
  clock.advance(minutes(60));
  EXPECT_EQ(acquireMany(limiter, k, 20), 10);
}

TEST(RateLimiterTest, RefillIsExactAcrossManySmallSteps) {
  FakeClock clock;
  RateLimiter limiter(clock.fn());
  const auto k = key("deploy", kAlice, 3, seconds(1));  // one token per 333,333,333.3 ns
  EXPECT_EQ(acquireMany(limiter, k, 3), 3);
  // Nine steps of 111,111,111 ns, each with an attempt (which brings the bucket up to date): 999,999,999 ns
  // earn 2.999999997 tokens, so exactly two are granted, at the 4th and the 7th step.
  std::vector<int> grantedAt;
  for (int step = 1; step <= 9; ++step) {
    clock.advance(nanoseconds(111'111'111));
    if (acquire(limiter, k)) grantedAt.push_back(step);
  }
  EXPECT_EQ(grantedAt, (std::vector<int>{4, 7}));
  // One more nanosecond completes the third token: no credit was lost to rounding on the way.
  clock.advance(nanoseconds(1));
  EXPECT_TRUE(acquire(limiter, k));
  EXPECT_FALSE(acquire(limiter, k));
}

TEST(RateLimiterTest, PartialCreditIsKeptBetweenCalls) {
  FakeClock clock;
  RateLimiter limiter(clock.fn());
  const auto k = key("deploy", kAlice, 10, minutes(1));
  EXPECT_EQ(acquireMany(limiter, k, 10), 10);
  clock.advance(seconds(4));
  EXPECT_FALSE(acquire(limiter, k));  // 2/3 of a token: a refused call must not reset the progress
  clock.advance(seconds(2));
  EXPECT_TRUE(acquire(limiter, k));
}

TEST(RateLimiterTest, NewBucketStartsFull) {
  FakeClock clock;
  RateLimiter limiter(clock.fn());
  EXPECT_EQ(limiter.bucketCount(), 0u);
  EXPECT_EQ(acquireMany(limiter, key("r", kAlice, 5), 6), 5);
  EXPECT_EQ(limiter.bucketCount(), 1u);
}

TEST(RateLimiterTest, PrincipalsAndRulesAreIndependent) {
  FakeClock clock;
  RateLimiter limiter(clock.fn());
  EXPECT_EQ(acquireMany(limiter, key("deploy", kAlice), 10), 10);
  EXPECT_FALSE(acquire(limiter, key("deploy", kAlice)));
  EXPECT_EQ(acquireMany(limiter, key("deploy", kBob), 11), 10);
  EXPECT_EQ(acquireMany(limiter, key("query", kAlice), 11), 10);
  EXPECT_EQ(limiter.bucketCount(), 3u);
}

TEST(RateLimiterTest, KeysCannotCollideThroughConcatenation) {
  FakeClock clock;
  RateLimiter limiter(clock.fn());
  EXPECT_TRUE(acquire(limiter, key("ab", "c", 1)));
  EXPECT_TRUE(acquire(limiter, key("a", "bc", 1)));
  EXPECT_TRUE(acquire(limiter, key("", "abc", 1)));
  EXPECT_TRUE(acquire(limiter, key("abc", "", 1)));
  EXPECT_TRUE(acquire(limiter, key("1:a", "b", 1)));
  EXPECT_TRUE(acquire(limiter, key("1", ":ab", 1)));
  EXPECT_EQ(limiter.bucketCount(), 6u);
}

TEST(RateLimiterTest, AllOrNothingAcrossKeys) {
  FakeClock clock;
  RateLimiter limiter(clock.fn());
  const auto perRule = key("deploy", kAlice, 5);
  const auto global = key("all-tools", kAlice, 2);
  const std::vector<RateLimiter::Key> both = {perRule, global};

  EXPECT_TRUE(limiter.tryAcquire(both));
  EXPECT_TRUE(limiter.tryAcquire(both));
  EXPECT_FALSE(limiter.tryAcquire(both));  // `global` is empty
  // The refused call took nothing from `perRule`: 3 tokens remain there.
  EXPECT_EQ(acquireMany(limiter, perRule, 5), 3);

  // Now the other way round: `perRule` empty, `global` holding a token. The refusal takes nothing from `global`.
  clock.advance(seconds(30));  // global: +1 token; perRule: +2.5 tokens
  EXPECT_EQ(acquireMany(limiter, perRule, 2), 2);
  EXPECT_FALSE(limiter.tryAcquire(both));
  EXPECT_TRUE(acquire(limiter, global));
  EXPECT_FALSE(acquire(limiter, global));
}

TEST(RateLimiterTest, AKeyNamedTwiceNeedsTwoTokens) {
  FakeClock clock;
  RateLimiter limiter(clock.fn());
  const auto k = key("deploy", kAlice, 3);
  const std::vector<RateLimiter::Key> twice = {k, k};
  EXPECT_TRUE(limiter.tryAcquire(twice));
  EXPECT_FALSE(limiter.tryAcquire(twice));  // one token left: not enough, and it stays
  EXPECT_TRUE(acquire(limiter, k));
  EXPECT_FALSE(acquire(limiter, k));
}

TEST(RateLimiterTest, EmptySpanIsGranted) {
  RateLimiter limiter;
  EXPECT_TRUE(limiter.tryAcquire({}));
  EXPECT_EQ(limiter.bucketCount(), 0u);
}

TEST(RateLimiterTest, ChangedLimitStartsAFreshFullBucket) {
  FakeClock clock;
  RateLimiter limiter(clock.fn());
  EXPECT_EQ(acquireMany(limiter, key("deploy", kAlice, 10, minutes(1)), 10), 10);
  // Same rule and caller, more requests: a new full bucket of 20.
  EXPECT_EQ(acquireMany(limiter, key("deploy", kAlice, 20, minutes(1)), 25), 20);
  // Same requests, another period: again a fresh bucket.
  EXPECT_EQ(acquireMany(limiter, key("deploy", kAlice, 20, minutes(2)), 25), 20);
  EXPECT_EQ(limiter.bucketCount(), 1u);
  // An unchanged limit keeps the (empty) bucket.
  EXPECT_FALSE(acquire(limiter, key("deploy", kAlice, 20, minutes(2))));
}

TEST(RateLimiterTest, InvalidLimitsAreDenied) {
  FakeClock clock;
  RateLimiter limiter(clock.fn());
  EXPECT_FALSE(acquire(limiter, key("deploy", kAlice, 0, minutes(1))));
  EXPECT_FALSE(acquire(limiter, key("deploy", kAlice, 10, nanoseconds(0))));
  EXPECT_FALSE(acquire(limiter, key("deploy", kAlice, 10, -seconds(1))));
  // An invalid key spoils the whole span, and nothing is taken from the valid one.
  const auto valid = key("query", kAlice, 1);
  const std::vector<RateLimiter::Key> mixed = {valid, key("deploy", kAlice, 0)};
  EXPECT_FALSE(limiter.tryAcquire(mixed));
  EXPECT_TRUE(acquire(limiter, valid));
}

TEST(RateLimiterTest, ExtremeLimitsDoNotOverflow) {
  FakeClock clock;
  RateLimiter limiter(clock.fn());
  const auto huge = key("r", kAlice, UINT32_MAX, nanoseconds(INT64_MAX));
  EXPECT_TRUE(acquire(limiter, huge));
  clock.advance(nanoseconds(INT64_MAX / 4));
  EXPECT_TRUE(acquire(limiter, huge));
  const auto fast = key("r", kBob, UINT32_MAX, nanoseconds(1));
  EXPECT_EQ(acquireMany(limiter, fast, 100), 100);
}

TEST(RateLimiterTest, ClockGoingBackwardsRefillsNothing) {
  FakeClock clock;
  RateLimiter limiter(clock.fn());
  const auto k = key("deploy", kAlice, 1, minutes(1));
  EXPECT_TRUE(acquire(limiter, k));
  clock.advance(-minutes(10));
  EXPECT_FALSE(acquire(limiter, k));
  // Time is measured from the latest instant seen, so returning to it does not count the gap twice.
  clock.advance(minutes(10));
  EXPECT_FALSE(acquire(limiter, k));
  clock.advance(minutes(1));
  EXPECT_TRUE(acquire(limiter, k));
}

TEST(RateLimiterTest, ThrowingClockIsADenial) {
  RateLimiter limiter([]() -> TimePoint { throw std::runtime_error("clock broken"); });
  const auto k = key("deploy", kAlice);
  EXPECT_FALSE(acquire(limiter, k));
  EXPECT_EQ(limiter.bucketCount(), 0u);
}

TEST(RateLimiterTest, DefaultClockWorks) {
  RateLimiter limiter;
  const auto k = key("deploy", kAlice, 2, std::chrono::hours(1));
  EXPECT_EQ(acquireMany(limiter, k, 3), 2);
}

TEST(RateLimiterTest, EvictsFullBucketsWhenOverTheLimit) {
  FakeClock clock;
  RateLimiter limiter(clock.fn(), 4);
  // Four callers each use one of two tokens; over the next minute their buckets refill.
  for (const char* p : {"p1", "p2", "p3", "p4"}) EXPECT_TRUE(acquire(limiter, key("r", p, 2)));
  EXPECT_EQ(limiter.bucketCount(), 4u);
  clock.advance(seconds(30));
  // p1 stays partly used; p2..p4 become full a little later.
  EXPECT_TRUE(acquire(limiter, key("r", "p1", 2)));
  EXPECT_TRUE(acquire(limiter, key("r", "p1", 2)));
  clock.advance(seconds(1));
  // A fifth caller exceeds the limit: the full buckets p2..p4 are dropped; p1 and p5 (which just spent a
  // token) carry state and stay.
  EXPECT_TRUE(acquire(limiter, key("r", "p5", 2)));
  EXPECT_EQ(limiter.bucketCount(), 2u);
  // p1's state survived: it has about half a token, not a fresh bucket's two.
  EXPECT_FALSE(acquire(limiter, key("r", "p1", 2)));
  // p5's too.
  EXPECT_TRUE(acquire(limiter, key("r", "p5", 2)));
  EXPECT_FALSE(acquire(limiter, key("r", "p5", 2)));
}

TEST(RateLimiterTest, KeepsLiveBucketsAboveTheLimitButWithinTheHardCap) {
  FakeClock clock;
  RateLimiter limiter(clock.fn(), 4);
  // Every caller empties its bucket: none may be dropped, so they are all kept, up to 2 × maxBuckets.
  for (int i = 0; i < 8; ++i) {
    const std::string p = "p" + std::to_string(i);
    EXPECT_TRUE(acquire(limiter, key("r", p, 1)));
    EXPECT_EQ(limiter.bucketCount(), static_cast<std::size_t>(i + 1));
  }
  // Every one of them is still limited.
  for (int i = 0; i < 8; ++i) EXPECT_FALSE(acquire(limiter, key("r", "p" + std::to_string(i), 1))) << i;
}

TEST(RateLimiterTest, HardCapDropsTheLeastRecentlyUsed) {
  FakeClock clock;
  RateLimiter limiter(clock.fn(), 2);
  for (const char* p : {"p0", "p1", "p2", "p3"}) EXPECT_TRUE(acquire(limiter, key("r", p, 1)));
  EXPECT_EQ(limiter.bucketCount(), 4u);
  // Touch p0 (refused, but used): p1 is now the least recently used.
  EXPECT_FALSE(acquire(limiter, key("r", "p0", 1)));
  EXPECT_TRUE(acquire(limiter, key("r", "p4", 1)));
  EXPECT_EQ(limiter.bucketCount(), 4u);
  // p1 lost its state (a fresh bucket lets it through); p0, p2, p3 kept theirs.
  EXPECT_FALSE(acquire(limiter, key("r", "p0", 1)));
  EXPECT_FALSE(acquire(limiter, key("r", "p3", 1)));
  EXPECT_TRUE(acquire(limiter, key("r", "p1", 1)));
  // That re-creation pushed out the least recently used again: p2.
  EXPECT_EQ(limiter.bucketCount(), 4u);
  EXPECT_TRUE(acquire(limiter, key("r", "p2", 1)));
}

TEST(RateLimiterTest, ManyCallersStayBounded) {
  FakeClock clock;
  RateLimiter limiter(clock.fn(), 100);
  for (int i = 0; i < 5000; ++i) {
    EXPECT_TRUE(acquire(limiter, key("r", "caller-" + std::to_string(i), 1, std::chrono::hours(1))));
    ASSERT_LE(limiter.bucketCount(), 200u);
    if (i % 7 == 0) clock.advance(seconds(1));
  }
}

TEST(RateLimiterTest, ZeroMaxBucketsStillLimits) {
  FakeClock clock;
  RateLimiter limiter(clock.fn(), 0);
  const auto k = key("deploy", kAlice, 1);
  EXPECT_TRUE(acquire(limiter, k));
  EXPECT_FALSE(acquire(limiter, k));
  EXPECT_LE(limiter.bucketCount(), 2u);
}

TEST(RateLimiterTest, ConcurrentCallersShareOneBucketExactly) {
  FakeClock clock;  // frozen: no refill during the test
  RateLimiter limiter(clock.fn());
  constexpr int kThreads = 8;
  constexpr int kAttempts = 1000;
  constexpr std::uint32_t kRequests = 137;
  std::atomic<int> granted{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      const auto k = key("deploy", kAlice, kRequests, minutes(1));
      const auto other = key("other", kBob, kRequests, minutes(1));
      const std::vector<RateLimiter::Key> both = {k, other};
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < kAttempts; ++i) {
        if (limiter.tryAcquire(both)) granted.fetch_add(1);
      }
    });
  }
  go = true;
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(granted.load(), static_cast<int>(kRequests));
  EXPECT_FALSE(acquire(limiter, key("deploy", kAlice, kRequests, minutes(1))));
  EXPECT_FALSE(acquire(limiter, key("other", kBob, kRequests, minutes(1))));
}

TEST(RateLimiterTest, ConcurrentCallersOnSeparateKeys) {
  FakeClock clock;
  RateLimiter limiter(clock.fn(), 16);
  constexpr int kThreads = 8;
  std::vector<int> granted(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string principal = "p" + std::to_string(t);
      for (int i = 0; i < 500; ++i) granted[t] += acquire(limiter, key("r", principal, 50)) ? 1 : 0;
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(granted[t], 50) << "thread " << t;
}

}  // namespace
}  // namespace warden::policy
