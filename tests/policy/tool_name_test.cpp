#include "policy/tool_name.h"

#include <string>

#include <gtest/gtest.h>

namespace warden::policy {
namespace {

TEST(ToolNameTest, AcceptsTheAllowedAlphabet) {
  EXPECT_TRUE(isValidToolName("delete_file"));
  EXPECT_TRUE(isValidToolName("deploy-to-production"));
  EXPECT_TRUE(isValidToolName("db.query"));
  EXPECT_TRUE(isValidToolName("ABCXYZabcxyz0189_.-"));
  EXPECT_TRUE(isValidToolName("x"));
  EXPECT_TRUE(isValidToolName("."));
  EXPECT_TRUE(isValidToolName("-"));
}

TEST(ToolNameTest, LengthBoundaries) {
  EXPECT_FALSE(isValidToolName(""));
  EXPECT_TRUE(isValidToolName(std::string(1, 'a')));
  EXPECT_TRUE(isValidToolName(std::string(128, 'a')));
  EXPECT_FALSE(isValidToolName(std::string(129, 'a')));
  EXPECT_FALSE(isValidToolName(std::string(100000, 'a')));
}

TEST(ToolNameTest, RejectsUnicodeLookAlikes) {
  ASSERT_EQ(std::string_view("d\u0435lete_file").size(), 12u);  // UTF-8: the look-alike is two bytes
  EXPECT_FALSE(isValidToolName("d\u0435lete_file"));            // Cyrillic small ie U+0435
  EXPECT_FALSE(isValidToolName("\u0430pprove"));                // Cyrillic small a U+0430
  EXPECT_FALSE(isValidToolName("deploy_t\u03bf_prod"));         // Greek small omicron U+03BF
  EXPECT_FALSE(isValidToolName("\u0391PI_call"));               // Greek capital alpha U+0391
  EXPECT_FALSE(isValidToolName("\uff44elete_file"));            // fullwidth small d U+FF44
  EXPECT_FALSE(isValidToolName("delete\uff3ffile"));            // fullwidth low line U+FF3F
  EXPECT_FALSE(isValidToolName("delete_fil\u00e9"));            // e with acute U+00E9
}

TEST(ToolNameTest, RejectsInvisibleAndSeparatorCharacters) {
  EXPECT_FALSE(isValidToolName("delete file"));
  EXPECT_FALSE(isValidToolName(" delete_file"));
  EXPECT_FALSE(isValidToolName("delete_file "));
  EXPECT_FALSE(isValidToolName("delete\tfile"));
  EXPECT_FALSE(isValidToolName("delete_file\n"));
  EXPECT_FALSE(isValidToolName("fs/delete_file"));
  EXPECT_FALSE(isValidToolName("fs\\delete_file"));
  EXPECT_FALSE(isValidToolName("fs:delete_file"));
  EXPECT_FALSE(isValidToolName(std::string_view("delete\0_file", 12)));
  EXPECT_FALSE(isValidToolName(std::string_view("\0", 1)));
  EXPECT_FALSE(isValidToolName("delete\u200b_file"));  // zero-width space U+200B
  EXPECT_FALSE(isValidToolName("delete\u200d_file"));  // zero-width joiner U+200D
  EXPECT_FALSE(isValidToolName("\ufeffdelete_file"));  // byte order mark U+FEFF
  EXPECT_FALSE(isValidToolName("delete\u00ad_file"));  // soft hyphen U+00AD
  EXPECT_FALSE(isValidToolName("delete\x7f"));
}

TEST(ToolNameTest, RejectsGlobAndPunctuationCharacters) {
  for (const char c : std::string("*?[]{}()!@#$%^&+=~`'\",;<>|")) {
    EXPECT_FALSE(isValidToolName(std::string("tool") + c)) << c;
  }
}

TEST(ToolNameTest, EveryByteOutsideTheAlphabetIsRejected) {
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    const bool allowed =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    EXPECT_EQ(isValidToolName(std::string("ab") + c), allowed) << b;
  }
}

}  // namespace
}  // namespace warden::policy
