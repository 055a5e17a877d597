#include "policy/glob.h"

#include <cstddef>
#include <cstdlib>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace warden::policy {
namespace {

Glob mustCompile(std::string_view pattern) {
  std::string error;
  auto glob = Glob::compile(pattern, &error);
  EXPECT_TRUE(glob.has_value()) << pattern << ": " << error;
  if (!glob) std::abort();
  return *glob;
}

bool globMatches(std::string_view pattern, std::string_view text) { return mustCompile(pattern).matches(text); }

std::string compileError(std::string_view pattern) {
  std::string error;
  auto glob = Glob::compile(pattern, &error);
  EXPECT_FALSE(glob.has_value()) << pattern;
  return error;
}

// A deliberately naive reference: dynamic programming over (text position, token), written independently of the
// implementation. Returns nullopt for patterns the spec calls malformed.
std::optional<bool> referenceMatch(std::string_view pattern, std::string_view text) {
  enum Kind { kLit, kAny, kStar, kDouble };
  std::vector<std::pair<Kind, char>> tokens;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\') {
      if (i + 1 == pattern.size()) return std::nullopt;
      tokens.push_back({kLit, pattern[++i]});
    } else if (pattern[i] == '*') {
      std::size_t run = 0;
      while (i + run < pattern.size() && pattern[i + run] == '*') ++run;
      if (run > 2) return std::nullopt;
      tokens.push_back({run == 2 ? kDouble : kStar, 0});
      i += run - 1;
    } else if (pattern[i] == '?') {
      tokens.push_back({kAny, 0});
    } else {
      tokens.push_back({kLit, pattern[i]});
    }
  }
  if (tokens.empty()) return std::nullopt;
  const std::size_t n = text.size();
  const std::size_t m = tokens.size();
  // can[i][j]: text[i..] matches tokens[j..]
  std::vector<std::vector<bool>> can(n + 1, std::vector<bool>(m + 1, false));
  can[n][m] = true;
  for (std::size_t i = n + 1; i-- > 0;) {
    for (std::size_t j = m; j-- > 0;) {
      const auto [kind, ch] = tokens[j];
      bool r = false;
      switch (kind) {
        case kLit:
          r = i < n && text[i] == ch && can[i + 1][j + 1];
          break;
        case kAny:
          r = i < n && text[i] != '/' && can[i + 1][j + 1];
          break;
        case kStar:
          r = can[i][j + 1] || (i < n && text[i] != '/' && can[i + 1][j]);
          break;
        case kDouble:
          r = can[i][j + 1] || (i < n && can[i + 1][j]);
          break;
      }
      can[i][j] = r;
    }
  }
  return can[0][0];
}

TEST(GlobCompileTest, RejectsMalformedPatterns) {
  EXPECT_EQ(compileError(""), "pattern is empty");
  EXPECT_EQ(compileError("abc\\"), "pattern ends with an unescaped backslash");
  EXPECT_EQ(compileError("\\"), "pattern ends with an unescaped backslash");
  EXPECT_EQ(compileError("a\\\\\\"), "pattern ends with an unescaped backslash");
  EXPECT_NE(compileError("***").find("\"***\""), std::string::npos);
  EXPECT_FALSE(Glob::compile("a/***/b", nullptr).has_value());
  EXPECT_FALSE(Glob::compile("****", nullptr).has_value());
  EXPECT_FALSE(Glob::compile("a****", nullptr).has_value());
}

TEST(GlobCompileTest, EscapedStarsDoNotCountTowardsTripleStar) {
  EXPECT_TRUE(Glob::compile("\\***", nullptr).has_value());
  EXPECT_TRUE(Glob::compile("**\\*", nullptr).has_value());
  EXPECT_TRUE(Glob::compile("*\\**", nullptr).has_value());
  EXPECT_TRUE(Glob::compile("\\*\\*\\*", nullptr).has_value());
  EXPECT_TRUE(Glob::compile("a\\\\", nullptr).has_value());  // escaped backslash at the end is fine
}

TEST(GlobCompileTest, NullErrorPointerIsAllowed) {
  EXPECT_FALSE(Glob::compile("", nullptr).has_value());
  EXPECT_TRUE(Glob::compile("a*", nullptr).has_value());
}

