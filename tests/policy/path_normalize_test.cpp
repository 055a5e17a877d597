#include "policy/path_normalize.h"

#include <optional>
#include <string>

#include <gtest/gtest.h>

namespace warden::policy {
namespace {

std::string norm(std::string_view path) {
  const std::optional<std::string> out = normalizePath(path);
  return out ? *out : "<rejected>";
}

// The D4 question: would a PathUnder condition on base let this argument through?
bool under(std::string_view path, std::string_view base) {
  const auto p = normalizePath(path);
  const auto b = normalizePath(base);
  return p && b && isPathUnder(*p, *b);
}

TEST(NormalizePathTest, LeavesCleanPathsAlone) {
  EXPECT_EQ(norm("/"), "/");
  EXPECT_EQ(norm("/workspace/drafts/a.txt"), "/workspace/drafts/a.txt");
  EXPECT_EQ(norm("/a b/c-d_e.f~g"), "/a b/c-d_e.f~g");
  EXPECT_EQ(norm("/...hidden/..../x"), "/...hidden/..../x");  // not "." or "..": ordinary names
  EXPECT_EQ(norm("/a/.b/b."), "/a/.b/b.");
}

TEST(NormalizePathTest, ResolvesDotAndDotDot) {
  EXPECT_EQ(norm("/workspace/drafts/../../etc/passwd"), "/etc/passwd");
  EXPECT_EQ(norm("/workspace/./drafts/./x"), "/workspace/drafts/x");
  EXPECT_EQ(norm("/workspace/drafts/.."), "/workspace");
  EXPECT_EQ(norm("/workspace/drafts/../.."), "/");
  EXPECT_EQ(norm("/a/b/c/../../d"), "/a/d");
  EXPECT_EQ(norm("/."), "/");
  EXPECT_EQ(norm("/./."), "/");
}

TEST(NormalizePathTest, RejectsDotDotAboveTheRoot) {
  EXPECT_EQ(norm("/.."), "<rejected>");
  EXPECT_EQ(norm("/../etc/passwd"), "<rejected>");
  EXPECT_EQ(norm("/workspace/../../etc"), "<rejected>");
  EXPECT_EQ(norm("/a/b/../../../a/b"), "<rejected>");
}

TEST(NormalizePathTest, CollapsesSlashesAndDropsTrailingSlash) {
  EXPECT_EQ(norm("//workspace///drafts//x"), "/workspace/drafts/x");
  EXPECT_EQ(norm("/workspace/drafts/"), "/workspace/drafts");
  EXPECT_EQ(norm("/workspace/drafts//"), "/workspace/drafts");
  EXPECT_EQ(norm("/workspace/drafts/."), "/workspace/drafts");
  EXPECT_EQ(norm("///"), "/");
}

TEST(NormalizePathTest, DecodesPercentEncoding) {
  EXPECT_EQ(norm("/workspace/%2e%2e/etc"), "/etc");
  EXPECT_EQ(norm("/workspace/drafts/%2e%2e/%2e%2e/etc/passwd"), "/etc/passwd");
  EXPECT_EQ(norm("/workspace/drafts/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd"), "/etc/passwd");
  EXPECT_EQ(norm("/workspace/%2e/x"), "/workspace/x");
  EXPECT_EQ(norm("/a%20b/%41"), "/a b/A");
  EXPECT_EQ(norm("/workspace%2F..%2F..%2Fetc"), "<rejected>");  // /workspace/../../etc: above the root
  EXPECT_EQ(norm("/caf%C3%A9"), "/caf\xc3\xa9");
}

TEST(NormalizePathTest, DecodesUntilStable) {
  EXPECT_EQ(norm("/workspace/drafts/%252e%252e%252f%252e%252e%252fetc"), "/etc");
  EXPECT_EQ(norm("/workspace/%25252e%25252e/x"), "/x");
  EXPECT_EQ(norm("/a/%2525252541"), "/a/A");
  // A percent sign that survives decoding must itself be an escape.
  EXPECT_EQ(norm("/100%25.txt"), "<rejected>");
}

TEST(NormalizePathTest, LimitsLayersOfEncoding) {
  std::string encoded = "%41";
  for (int i = 0; i < 15; ++i) encoded = "%25" + encoded.substr(1);  // one more layer each time
  EXPECT_EQ(norm("/" + encoded), "/A");                              // 16 layers
  EXPECT_EQ(norm("/%25" + encoded.substr(1)), "<rejected>");         // 17 layers
}

TEST(NormalizePathTest, RejectsMalformedEscapes) {
  EXPECT_EQ(norm("/a%"), "<rejected>");
  EXPECT_EQ(norm("/a%2"), "<rejected>");
  EXPECT_EQ(norm("/a%zz"), "<rejected>");
  EXPECT_EQ(norm("/a%g0"), "<rejected>");
  EXPECT_EQ(norm("/a%%41"), "<rejected>");
  EXPECT_EQ(norm("/a%252"), "<rejected>");  // "%2" after one layer
}

TEST(NormalizePathTest, RejectsOverlongAndInvalidUtf8) {
  EXPECT_EQ(norm("/workspace/%c0%ae%c0%ae/etc"), "<rejected>");  // overlong '.'
  EXPECT_EQ(norm("/workspace/..%c0%afetc"), "<rejected>");       // overlong '/'
  EXPECT_EQ(norm("/workspace/%e0%80%ae"), "<rejected>");         // 3-byte overlong '.'
  EXPECT_EQ(norm("/workspace/%f0%80%80%af"), "<rejected>");      // 4-byte overlong '/'
  EXPECT_EQ(norm("/workspace/%c1%9c"), "<rejected>");            // overlong '\'
  EXPECT_EQ(norm("/a/\xc0\xae"), "<rejected>");                  // raw, not encoded
  EXPECT_EQ(norm("/a/%ed%a0%80"), "<rejected>");                 // surrogate U+D800
  EXPECT_EQ(norm("/a/%f4%90%80%80"), "<rejected>");              // above U+10FFFF
  EXPECT_EQ(norm("/a/%f5%80%80%80"), "<rejected>");
  EXPECT_EQ(norm("/a/%ff"), "<rejected>");
  EXPECT_EQ(norm("/a/%80"), "<rejected>");  // lone continuation byte
  EXPECT_EQ(norm("/a/%c3"), "<rejected>");  // truncated sequence
  EXPECT_EQ(norm("/a/%e2%82"), "<rejected>");
  EXPECT_EQ(norm("/a/%c3%28"), "<rejected>");  // bad continuation
}

TEST(NormalizePathTest, KeepsUnicodeNames) {
  EXPECT_EQ(norm("/workspace/r\xc3\xa9sum\xc3\xa9.txt"), "/workspace/r\xc3\xa9sum\xc3\xa9.txt");
  EXPECT_EQ(norm("/\xe6\x96\x87\xe6\x9b\xb8/\xf0\x9f\x93\x84"), "/\xe6\x96\x87\xe6\x9b\xb8/\xf0\x9f\x93\x84");
  EXPECT_EQ(norm("/\xd0\xb4\xd0\xbe\xd0\xba/../x"), "/x");
  EXPECT_EQ(norm("/\xef\xbf\xbf"), "/\xef\xbf\xbf");          // U+FFFF: a noncharacter, not invalid
  EXPECT_EQ(norm("/\xf4\x8f\xbf\xbf"), "/\xf4\x8f\xbf\xbf");  // U+10FFFF
  EXPECT_EQ(norm("/\xc2\xa0"), "/\xc2\xa0");                  // U+00A0, just past the C1 range
}

TEST(NormalizePathTest, RejectsSeparatorLookAlikes) {
  EXPECT_EQ(norm("/workspace/\xef\xbc\x8e\xef\xbc\x8e/etc"), "<rejected>");  // fullwidth full stops
  EXPECT_EQ(norm("/workspace/..\xef\xbc\x8f"
                 "etc"),
            "<rejected>");  // fullwidth solidus
  EXPECT_EQ(norm("/workspace/..\xef\xbc\xbc"
                 "etc"),
            "<rejected>");                                       // fullwidth reverse solidus
  EXPECT_EQ(norm("/workspace/\xe2\x80\xa5/etc"), "<rejected>");  // two dot leader
  EXPECT_EQ(norm("/workspace/..%E2%88%95etc"), "<rejected>");    // division slash, encoded
  EXPECT_EQ(norm("/workspace/..\xe2\x81\x84"
                 "etc"),
            "<rejected>");                                               // fraction slash
  EXPECT_EQ(norm("/workspace/\xef\xb9\x92\xef\xb9\x92"), "<rejected>");  // small full stops
  EXPECT_EQ(norm("/workspace/..\xef\xb9\xa8"
                 "etc"),
            "<rejected>");                                               // small reverse solidus
  EXPECT_EQ(norm("/workspace/\xe2\x80\xa4\xe2\x80\xa4"), "<rejected>");  // one dot leaders
}

TEST(NormalizePathTest, TreatsBackslashAsSlash) {
  EXPECT_EQ(norm("/workspace\\drafts\\x"), "/workspace/drafts/x");
  EXPECT_EQ(norm("/workspace/drafts/..\\..\\etc\\passwd"), "/etc/passwd");
  EXPECT_EQ(norm("/workspace/drafts/%5c..%5c..%5cetc"), "/etc");
  EXPECT_EQ(norm("/workspace/..\\..\\etc"), "<rejected>");
  EXPECT_EQ(norm("..\\..\\etc"), "<rejected>");    // relative
  EXPECT_EQ(norm("\\etc\\passwd"), "<rejected>");  // not absolute as written
}

TEST(NormalizePathTest, RejectsRelativePaths) {
  EXPECT_EQ(norm(""), "<rejected>");
  EXPECT_EQ(norm("etc/passwd"), "<rejected>");
  EXPECT_EQ(norm("./etc"), "<rejected>");
  EXPECT_EQ(norm("../etc"), "<rejected>");
  EXPECT_EQ(norm("."), "<rejected>");
  EXPECT_EQ(norm("~/x"), "<rejected>");
  EXPECT_EQ(norm(" /etc"), "<rejected>");
  EXPECT_EQ(norm("%2Fetc%2Fpasswd"), "<rejected>");
  EXPECT_EQ(norm("C:\\Windows"), "<rejected>");
  EXPECT_EQ(norm("http://example.org/etc"), "<rejected>");
}

TEST(NormalizePathTest, RejectsNulAndControlCharacters) {
  EXPECT_EQ(norm(std::string_view("/workspace/a\0/../../etc", 23)), "<rejected>");
  EXPECT_EQ(norm("/workspace/a.txt%00.png"), "<rejected>");
  EXPECT_EQ(norm("/workspace/a%0a"), "<rejected>");
  EXPECT_EQ(norm("/workspace/a%0D"), "<rejected>");
  EXPECT_EQ(norm("/workspace/a\tb"), "<rejected>");
  EXPECT_EQ(norm("/workspace/a%1f"), "<rejected>");
  EXPECT_EQ(norm("/workspace/a%7f"), "<rejected>");
  EXPECT_EQ(norm("/workspace/a%c2%85"), "<rejected>");  // C1 next line U+0085
  EXPECT_EQ(norm("/workspace/a\xc2\x9f"), "<rejected>");
  EXPECT_EQ(norm("/workspace/a%2500"), "<rejected>");  // double-encoded NUL
}

TEST(NormalizePathTest, StripsFileScheme) {
  EXPECT_EQ(norm("file:///workspace/x"), "/workspace/x");
  EXPECT_EQ(norm("FILE:///workspace/x"), "/workspace/x");
  EXPECT_EQ(norm("file://localhost/workspace/x"), "/workspace/x");
  EXPECT_EQ(norm("file://LocalHost/workspace/x"), "/workspace/x");
  EXPECT_EQ(norm("file:/workspace/x"), "/workspace/x");
  EXPECT_EQ(norm("file:///workspace/drafts/%2e%2e/%2e%2e/etc/passwd"), "/etc/passwd");
  EXPECT_EQ(norm("file:////workspace//x"), "/workspace/x");
  EXPECT_EQ(norm("file:///"), "/");
}

TEST(NormalizePathTest, RejectsBadFileUris) {
  EXPECT_EQ(norm("file://host/x"), "<rejected>");
  EXPECT_EQ(norm("file://evil.example.org/etc/passwd"), "<rejected>");
  EXPECT_EQ(norm("file://localhost.evil/x"), "<rejected>");
  EXPECT_EQ(norm("file://user@localhost/x"), "<rejected>");
  EXPECT_EQ(norm("file://localhost:80/x"), "<rejected>");
  EXPECT_EQ(norm("file://%6cocalhost/x"), "<rejected>");
  EXPECT_EQ(norm("file://localhost"), "<rejected>");
  EXPECT_EQ(norm("file://"), "<rejected>");
  EXPECT_EQ(norm("file:"), "<rejected>");
  EXPECT_EQ(norm("file:workspace/x"), "<rejected>");
  EXPECT_EQ(norm("file:///etc/passwd#/../../workspace/x"), "<rejected>");
  EXPECT_EQ(norm("file:///etc/passwd?/../../workspace/x"), "<rejected>");
  EXPECT_EQ(norm("file:///workspace/a%23b"), "/workspace/a#b");  // an encoded '#' is part of the name
}

TEST(NormalizePathTest, DoesNotThrowOnArbitraryBytes) {
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  EXPECT_NO_THROW((void)normalizePath(all));
  EXPECT_NO_THROW((void)normalizePath("/" + all));
  EXPECT_EQ(norm("/" + all), "<rejected>");
}

TEST(IsPathUnderTest, ComponentWise) {
  EXPECT_TRUE(isPathUnder("/workspace/drafts/x", "/workspace/drafts"));
  EXPECT_TRUE(isPathUnder("/workspace/drafts/a/b/c", "/workspace/drafts"));
  EXPECT_TRUE(isPathUnder("/workspace/drafts", "/workspace/drafts"));
  EXPECT_FALSE(isPathUnder("/workspace/drafts2/x", "/workspace/drafts"));
  EXPECT_FALSE(isPathUnder("/workspace/draft", "/workspace/drafts"));
  EXPECT_FALSE(isPathUnder("/workspace", "/workspace/drafts"));
  EXPECT_FALSE(isPathUnder("/etc/passwd", "/workspace/drafts"));
  EXPECT_FALSE(isPathUnder("/Workspace/drafts/x", "/workspace/drafts"));  // case-sensitive
}

TEST(IsPathUnderTest, RootContainsEverything) {
  EXPECT_TRUE(isPathUnder("/", "/"));
  EXPECT_TRUE(isPathUnder("/etc/passwd", "/"));
  EXPECT_TRUE(isPathUnder("/workspace", "/"));
}

TEST(IsPathUnderTest, ToleratesATrailingSlashOnTheBase) {
  EXPECT_TRUE(isPathUnder("/workspace/drafts/x", "/workspace/drafts/"));
  EXPECT_TRUE(isPathUnder("/workspace/drafts", "/workspace/drafts/"));
  EXPECT_FALSE(isPathUnder("/workspace/drafts2", "/workspace/drafts/"));
  EXPECT_TRUE(isPathUnder("/x", "//"));
}

TEST(IsPathUnderTest, RefusesInputThatWasNotNormalized) {
  EXPECT_FALSE(isPathUnder("/workspace/drafts/../../etc/passwd", "/workspace/drafts"));
  EXPECT_FALSE(isPathUnder("/workspace/drafts/./x", "/workspace/drafts"));
  EXPECT_FALSE(isPathUnder("/workspace/drafts//x", "/workspace/drafts"));
  EXPECT_FALSE(isPathUnder("/workspace/drafts/x/", "/workspace/drafts"));
  EXPECT_FALSE(isPathUnder("workspace/drafts/x", "workspace/drafts"));
  EXPECT_FALSE(isPathUnder("", "/"));
  EXPECT_FALSE(isPathUnder("/x", ""));
  EXPECT_FALSE(isPathUnder("/x", "/a/../"));
}

TEST(IsPathUnderTest, TraversalAttemptsEndOutside) {
  const std::string base = "/workspace/drafts/";
  EXPECT_TRUE(under("/workspace/drafts/report.md", base));
  EXPECT_TRUE(under("file:///workspace/drafts/a/../b", base));
  EXPECT_FALSE(under("/workspace/drafts/../../etc/passwd", base));
  EXPECT_FALSE(under("/workspace/drafts/%2e%2e/%2e%2e/etc/passwd", base));
  EXPECT_FALSE(under("/workspace/drafts/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd", base));
  EXPECT_FALSE(under("/workspace/drafts/%252e%252e%252f%252e%252e%252fetc%252fpasswd", base));
  EXPECT_FALSE(under("/workspace/drafts/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd", base));
  EXPECT_FALSE(under("/workspace/drafts/..\\..\\etc\\passwd", base));
  EXPECT_FALSE(under("/workspace/drafts/..", base));
  EXPECT_FALSE(under("/workspace/drafts2/x", base));
  EXPECT_FALSE(under("/workspace/drafts/x%00/../../../etc", base));
  EXPECT_FALSE(under("file://evil/workspace/drafts/x", base));
  EXPECT_FALSE(under("workspace/drafts/x", base));
}

}  // namespace
}  // namespace warden::policy
