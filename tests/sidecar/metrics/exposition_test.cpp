#include "sidecar/metrics/exposition.h"

#include <gtest/gtest.h>

#include <limits>

namespace warden::sidecar {
namespace {

std::string help(std::string_view s) {
  std::string out;
  appendEscapedHelp(out, s);
  return out;
}

std::string label(std::string_view s) {
  std::string out;
  appendEscapedLabelValue(out, s);
  return out;
}

std::string number(double v) {
  std::string out;
  appendDouble(out, v);
  return out;
}

TEST(Exposition, MetricNames) {
  EXPECT_TRUE(isValidMetricName("warden_decisions_total"));
  EXPECT_TRUE(isValidMetricName("ns:rule_name"));
  EXPECT_TRUE(isValidMetricName("_x9"));
  EXPECT_FALSE(isValidMetricName(""));
  EXPECT_FALSE(isValidMetricName("9lives"));
  EXPECT_FALSE(isValidMetricName("has-dash"));
  EXPECT_FALSE(isValidMetricName("has space"));
}

TEST(Exposition, LabelNames) {
  EXPECT_TRUE(isValidLabelName("tool"));
  EXPECT_TRUE(isValidLabelName("_private"));
  EXPECT_FALSE(isValidLabelName("__reserved"));
  EXPECT_FALSE(isValidLabelName("a:b"));
  EXPECT_FALSE(isValidLabelName("1st"));
  EXPECT_FALSE(isValidLabelName(""));
}

TEST(Exposition, HelpEscapesBackslashAndNewlineOnly) {
  EXPECT_EQ(help("plain \"quoted\" text"), "plain \"quoted\" text");
  EXPECT_EQ(help("a\\b\nc"), "a\\\\b\\nc");
}

TEST(Exposition, LabelValueEscapesBackslashQuoteAndNewline) {
  EXPECT_EQ(label("read_file"), "\"read_file\"");
  EXPECT_EQ(label("a\\b\"c\nd"), "\"a\\\\b\\\"c\\nd\"");
  EXPECT_EQ(label(""), "\"\"");
  EXPECT_EQ(label("tab\there"), "\"tab\there\"");
}

TEST(Exposition, NumbersAreShortestRoundTripOrSpecial) {
  EXPECT_EQ(number(0), "0");
  EXPECT_EQ(number(2), "2");
  EXPECT_EQ(number(0.25), "0.25");
  EXPECT_EQ(number(5e-05), "5e-05");
  EXPECT_EQ(number(0.1), "0.1");
  EXPECT_EQ(number(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(number(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(number(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

}  // namespace
}  // namespace warden::sidecar