TEST(GlobCompileTest, KeepsThePatternText) { EXPECT_EQ(mustCompile("read_\\*_file*").pattern(), "read_\\*_file*"); }

TEST(GlobTest, LiteralPatternMatchesExactlyItself) {
  const Glob g = mustCompile("delete_file");
  EXPECT_TRUE(g.isLiteral());
  EXPECT_EQ(g.literalPrefix(), "delete_file");
  EXPECT_TRUE(g.matches("delete_file"));
  EXPECT_FALSE(g.matches("delete_file2"));
  EXPECT_FALSE(g.matches("delete_fil"));
  EXPECT_FALSE(g.matches(""));
  EXPECT_FALSE(g.matches("xdelete_file"));
}

TEST(GlobTest, MatchingIsCaseSensitive) {
  EXPECT_FALSE(globMatches("delete_file", "Delete_File"));
  EXPECT_FALSE(globMatches("delete_*", "DELETE_file"));
  EXPECT_TRUE(globMatches("Delete_*", "Delete_file"));
  EXPECT_FALSE(globMatches("Delete_?ile", "Delete_File2"));
}

TEST(GlobTest, StarDoesNotCrossSlash) {
  EXPECT_TRUE(globMatches("spiffe://example.org/ns/*/sa/*", "spiffe://example.org/ns/demo/sa/editor"));
  EXPECT_FALSE(globMatches("spiffe://example.org/ns/*/sa/*", "spiffe://example.org/ns/a/b/sa/editor"));
  EXPECT_FALSE(globMatches("spiffe://example.org/ns/*/sa/*", "spiffe://example.org/ns/demo/sa/editor/x"));
  EXPECT_TRUE(globMatches("a/*", "a/"));
  EXPECT_FALSE(globMatches("*", "a/b"));
  EXPECT_TRUE(globMatches("*", ""));
  EXPECT_TRUE(globMatches("*", "anything-without-slash"));
  EXPECT_TRUE(globMatches("read_*", "read_"));
  EXPECT_TRUE(globMatches("*_file", "delete_file"));
  EXPECT_FALSE(globMatches("*_file", "x/delete_file"));
}

TEST(GlobTest, DoubleStarCrossesSlash) {
  EXPECT_TRUE(globMatches("**", ""));
  EXPECT_TRUE(globMatches("**", "a/b/c"));
  EXPECT_TRUE(globMatches("spiffe://example.org/**", "spiffe://example.org/ns/a/sa/b"));
  EXPECT_FALSE(globMatches("spiffe://example.org/**", "spiffe://example.org"));
  EXPECT_TRUE(globMatches("spiffe://**", "spiffe://other.org/x/y"));
  EXPECT_TRUE(globMatches("file:///workspace/**", "file:///workspace/a/b/c.txt"));
  EXPECT_FALSE(globMatches("file:///workspace/**", "file:///etc/passwd"));
  EXPECT_TRUE(globMatches("a**b", "ab"));
  EXPECT_TRUE(globMatches("a**b", "a/x/y/b"));
  EXPECT_TRUE(globMatches("**/x", "a/b/x"));
  EXPECT_TRUE(globMatches("**/x", "/x"));
  EXPECT_FALSE(globMatches("**/x", "x"));
  EXPECT_TRUE(globMatches("a/**/b", "a//b"));
  EXPECT_FALSE(globMatches("a/**/b", "a/b"));
  EXPECT_TRUE(globMatches("**a**", "x/y/a/z"));
  EXPECT_FALSE(globMatches("**a**", "x/y/b/z"));
}

TEST(GlobTest, QuestionMarkIsOneCharacterOtherThanSlash) {
  EXPECT_TRUE(globMatches("tool_?", "tool_a"));
  EXPECT_FALSE(globMatches("tool_?", "tool_"));
  EXPECT_FALSE(globMatches("tool_?", "tool_ab"));
  EXPECT_FALSE(globMatches("a?b", "a/b"));
  EXPECT_TRUE(globMatches("???", "abc"));
  EXPECT_FALSE(globMatches("???", "ab"));
}

