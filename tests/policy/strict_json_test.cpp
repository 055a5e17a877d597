#include "policy/strict_json.h"

#include <cstdint>
#include <string>

#include <gtest/gtest.h>

namespace warden::policy {
namespace {

using nlohmann::json;

JsonParseResult parse(std::string_view text, std::size_t maxDepth = 128) {
  JsonParseLimits limits;
  limits.maxDepth = maxDepth;
  return parseStrictJson(text, limits);
}

std::string nested(std::size_t depth, char open = '[', char close = ']') {
  return std::string(depth, open) + std::string(depth, close);
}

TEST(StrictJsonTest, ParsesEveryKindOfValue) {
  const auto r =
      parse(R"({"s":"x","i":-3,"u":18446744073709551615,"f":1.5,"t":true,"n":null,"a":[1,{"b":[]}],"o":{}})");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.value, json::parse(R"({"s":"x","i":-3,"u":18446744073709551615,"f":1.5,"t":true,"n":null,
                                     "a":[1,{"b":[]}],"o":{}})"));
  EXPECT_TRUE(r.value["i"].is_number_integer());
  EXPECT_TRUE(r.value["u"].is_number_unsigned());
  EXPECT_EQ(r.value["u"].get<std::uint64_t>(), 18446744073709551615ULL);
  EXPECT_TRUE(r.value["f"].is_number_float());
  EXPECT_EQ(r.offset, 0u);
}

TEST(StrictJsonTest, AcceptsScalarDocumentsAndSurroundingWhiteSpace) {
  EXPECT_EQ(parse("  42 \n").value, json(42));
  EXPECT_EQ(parse("\"x\"").value, json("x"));
  EXPECT_EQ(parse("null").value, json(nullptr));
  EXPECT_TRUE(parse("null").ok());
  EXPECT_EQ(parse("[]").value, json::array());
}

TEST(StrictJsonTest, RejectsDuplicateKeyAtTopLevel) {
  const std::string text = R"({"path":"/a","path":"/b"})";
  const auto r = parse(text);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.error, "duplicate key \"path\" at byte 13");
  EXPECT_EQ(r.offset, 13u);
  EXPECT_EQ(text[r.offset], '"');
  EXPECT_TRUE(r.value.is_null()) << "no partial value on error";
}

TEST(StrictJsonTest, RejectsDuplicateKeyNestedDeep) {
  const std::string text = R"({"params":{"arguments":{"a":{"x":1, "y":2,  "x":3}}}})";
  const auto r = parse(text);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.offset, text.find("\"x\":3"));
  EXPECT_EQ(r.error, "duplicate key \"x\" at byte " + std::to_string(text.find("\"x\":3")));
}

TEST(StrictJsonTest, RejectsDuplicateKeyInsideArrayOfObjects) {
  const auto r = parse(R"([{"a":1},{"b":1,"b":1}])");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.offset, 16u);
}

TEST(StrictJsonTest, RejectsDuplicateEvenWhenValuesAreEqual) { EXPECT_FALSE(parse(R"({"a":1,"a":1})").ok()); }

TEST(StrictJsonTest, SameKeyInDifferentObjectsIsFine) {
  const auto r = parse(R"({"a":{"a":{"a":1}},"b":{"a":2},"c":[{"a":1},{"a":2}]})");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.value["a"]["a"]["a"], 1);
  EXPECT_EQ(r.value["c"][1]["a"], 2);
}

TEST(StrictJsonTest, EscapedSpellingsOfOneKeyAreDuplicates) {
  // The MCP server decodes escapes too: "a" and "\u0061" are the same key to it.
  const std::string text = R"({"a":1,"\u0061":2})";
  const auto r = parse(text);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error, "duplicate key \"a\" at byte 7");
  EXPECT_FALSE(parse(R"({"tool":"x","t\u006fol":"y"})").ok());
  EXPECT_FALSE(parse(R"({"\/":1,"/":2})").ok());
  EXPECT_FALSE(parse(R"({"é":1,"\u00e9":2})").ok());
  EXPECT_FALSE(parse(R"({"😀":1,"\ud83d\ude00":2})").ok());
}

TEST(StrictJsonTest, KeysDifferingOnlyByCaseOrNormalizationAreDistinct) {
  // JSON keys compare by code points: no case folding, no Unicode normalization (e + combining acute != é).
  EXPECT_TRUE(parse(R"({"a":1,"A":2})").ok());
  EXPECT_TRUE(parse(R"({"é":1,"e\u0301":2})").ok());
}

