#include "sidecar/identity/reconnect_backoff.h"

#include <gtest/gtest.h>

namespace warden::sidecar {
namespace {

using namespace std::chrono_literals;

TEST(ReconnectBackoffTest, GrowsExponentiallyWithinTheBounds) {
  ReconnectBackoff backoff(100ms, 2000ms, 42);
  // Expected bases 100, 200, 400, 800, 1600, 2000, 2000...; each delay within ±20% of its base and the bounds.
  const std::chrono::milliseconds bases[] = {100ms, 200ms, 400ms, 800ms, 1600ms, 2000ms, 2000ms, 2000ms};
  for (const auto base : bases) {
    const auto delay = backoff.next();
    EXPECT_GE(delay, std::max(100ms, base * 8 / 10)) << base.count();
    EXPECT_LE(delay, std::min(2000ms, base * 12 / 10)) << base.count();
  }
}

TEST(ReconnectBackoffTest, ResetStartsAgainFromTheInitialDelay) {
  ReconnectBackoff backoff(100ms, 30000ms, 7);
  for (int i = 0; i < 10; ++i) backoff.next();
  EXPECT_GE(backoff.next(), 24000ms);
  backoff.reset();
  EXPECT_LE(backoff.next(), 120ms);
}

TEST(ReconnectBackoffTest, JitterVariesTheDelays) {
  ReconnectBackoff a(1000ms, 1000000ms, 1);
  ReconnectBackoff b(1000ms, 1000000ms, 2);
  bool differed = false;
  for (int i = 0; i < 8; ++i) differed |= a.next() != b.next();
  EXPECT_TRUE(differed);
}

TEST(ReconnectBackoffTest, StaysAtTheCapForever) {
  ReconnectBackoff backoff(1ms, 50ms, 3);
  for (int i = 0; i < 10000; ++i) {
    const auto delay = backoff.next();
    ASSERT_GE(delay, 1ms);
    ASSERT_LE(delay, 50ms);
  }
  EXPECT_GE(backoff.next(), 40ms);
}

TEST(ReconnectBackoffTest, EqualBoundsGiveAFixedDelay) {
  ReconnectBackoff backoff(250ms, 250ms, 9);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(backoff.next(), 250ms);
}

}  // namespace
}  // namespace warden::sidecar