TEST(GlobTest, EscapesAreLiteral) {
  const Glob star = mustCompile("a\\*b");
  EXPECT_TRUE(star.isLiteral());
  EXPECT_EQ(star.literalPrefix(), "a*b");
  EXPECT_TRUE(star.matches("a*b"));
  EXPECT_FALSE(star.matches("axb"));
  EXPECT_FALSE(star.matches("ab"));

  EXPECT_TRUE(globMatches("a\\?", "a?"));
  EXPECT_FALSE(globMatches("a\\?", "ab"));
  EXPECT_TRUE(globMatches("a\\\\b", "a\\b"));
  EXPECT_TRUE(globMatches("\\a\\b", "ab"));  // escaping an ordinary character is harmless
  EXPECT_TRUE(globMatches("\\**", "*xyz"));
  EXPECT_FALSE(globMatches("\\**", "xyz"));
  EXPECT_TRUE(globMatches("*\\**", "a*b"));
  EXPECT_FALSE(globMatches("*\\**", "ab"));
}

TEST(GlobTest, LiteralPrefixStopsAtTheFirstWildcard) {
  EXPECT_EQ(mustCompile("read_*").literalPrefix(), "read_");
  EXPECT_EQ(mustCompile("read_?x").literalPrefix(), "read_");
  EXPECT_EQ(mustCompile("spiffe://example.org/**").literalPrefix(), "spiffe://example.org/");
  EXPECT_EQ(mustCompile("*x").literalPrefix(), "");
  EXPECT_EQ(mustCompile("a\\*b*c").literalPrefix(), "a*b");
  EXPECT_EQ(mustCompile("a\\\\*").literalPrefix(), "a\\");
  EXPECT_FALSE(mustCompile("read_*").isLiteral());
  EXPECT_FALSE(mustCompile("?").isLiteral());
  EXPECT_FALSE(mustCompile("**").isLiteral());
}

TEST(GlobTest, HasGlobMeta) {
  EXPECT_FALSE(hasGlobMeta(""));
  EXPECT_FALSE(hasGlobMeta("delete_file"));
  EXPECT_FALSE(hasGlobMeta("spiffe://example.org/ns/demo/sa/editor"));
  EXPECT_TRUE(hasGlobMeta("read_*"));
  EXPECT_TRUE(hasGlobMeta("tool_?"));
  EXPECT_TRUE(hasGlobMeta("a/**"));
  // An escape changes what the string means as a pattern, so it cannot be compared as a plain string.
  EXPECT_TRUE(hasGlobMeta("a\\*"));
  EXPECT_TRUE(hasGlobMeta("a\\b"));
}

TEST(GlobTest, MixedWildcards) {
  EXPECT_TRUE(globMatches("spiffe://*/ns/*/sa/*", "spiffe://example.org/ns/demo/sa/editor"));
  EXPECT_FALSE(globMatches("spiffe://*/ns/*/sa/*", "spiffe://example.org/x/ns/demo/sa/editor"));
  EXPECT_TRUE(globMatches("spiffe://**/sa/*", "spiffe://example.org/ns/demo/sa/editor"));
  EXPECT_FALSE(globMatches("spiffe://**/sa/*", "spiffe://example.org/ns/demo/sa/editor/extra"));
  EXPECT_TRUE(globMatches("**/sa/??itor", "spiffe://example.org/ns/demo/sa/editor"));
  EXPECT_TRUE(globMatches("a*/**/c*d", "abc/x/y/cxd"));
  EXPECT_FALSE(globMatches("a*/**/c*d", "abc/x/y/cx/d"));
  EXPECT_TRUE(globMatches("**a*b/c**", "x/zzazzb/c"));
  EXPECT_FALSE(globMatches("**a*b/c**", "x/zza/zb/c"));
  EXPECT_TRUE(globMatches("**a*b/c**", "x/a/ab/cd/e"));
}

