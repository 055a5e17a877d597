#include "policy/quote.h"

#include <gtest/gtest.h>

namespace warden::policy {
namespace {

TEST(QuoteTest, EscapesWhatCouldForgeMessages) {
  EXPECT_EQ(quoteForMessage("plain"), "\"plain\"");
  EXPECT_EQ(quoteForMessage("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(quoteForMessage("line\nforged: yes"), "\"line\\nforged: yes\"");
  EXPECT_EQ(quoteForMessage(std::string_view("nul\0", 4)), "\"nul\\u0000\"");
  EXPECT_EQ(quoteForMessage("caf\xC3\xA9"), "\"caf\xC3\xA9\"");
  EXPECT_EQ(quoteForMessage("bad\xFF"), "\"bad\xEF\xBF\xBD\"");  // invalid UTF-8 replaced by U+FFFD
}

TEST(QuoteTest, ShortensLongText) {
  EXPECT_EQ(quoteForMessage(std::string(300, 'a')), "\"" + std::string(256, 'a') + "\"...");
  EXPECT_EQ(quoteForMessage("abcdef", 3), "\"abc\"...");
  EXPECT_EQ(quoteForMessage("abc", 3), "\"abc\"");
}

}  // namespace
}  // namespace warden::policy
