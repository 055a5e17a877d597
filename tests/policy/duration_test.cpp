#include "policy/duration.h"

#include <gtest/gtest.h>

namespace warden::policy {
namespace {

using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

// The parsed value, or a failure naming the input and the error.
::testing::AssertionResult parsesTo(std::string_view text, nanoseconds expected) {
  std::string error;
  const auto got = parseDuration(text, &error);
  if (!got) return ::testing::AssertionFailure() << "\"" << text << "\" rejected: " << error;
  if (*got != expected) {
    return ::testing::AssertionFailure() << "\"" << text << "\" parsed to " << got->count() << "ns, expected "
                                         << expected.count() << "ns";
  }
  return ::testing::AssertionSuccess();
}

std::string errorFor(std::string_view text) {
  std::string error;
  const auto got = parseDuration(text, &error);
  if (got) return "accepted as " + std::to_string(got->count()) + "ns";
  return error;
}

TEST(DurationTest, ParsesSingleUnits) {
  EXPECT_TRUE(parsesTo("30s", seconds(30)));
  EXPECT_TRUE(parsesTo("1m", minutes(1)));
  EXPECT_TRUE(parsesTo("15m", minutes(15)));
  EXPECT_TRUE(parsesTo("1h", hours(1)));
  EXPECT_TRUE(parsesTo("500ms", milliseconds(500)));
  EXPECT_TRUE(parsesTo("100ns", nanoseconds(100)));
  EXPECT_TRUE(parsesTo("1us", microseconds(1)));
  EXPECT_TRUE(parsesTo("1\u00b5s", microseconds(1)));  // micro sign
  EXPECT_TRUE(parsesTo("1\u03bcs", microseconds(1)));  // Greek mu, which Go also accepts
}

TEST(DurationTest, ParsesSequencesAndFractions) {
  EXPECT_TRUE(parsesTo("1h30m", hours(1) + minutes(30)));
  EXPECT_TRUE(parsesTo("1.5h", hours(1) + minutes(30)));
  EXPECT_TRUE(parsesTo("2h45m30.5s", hours(2) + minutes(45) + seconds(30) + milliseconds(500)));
  EXPECT_TRUE(parsesTo("1m1m", minutes(2)));  // Go adds repeated units
  EXPECT_TRUE(parsesTo("0.5s", milliseconds(500)));
  EXPECT_TRUE(parsesTo(".5s", milliseconds(500)));  // Go's grammar: digits on either side of the '.'
  EXPECT_TRUE(parsesTo("1.s", seconds(1)));
  EXPECT_TRUE(parsesTo("0h1s", seconds(1)));  // a zero component is fine when the total is positive
  EXPECT_TRUE(parsesTo("007s", seconds(7)));
  EXPECT_TRUE(parsesTo("1.000000001s", nanoseconds(1'000'000'001)));
}

TEST(DurationTest, TruncatesToNanoseconds) {
  EXPECT_TRUE(parsesTo("1.9ns", nanoseconds(1)));
  EXPECT_TRUE(parsesTo("1.0000000009s", nanoseconds(1'000'000'000)));
  EXPECT_TRUE(parsesTo("0.333333333333h", nanoseconds(1'199'999'999'998)));
  // Fraction digits past the nineteenth weigh nothing at nanosecond resolution.
  EXPECT_TRUE(parsesTo("1.12345678901234567890123456789s", nanoseconds(1'123'456'789)));
}

TEST(DurationTest, AcceptsTheLargestRepresentableDuration) {
  EXPECT_TRUE(parsesTo("9223372036854775807ns", nanoseconds(INT64_MAX)));
  EXPECT_TRUE(parsesTo("2562047h47m16.854775807s", nanoseconds(INT64_MAX)));
}

TEST(DurationTest, RejectsOverflow) {
  const std::string tooLong = "duration \"9223372036854775808ns\" is too long (the limit is about 292 years)";
  EXPECT_EQ(errorFor("9223372036854775808ns"), tooLong);
  EXPECT_EQ(errorFor("2562048h"), "duration \"2562048h\" is too long (the limit is about 292 years)");
  EXPECT_EQ(errorFor("2562047h47m16.854775808s"),
            "duration \"2562047h47m16.854775808s\" is too long (the limit is about 292 years)");
  EXPECT_EQ(errorFor("2562047.9h"), "duration \"2562047.9h\" is too long (the limit is about 292 years)");
  EXPECT_EQ(errorFor("99999999999999999999999999s"),
            "duration \"99999999999999999999999999s\" is too long (the limit is about 292 years)");
  EXPECT_EQ(errorFor("2562047h2562047h"), "duration \"2562047h2562047h\" is too long (the limit is about 292 years)");
}

TEST(DurationTest, RejectsZeroAndSigns) {
  EXPECT_EQ(errorFor("0"), "duration \"0\" must be positive");
  EXPECT_EQ(errorFor("0s"), "duration \"0s\" must be positive");
  EXPECT_EQ(errorFor("0h0m0.0s"), "duration \"0h0m0.0s\" must be positive");
  EXPECT_EQ(errorFor("0.1ns"), "duration \"0.1ns\" must be positive");  // truncates to zero
  EXPECT_EQ(errorFor("-1s"), "sign not allowed in duration \"-1s\" (durations must be positive)");
  EXPECT_EQ(errorFor("+1s"), "sign not allowed in duration \"+1s\" (durations must be positive)");
}

TEST(DurationTest, RejectsMissingOrUnknownUnits) {
  EXPECT_EQ(errorFor(""), "empty duration");
  EXPECT_EQ(errorFor("30"), "missing unit in duration \"30\"");
  EXPECT_EQ(errorFor("1.5"), "missing unit in duration \"1.5\"");
  EXPECT_EQ(errorFor("1h30"), "missing unit in duration \"1h30\"");
  EXPECT_EQ(errorFor("1d"), "unknown unit \"d\" in duration \"1d\"");
  EXPECT_EQ(errorFor("1y"), "unknown unit \"y\" in duration \"1y\"");
  EXPECT_EQ(errorFor("1H"), "unknown unit \"H\" in duration \"1H\"");
  EXPECT_EQ(errorFor("1sec"), "unknown unit \"sec\" in duration \"1sec\"");
  EXPECT_EQ(errorFor("1 s"), "unknown unit \" s\" in duration \"1 s\"");
  EXPECT_EQ(errorFor("1s "), "unknown unit \"s \" in duration \"1s \"");
}

TEST(DurationTest, RejectsJunk) {
  EXPECT_EQ(errorFor("s"), "invalid duration \"s\": expected a number at \"s\"");
  EXPECT_EQ(errorFor("."), "invalid duration \".\": expected a number at \".\"");
  EXPECT_EQ(errorFor(".s"), "invalid duration \".s\": expected a number at \".s\"");
  EXPECT_EQ(errorFor("1h.m"), "invalid duration \"1h.m\": expected a number at \".m\"");
  EXPECT_EQ(errorFor("1hm"), "unknown unit \"hm\" in duration \"1hm\"");
  EXPECT_EQ(errorFor("1..5s"), "missing unit in duration \"1..5s\"");
  EXPECT_EQ(errorFor("1.2.3s"), "missing unit in duration \"1.2.3s\"");
  EXPECT_EQ(errorFor(" 1s"), "invalid duration \" 1s\": expected a number at \" 1s\"");
  EXPECT_EQ(errorFor("1e3s"), "unknown unit \"e\" in duration \"1e3s\"");
}

TEST(DurationTest, EscapesHostileInputInMessages) {
  EXPECT_EQ(errorFor("1\nd"), "unknown unit \"\\nd\" in duration \"1\\nd\"");
  EXPECT_EQ(errorFor("1\"d"), "unknown unit \"\\\"d\" in duration \"1\\\"d\"");
  EXPECT_EQ(errorFor(std::string_view("1s\0", 3)), "unknown unit \"s\\u0000\" in duration \"1s\\u0000\"");
}

TEST(DurationTest, ToleratesANullErrorPointer) {
  EXPECT_FALSE(parseDuration("1d", nullptr).has_value());
  EXPECT_EQ(parseDuration("1s", nullptr), seconds(1));
}

TEST(DurationTest, LeavesErrorUntouchedOnSuccess) {
  std::string error = "unchanged";
  EXPECT_TRUE(parseDuration("5m", &error).has_value());
  EXPECT_EQ(error, "unchanged");
}

}  // namespace
}  // namespace warden::policy
