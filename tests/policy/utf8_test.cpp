#include "policy/utf8.h"

#include <gtest/gtest.h>

namespace warden::policy {
namespace {

TEST(Utf8Test, DecodesEachLength) {
  const std::string s = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";  // a é € 😀
  std::size_t i = 0;
  EXPECT_EQ(decodeUtf8(s, i), U'a');
  EXPECT_EQ(decodeUtf8(s, i), U'\u00E9');
  EXPECT_EQ(decodeUtf8(s, i), U'\u20AC');
  EXPECT_EQ(decodeUtf8(s, i), U'\U0001F600');
  EXPECT_EQ(i, s.size());
  EXPECT_FALSE(decodeUtf8(s, i));
}

TEST(Utf8Test, RejectsIllFormedSequencesWithoutAdvancing) {
  for (std::string bad : {"\xC0\xAE", "\xC1\xBF", "\xE0\x80\xAE", "\xF0\x80\x80\xAE",  // overlong ('.' as %c0%ae)
                          "\xED\xA0\x80",                                              // surrogate
                          "\xF4\x90\x80\x80", "\xF5\x80\x80\x80",                      // above U+10FFFF
                          "\x80", "\xBF",                                              // lone continuation
                          "\xC3", "\xE2\x82", "\xF0\x9F\x98",                          // truncated
                          "\xC3\x28"}) {                                               // bad continuation
    std::size_t i = 0;
    EXPECT_FALSE(decodeUtf8(bad, i)) << ::testing::PrintToString(bad);
    EXPECT_EQ(i, 0u);
    EXPECT_FALSE(isValidUtf8("ok" + bad));
  }
  EXPECT_TRUE(isValidUtf8(""));
  EXPECT_TRUE(isValidUtf8("plain \xE2\x80\x8B zero width is well-formed"));
}

}  // namespace
}  // namespace warden::policy