TEST(StrictJsonTest, DuplicateKeyOffsetSkipsEscapedQuotesInTheKey) {
  const std::string text = R"({"a\"b\\":1, "a\"b\\":2})";
  const auto r = parse(text);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.offset, 13u);
  EXPECT_EQ(r.error, R"(duplicate key "a\"b\\" at byte 13)");
}

TEST(StrictJsonTest, DuplicateKeyMessageEscapesControlCharacters) {
  const auto r = parse(R"({"a\nb":1,"a\nb":2})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error, R"(duplicate key "a\nb" at byte 10)");
  EXPECT_EQ(r.error.find('\n'), std::string::npos);
}

TEST(StrictJsonTest, DuplicateKeyMessageShortensHugeKeys) {
  const std::string key(5000, 'k');
  const auto r = parse("{\"" + key + "\":1,\"" + key + "\":2}");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error, "duplicate key \"" + std::string(256, 'k') + "\"... at byte 5006");
}

TEST(StrictJsonTest, EmptyKeyCanBeDuplicated) {
  const auto r = parse(R"({"":1,"":2})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error, "duplicate key \"\" at byte 6");
}

TEST(StrictJsonTest, DepthLimitBoundary) {
  EXPECT_TRUE(parse(nested(128)).ok());
  const auto r = parse(nested(129));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error, "nesting deeper than 128 at byte 128");
  EXPECT_EQ(r.offset, 128u);
}

TEST(StrictJsonTest, DepthCountsObjectsAndArraysAlike) {
  std::string text;
  for (int i = 0; i < 64; ++i) text += "{\"a\":[";
  text += "1";
  for (int i = 0; i < 64; ++i) text += "]}";
  EXPECT_TRUE(parse(text).ok()) << "128 levels";
  EXPECT_FALSE(parse(text, 127).ok());
}

TEST(StrictJsonTest, CustomDepthLimit) {
  EXPECT_TRUE(parse(nested(3), 3).ok());
  const auto r = parse(R"({"a": {"b": {"c": {}}}})", 3);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error, "nesting deeper than 3 at byte 18");
  EXPECT_TRUE(parse("1", 0).ok());
  EXPECT_FALSE(parse("[]", 0).ok());
}

TEST(StrictJsonTest, VeryDeepInputFailsFastWithoutRecursion) {
  const auto r = parse(std::string(1'000'000, '['));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.offset, 128u);
}

TEST(StrictJsonTest, RejectsEmptyInput) {
  const auto r = parse("");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.error, "syntax error at byte 0: empty input");
  EXPECT_EQ(r.offset, 0u);
  const auto blank = parse("  \n ");
  EXPECT_FALSE(blank.ok());
  EXPECT_EQ(blank.offset, 4u);
  EXPECT_EQ(blank.error.rfind("syntax error at byte 4: ", 0), 0u) << blank.error;
  EXPECT_NE(blank.error.find("unexpected end of input"), std::string::npos) << blank.error;
}

TEST(StrictJsonTest, RejectsTrailingGarbage) {
  for (const char* text : {"{} {}", "[1] x", "1 2", "{}}", "null,", "\"a\"\"b\""}) {
    const auto r = parse(text);
    EXPECT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error.rfind("syntax error at byte ", 0), 0u) << r.error;
    EXPECT_NE(r.error.find("expected end of input"), std::string::npos) << r.error;
  }
  EXPECT_EQ(parse("{} {}").offset, 3u);
}

TEST(StrictJsonTest, SyntaxErrorsAreCleanedUpAndLocated) {
  const auto r = parse(R"({"a":1,})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.offset, 7u);
  EXPECT_EQ(r.error, "syntax error at byte 7: while parsing object key - unexpected '}'; expected string literal");

  const auto literal = parse("tru");
  EXPECT_EQ(literal.error, "syntax error at byte 3: while parsing value - invalid literal; last read: 'tru'");

  const auto unterminated = parse("[1");
  EXPECT_EQ(unterminated.error.rfind("syntax error at byte 2: while parsing array", 0), 0u) << unterminated.error;
  EXPECT_EQ(parse(R"({"a" 1})").offset, 5u);
}

TEST(StrictJsonTest, RejectsWhatStrictJsonForbids) {
  for (const char* text : {"{'a':1}", "{a:1}", "[1,]", "[01]", "[+1]", "[.5]", "[1.]", "NaN", "[Infinity]", "// c\n{}",
                           "/* c */ {}", "{\"a\":1 /* c */}", "\"a\tb\"", "\"\\x41\"", "[\"\\u12\"]"}) {
    const auto r = parse(text);
    EXPECT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error.rfind("syntax error at byte ", 0), 0u) << r.error;
  }
}

