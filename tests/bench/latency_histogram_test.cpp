#include "bench/load/load_generator/latency_histogram.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace warden::bench {
namespace {

TEST(LatencyHistogram, EmptyReportsZero) {
  const LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.valueAtPercentile(50), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
}

TEST(LatencyHistogram, SmallValuesAreExact) {
  LatencyHistogram h;
  for (std::uint64_t v = 1; v <= 100; ++v) h.record(v);
  EXPECT_EQ(h.valueAtPercentile(50), 50u);
  EXPECT_EQ(h.valueAtPercentile(90), 90u);
  EXPECT_EQ(h.valueAtPercentile(99), 99u);
  EXPECT_EQ(h.valueAtPercentile(99.9), 100u);  // rank round(99.9) = 100
  EXPECT_EQ(h.valueAtPercentile(100), 100u);
  EXPECT_EQ(h.valueAtPercentile(0), 1u);
  EXPECT_EQ(h.min(), 1u);
  EXPECT_EQ(h.max(), 100u);
  EXPECT_DOUBLE_EQ(h.mean(), 50.5);
}

TEST(LatencyHistogram, BucketsCoverEveryValueOnceAndStayWithinOnePartIn1024) {
  // Adjacent buckets tile the value range without gaps or overlaps.
  for (std::size_t i = 0; i + 1 < LatencyHistogram::bucketIndex(std::uint64_t{1} << 30); ++i) {
    ASSERT_EQ(LatencyHistogram::bucketHighest(i) + 1, LatencyHistogram::bucketLowest(i + 1)) << "bucket " << i;
  }
  for (std::uint64_t v : {std::uint64_t{0}, std::uint64_t{2047}, std::uint64_t{2048}, std::uint64_t{2049},
                          std::uint64_t{4095}, std::uint64_t{4096}, std::uint64_t{123456789},
                          std::uint64_t{1} << 36}) {
    const auto i = LatencyHistogram::bucketIndex(v);
    EXPECT_LE(LatencyHistogram::bucketLowest(i), v);
    EXPECT_GE(LatencyHistogram::bucketHighest(i), v);
    const auto width = LatencyHistogram::bucketHighest(i) - LatencyHistogram::bucketLowest(i) + 1;
    EXPECT_LE(width * 1024, std::max<std::uint64_t>(v, 1024)) << v;  // relative resolution 1/1024
  }
}

TEST(LatencyHistogram, PercentilesOfAUniformMillisecondRangeAreWithinResolution) {
  LatencyHistogram h;
  // 1..10,000 µs, in ns.
  for (std::uint64_t us = 1; us <= 10000; ++us) h.record(us * 1000);
  const auto within = [](std::uint64_t reported, std::uint64_t expected) {
    return reported >= expected && reported - expected <= expected / 1024 + 1;
  };
  EXPECT_PRED2(within, h.valueAtPercentile(50), 5'000'000u);
  EXPECT_PRED2(within, h.valueAtPercentile(90), 9'000'000u);
  EXPECT_PRED2(within, h.valueAtPercentile(99), 9'900'000u);
  EXPECT_PRED2(within, h.valueAtPercentile(99.9), 9'990'000u);
  EXPECT_EQ(h.valueAtPercentile(100), 10'000'000u);  // never above the largest recorded value
}

TEST(LatencyHistogram, ATailOfOnePercentShowsAtP99NineButNotAtP99) {
  LatencyHistogram h;
  for (int i = 0; i < 9990; ++i) h.record(100'000);   // 0.1 ms
  for (int i = 0; i < 10; ++i) h.record(50'000'000);  // 50 ms: 0.1% of the requests
  EXPECT_LT(h.valueAtPercentile(99), 101'000u);
  EXPECT_LT(h.valueAtPercentile(99.9), 101'000u);  // rank 9,990 is still a fast one
  EXPECT_GE(h.valueAtPercentile(99.91), 50'000'000u);
  EXPECT_EQ(h.max(), 50'000'000u);
}

TEST(LatencyHistogram, MergeEqualsRecordingEverythingInOne) {
  LatencyHistogram a, b, all;
  for (std::uint64_t v = 1; v <= 5000; ++v) {
    (v % 3 == 0 ? a : b).record(v * 977);
    all.record(v * 977);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
  EXPECT_DOUBLE_EQ(a.mean(), all.mean());
  for (double p : {1.0, 50.0, 90.0, 99.0, 99.9, 100.0}) EXPECT_EQ(a.valueAtPercentile(p), all.valueAtPercentile(p)) << p;
}

TEST(LatencyHistogram, ValuesAboveTheTrackableRangeAreClampedAndCounted) {
  LatencyHistogram h{1'000'000};
  h.record(500);
  h.record(5'000'000'000);
  EXPECT_EQ(h.count(), 2u);
  EXPECT_EQ(h.clamped(), 1u);
  EXPECT_EQ(h.max(), 1'000'000u);
  EXPECT_EQ(h.valueAtPercentile(100), 1'000'000u);
}

TEST(LatencyHistogram, ResetForgetsEverything) {
  LatencyHistogram h;
  h.record(12345);
  h.reset();
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.valueAtPercentile(99), 0u);
  h.record(7);
  EXPECT_EQ(h.min(), 7u);
}

}  // namespace
}  // namespace warden::bench
