#include "policy/ascii.h"

#include <gtest/gtest.h>

namespace warden::policy {
namespace {

TEST(AsciiTest, StartsWithIgnoringAsciiCase) {
  EXPECT_TRUE(startsWithIgnoringAsciiCase("SPIFFE://x", "spiffe://"));
  EXPECT_TRUE(startsWithIgnoringAsciiCase("unix:///a", "unix:"));
  EXPECT_FALSE(startsWithIgnoringAsciiCase("uni", "unix:"));
  EXPECT_FALSE(startsWithIgnoringAsciiCase("tcp:", "unix:"));
  EXPECT_FALSE(startsWithIgnoringAsciiCase("\xC3\x9Anix:", "unix:"));  // only ASCII folds
}

TEST(AsciiTest, DescribeChar) {
  EXPECT_EQ(describeChar('A'), "'A'");
  EXPECT_EQ(describeChar('\n'), "byte 0x0a");
  EXPECT_EQ(describeChar('\x7f'), "byte 0x7f");
  EXPECT_EQ(describeChar('\xE9'), "byte 0xe9");
}

}  // namespace
}  // namespace warden::policy
