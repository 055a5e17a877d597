#include "cli/time_arg.h"

#include <gtest/gtest.h>

namespace warden::cli {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

TEST(TimeArgTest, ParsesRfc3339WithOffsetsAndZ) {
  const auto utc = parseRfc3339("2026-11-24T09:00:00Z");
  ASSERT_TRUE(utc);
  EXPECT_EQ(utc->time_since_epoch(), seconds(1795510800));
  EXPECT_EQ(parseRfc3339("2026-11-24T10:00:00+01:00"), utc);
  EXPECT_EQ(parseRfc3339("2026-11-24T04:00:00-05:00"), utc);
  EXPECT_EQ(parseRfc3339("2026-11-24t09:00:00z"), utc);
  auto frac = parseRfc3339("2026-11-24T09:00:00.250Z");
  ASSERT_TRUE(frac);
  EXPECT_EQ(*frac - *utc, std::chrono::milliseconds(250));
}

TEST(TimeArgTest, RejectsOtherForms) {
  for (const char* bad : {"", "2026-11-24", "2026-11-24 09:00:00Z", "2026-11-24T09:00:00", "tomorrow",
                          "2026-11-24T09:00:00Z junk", "2026-13-01T00:00:00Z"}) {
    EXPECT_FALSE(parseRfc3339(bad)) << bad;
  }
}

TEST(TimeArgTest, Formats) { EXPECT_EQ(formatRfc3339(system_clock::time_point(seconds(1795510800))), "2026-11-24T09:00:00Z"); }

}  // namespace
}  // namespace warden::cli