TEST(StrictJsonTest, RejectsInvalidUtf8) {
  for (const std::string& text : {std::string("\"\xff\""), std::string("{\"a\":\"\xc3\"}"),
                                  std::string("\"\xc0\xaf\""),          // overlong '/'
                                  std::string("\"\xed\xa0\x80\""),      // encoded surrogate
                                  std::string("\"\xf4\x90\x80\x80\""),  // above U+10FFFF
                                  std::string("{\"\xff\":1}"), std::string("\xef\xbb\xbf\xef\xbb\xbf{}")}) {
    const auto r = parse(text);
    EXPECT_FALSE(r.ok()) << text;
    // The message shows raw bytes escaped, so it is always valid UTF-8 and safe to embed in a JSON answer.
    for (const char c : r.error) EXPECT_LT(static_cast<unsigned char>(c), 0x80) << r.error;
    EXPECT_NO_THROW((void)json(r.error).dump());
  }
  const auto r = parse("{\"a\":\"\xff\"}");
  EXPECT_EQ(r.offset, 6u);
  EXPECT_NE(r.error.find("\\xff"), std::string::npos) << r.error;
}

TEST(StrictJsonTest, RejectsLoneSurrogateEscapes) {
  EXPECT_FALSE(parse(R"("\ud800")").ok());
  EXPECT_FALSE(parse(R"("\udc00")").ok());
  EXPECT_FALSE(parse(R"("\ud800\u0041")").ok());
}

TEST(StrictJsonTest, AcceptsUnicode) {
  const auto r = parse(R"({"名前":"值","emoji":"\ud83d\ude00","nul":"a\u0000b","bom":"\ufeff"})");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.value["名前"], "值");
  EXPECT_EQ(r.value["emoji"], "\xf0\x9f\x98\x80");
  EXPECT_EQ(r.value["nul"].get<std::string>(), std::string("a\0b", 3));
  EXPECT_EQ(r.value["bom"], "\xef\xbb\xbf");
}

TEST(StrictJsonTest, SkipsLeadingByteOrderMarkButCountsItsBytes) {
  const auto ok = parse("\xef\xbb\xbf{\"a\":1}");
  ASSERT_TRUE(ok.ok()) << ok.error;
  const auto dup = parse("\xef\xbb\xbf{\"a\":1,\"a\":2}");
  EXPECT_EQ(dup.offset, 10u);
}

TEST(StrictJsonTest, BigNumbers) {
  auto r = parse("[9223372036854775807,-9223372036854775808,18446744073709551615]");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.value[0].get<std::int64_t>(), INT64_MAX);
  EXPECT_EQ(r.value[1].get<std::int64_t>(), INT64_MIN);
  EXPECT_EQ(r.value[2].get<std::uint64_t>(), UINT64_MAX);

  // Beyond 64 bits integers become doubles, as in JavaScript MCP servers.
  r = parse("[18446744073709551616,-9223372036854775809]");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_TRUE(r.value[0].is_number_float());
  EXPECT_DOUBLE_EQ(r.value[0].get<double>(), 18446744073709551616.0);
  EXPECT_TRUE(r.value[1].is_number_float());

  r = parse("[1e308,-1e308,5e-324,1e-400]");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.value[3].get<double>(), 0.0);

  // A number that overflows a double has no JSON value the server would agree on.
  const auto overflow = parse("[1, 1e400]");
  ASSERT_FALSE(overflow.ok());
  EXPECT_EQ(overflow.error.rfind("syntax error at byte ", 0), 0u) << overflow.error;
  EXPECT_NE(overflow.error.find("number overflow parsing '1e400'"), std::string::npos) << overflow.error;
  EXPECT_FALSE(parse("-1e999").ok());
}

TEST(StrictJsonTest, ParsesTypicalMcpRequest) {
  const auto r = parse(R"({"jsonrpc":"2.0","id":7,"method":"tools/call",
      "params":{"name":"read_file","arguments":{"path":"/workspace/a.txt","limits":{"max":10}}}})");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.value["params"]["arguments"]["path"], "/workspace/a.txt");
}

TEST(StrictJsonTest, ValueIsUsableAfterManyDuplicatesRejected) {
  // Repeated use: no state survives between calls.
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(parse(R"({"a":1,"a":2})").ok());
    EXPECT_TRUE(parse(R"({"a":1,"b":2})").ok());
  }
}

}  // namespace
}  // namespace warden::policy
