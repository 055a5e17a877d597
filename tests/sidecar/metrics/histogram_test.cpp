#include "sidecar/metrics/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace warden::sidecar {
namespace {

using namespace std::chrono_literals;

TEST(Histogram, DefaultLatencyBucketsSpanFiftyMicrosecondsToTenSeconds) {
  const auto& b = defaultLatencyBuckets();
  ASSERT_FALSE(b.empty());
  EXPECT_DOUBLE_EQ(b.front(), 50e-6);
  EXPECT_DOUBLE_EQ(b.back(), 10.0);
  EXPECT_EQ(checkBucketBounds(b), "");
  // Enough resolution below a millisecond, where the proxy's own latency lives.
  EXPECT_GE(std::count_if(b.begin(), b.end(), [](double x) { return x < 0.001; }), 4);
}

TEST(Histogram, CheckBucketBounds) {
  EXPECT_EQ(checkBucketBounds({}), "");
  EXPECT_EQ(checkBucketBounds({0.1, 1}), "");
  EXPECT_NE(checkBucketBounds({1, 1}), "");
  EXPECT_NE(checkBucketBounds({2, 1}), "");
  EXPECT_NE(checkBucketBounds({1, std::numeric_limits<double>::infinity()}), "");
  EXPECT_NE(checkBucketBounds({std::numeric_limits<double>::quiet_NaN()}), "");
}

TEST(Histogram, BoundsAreInclusiveAndCumulative) {
  Histogram h(std::make_shared<const std::vector<double>>(std::vector<double>{0.5, 1}));
  h.observe(0.5);  // le="0.5" includes 0.5
  h.observe(0.75);
  h.observe(1);
  h.observe(3);
  h.observe(-1);  // below every bound: the first bucket
  const auto s = h.snapshot();
  EXPECT_EQ(s.cumulative, (std::vector<std::uint64_t>{2, 4, 5}));
  EXPECT_EQ(s.count(), 5u);
  EXPECT_DOUBLE_EQ(s.sum, 4.25);
}

TEST(Histogram, IgnoresNaN) {
  Histogram h(std::make_shared<const std::vector<double>>(std::vector<double>{1}));
  h.observe(std::numeric_limits<double>::quiet_NaN());
  h.observe(0.5);
  const auto s = h.snapshot();
  EXPECT_EQ(s.count(), 1u);
  EXPECT_FALSE(std::isnan(s.sum));
}

TEST(Histogram, ObservesDurationsInSeconds) {
  Histogram h(std::make_shared<const std::vector<double>>(std::vector<double>{0.001}));
  h.observeDuration(250us);
  h.observeDuration(2ms);
  const auto s = h.snapshot();
  EXPECT_EQ(s.cumulative, (std::vector<std::uint64_t>{1, 2}));
  EXPECT_DOUBLE_EQ(s.sum, 0.00225);
}

TEST(Histogram, RendersBucketsSumAndCountWithLabels) {
  Histogram h(std::make_shared<const std::vector<double>>(std::vector<double>{0.25}));
  h.observe(0.125);
  h.observe(2);
  std::string out;
  h.appendSamples(out, "x_seconds", "route=\"/mcp\"");
  EXPECT_EQ(out,
            "x_seconds_bucket{route=\"/mcp\",le=\"0.25\"} 1\n"
            "x_seconds_bucket{route=\"/mcp\",le=\"+Inf\"} 2\n"
            "x_seconds_sum{route=\"/mcp\"} 2.125\n"
            "x_seconds_count{route=\"/mcp\"} 2\n");
}

}  // namespace
}  // namespace warden::sidecar