// The implementation must agree with the reference on every pattern and text drawn from a small alphabet that
// exercises all interactions of `*`, `**`, `?`, escapes and '/'.
TEST(GlobTest, AgreesWithReferenceOnRandomInputs) {
  std::mt19937 rng(20240611);
  const std::string patternAlphabet = "ab/*?\\";
  const std::string textAlphabet = "ab/*?";
  std::size_t compared = 0;
  for (int iteration = 0; iteration < 60000; ++iteration) {
    std::string pattern;
    const std::size_t patternLength = 1 + rng() % 10;
    for (std::size_t i = 0; i < patternLength; ++i) pattern += patternAlphabet[rng() % patternAlphabet.size()];
    std::string text;
    const std::size_t textLength = rng() % 12;
    for (std::size_t i = 0; i < textLength; ++i) text += textAlphabet[rng() % textAlphabet.size()];

    const std::optional<bool> expected = referenceMatch(pattern, text);
    const auto glob = Glob::compile(pattern, nullptr);
    ASSERT_EQ(glob.has_value(), expected.has_value()) << "pattern " << pattern;
    if (!glob) continue;
    ASSERT_EQ(glob->matches(text), *expected) << "pattern " << pattern << " text " << text;
    ++compared;
  }
  EXPECT_GT(compared, 30000u);
}

// Structured random patterns built from path-like pieces, which hit multi-piece sections far more often.
TEST(GlobTest, AgreesWithReferenceOnPathLikeInputs) {
  std::mt19937 rng(7);
  const std::vector<std::string> patternParts = {"a", "b", "/", "*", "**", "?", "ab", "/a/", "\\*"};
  const std::vector<std::string> textParts = {"a", "b", "/", "ab", "ba", "*", "//"};
  for (int iteration = 0; iteration < 40000; ++iteration) {
    std::string pattern;
    const std::size_t parts = 1 + rng() % 7;
    for (std::size_t i = 0; i < parts; ++i) pattern += patternParts[rng() % patternParts.size()];
    std::string text;
    const std::size_t textPieces = rng() % 9;
    for (std::size_t i = 0; i < textPieces; ++i) text += textParts[rng() % textParts.size()];

    const std::optional<bool> expected = referenceMatch(pattern, text);
    const auto glob = Glob::compile(pattern, nullptr);
    ASSERT_EQ(glob.has_value(), expected.has_value()) << "pattern " << pattern;
    if (!glob) continue;
    ASSERT_EQ(glob->matches(text), *expected) << "pattern " << pattern << " text " << text;
  }
}

// Pathological inputs that make backtracking matchers exponential (or quadratic) would run for hours at these
// sizes; a linear-time matcher finishes at once. No timing assertion: the test timeout catches a regression.
TEST(GlobTest, PathologicalPatternsDoNotBacktrackExponentially) {
  const std::string as(200000, 'a');
  EXPECT_FALSE(globMatches("*a*a*a*a*a*a*b", as));
  EXPECT_TRUE(globMatches("*a*a*a*a*a*a*", as));
  EXPECT_FALSE(globMatches("**a**a**a**a**a**a**b", as));
  EXPECT_FALSE(globMatches("**a*a*a*a*a*a*b**", as));
  EXPECT_FALSE(globMatches("?*?*?*?*?*?*b", as));

  std::string segments;
  for (int i = 0; i < 50000; ++i) segments += "a/";
  EXPECT_FALSE(globMatches("**/**/**/**/**/**/b", segments));
  EXPECT_TRUE(globMatches("**/**/**/**/**/**/", segments));
  EXPECT_FALSE(globMatches("**/a/**/a/**/a/**/b", segments));
  EXPECT_FALSE(globMatches("**a*b**c", segments));

  // One long segment followed by a slash: naive retrying of every start position is quadratic here.
  const std::string longSegment = as + "/x";
  EXPECT_FALSE(globMatches("**a*b", longSegment));
  EXPECT_FALSE(globMatches("**a*b**x", longSegment));
  EXPECT_FALSE(globMatches("**a*b/**", longSegment));
  EXPECT_FALSE(globMatches("**a*a/y", longSegment));
  EXPECT_TRUE(globMatches("**a*a/x", longSegment));
  EXPECT_TRUE(globMatches("**a*a/**", longSegment));
}

}  // namespace
}  // namespace warden::policy
