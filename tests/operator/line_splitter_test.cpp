#include "operator/kube/line_splitter.h"

#include <gtest/gtest.h>

#include <vector>

namespace warden::op {
namespace {

std::vector<std::string> drain(LineSplitter& lines) {
  std::vector<std::string> out;
  while (auto line = lines.next()) out.push_back(*line);
  return out;
}

TEST(LineSplitterTest, CompleteLinesInOneAppend) {
  LineSplitter lines(100);
  EXPECT_TRUE(lines.append("{\"a\":1}\n{\"b\":2}\r\n"));
  EXPECT_EQ(drain(lines), (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"}));
  EXPECT_EQ(lines.pending(), "");
}

TEST(LineSplitterTest, LineSplitAcrossAppends) {
  LineSplitter lines(100);
  EXPECT_TRUE(lines.append("{\"type\":"));
  EXPECT_FALSE(lines.next());
  EXPECT_EQ(lines.pending(), "{\"type\":");
  EXPECT_TRUE(lines.append("\"ADDED\"}"));
  EXPECT_FALSE(lines.next());
  EXPECT_TRUE(lines.append("\r"));
  EXPECT_FALSE(lines.next());
  EXPECT_TRUE(lines.append("\nnext"));
  EXPECT_EQ(lines.next(), "{\"type\":\"ADDED\"}");
  EXPECT_FALSE(lines.next());
  EXPECT_EQ(lines.pending(), "next");
}

TEST(LineSplitterTest, OneByteAtATime) {
  const std::string stream = "first\nsecond line\n\nthird\n";
  LineSplitter lines(100);
  std::vector<std::string> out;
  for (char c : stream) {
    ASSERT_TRUE(lines.append(std::string_view(&c, 1)));
    while (auto line = lines.next()) out.push_back(*line);
  }
  EXPECT_EQ(out, (std::vector<std::string>{"first", "second line", "third"}));
}

TEST(LineSplitterTest, BlankLinesAreSkipped) {
  LineSplitter lines(100);
  EXPECT_TRUE(lines.append("\n\r\n  \t\nx\n \n"));
  EXPECT_EQ(drain(lines), (std::vector<std::string>{"x"}));
  EXPECT_EQ(lines.pending(), "");
}

TEST(LineSplitterTest, InteriorCarriageReturnIsKept) {
  LineSplitter lines(100);
  EXPECT_TRUE(lines.append("a\rb\n"));
  EXPECT_EQ(lines.next(), "a\rb");
}

TEST(LineSplitterTest, LineAtTheLimitIsAccepted) {
  LineSplitter lines(5);
  EXPECT_TRUE(lines.append("12345"));
  EXPECT_TRUE(lines.append("\n12"));
  EXPECT_EQ(lines.next(), "12345");
  EXPECT_TRUE(lines.append("345\n"));
  EXPECT_EQ(lines.next(), "12345");
}

TEST(LineSplitterTest, PartialLineOverTheLimitFails) {
  LineSplitter lines(5);
  EXPECT_TRUE(lines.append("123"));
  EXPECT_FALSE(lines.append("456"));
  EXPECT_FALSE(lines.append("\n"));  // sticky
}

TEST(LineSplitterTest, OverlongTailAfterCompleteLinesFails) {
  // The long line follows short complete ones in the same append: it is measured from its own start.
  LineSplitter lines(5);
  EXPECT_FALSE(lines.append("a\nb\n123456"));
}

TEST(LineSplitterTest, OverlongCompleteLineFails) {
  LineSplitter lines(5);
  EXPECT_FALSE(lines.append("123456\nok\n"));
}

TEST(LineSplitterTest, LongStreamStaysCompact) {
  // Many lines through one splitter: consumed bytes are dropped, lines keep coming out intact.
  LineSplitter lines(64);
  std::size_t count = 0;
  for (int i = 0; i < 10000; ++i) {
    const std::string line = "{\"n\":" + std::to_string(i) + "}\n";
    // Split each line in two appends at a varying point.
    const std::size_t cut = static_cast<std::size_t>(i) % line.size();
    ASSERT_TRUE(lines.append(std::string_view(line).substr(0, cut)));
    ASSERT_TRUE(lines.append(std::string_view(line).substr(cut)));
    auto out = lines.next();
    ASSERT_TRUE(out);
    EXPECT_EQ(*out + "\n", line);
    ++count;
  }
  EXPECT_EQ(count, 10000u);
  EXPECT_EQ(lines.pending(), "");
}

}  // namespace
}  // namespace warden::op
