#include "policy/argument_path.h"

#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace warden::policy {
namespace {

using nlohmann::json;

ArgumentPath mustParse(std::string_view text) {
  std::string error;
  auto path = ArgumentPath::parse(text, &error);
  EXPECT_TRUE(path.has_value()) << text << ": " << error;
  if (!path) std::abort();
  return *path;
}

std::string parseError(std::string_view text) {
  std::string error;
  const auto path = ArgumentPath::parse(text, &error);
  EXPECT_FALSE(path.has_value()) << text;
  return error;
}

// The value the path addresses in doc, or the string "<missing>".
json lookup(std::string_view path, const json& doc) {
  const json* value = mustParse(path).resolve(doc);
  return value != nullptr ? *value : json("<missing>");
}

const json kDoc = json::parse(R"({
  "path": "/workspace/a.txt",
  "options": {"paths": ["/a", "/b", {"deep": true}], "mode": "fast"},
  "0": "zero-key",
  "map": {"0": "object-zero", "01": "object-zero-one", "-": "dash"},
  "": "empty-key",
  "a/b": "slash-key",
  "m~n": "tilde-key",
  "nested": {"": {"": "double-empty"}},
  "nothing": null,
  "list": [[10, 11], [20, 21]]
})");

TEST(ArgumentPathTest, KeepsTheText) {
  EXPECT_EQ(mustParse("options.paths[0]").text(), "options.paths[0]");
  EXPECT_EQ(mustParse("/options/paths/0").text(), "/options/paths/0");
}

TEST(ArgumentPathTest, DottedPaths) {
  EXPECT_EQ(lookup("path", kDoc), "/workspace/a.txt");
  EXPECT_EQ(lookup("options.mode", kDoc), "fast");
  EXPECT_EQ(lookup("options.paths[1]", kDoc), "/b");
  EXPECT_EQ(lookup("options.paths.1", kDoc), "/b");
  EXPECT_EQ(lookup("options.paths[2].deep", kDoc), true);
  EXPECT_EQ(lookup("options.paths.2.deep", kDoc), true);
  EXPECT_EQ(lookup("list[1][0]", kDoc), 20);
  EXPECT_EQ(lookup("list.1.1", kDoc), 21);
  EXPECT_EQ(lookup("options", kDoc), kDoc["options"]);
  EXPECT_EQ(lookup("a/b", kDoc), "slash-key");  // not a pointer: does not start with '/'
}

TEST(ArgumentPathTest, JsonPointers) {
  EXPECT_EQ(lookup("/path", kDoc), "/workspace/a.txt");
  EXPECT_EQ(lookup("/options/paths/0", kDoc), "/a");
  EXPECT_EQ(lookup("/options/paths/2/deep", kDoc), true);
  EXPECT_EQ(lookup("/a~1b", kDoc), "slash-key");
  EXPECT_EQ(lookup("/m~0n", kDoc), "tilde-key");
  EXPECT_EQ(lookup("/", kDoc), "empty-key");
  EXPECT_EQ(lookup("/nested//", kDoc), "double-empty");
  EXPECT_EQ(lookup("/list/0/1", kDoc), 11);
}

TEST(ArgumentPathTest, PointerEscapesAreDecodedInOrder) {
  // "~01" is "~1" literally (decode ~0 first would be wrong): RFC 6901 section 4.
  const json doc = json::parse(R"({"~1": "tilde-one", "/": "slash"})");
  EXPECT_EQ(lookup("/~01", doc), "tilde-one");
  EXPECT_EQ(lookup("/~1", doc), "slash");
}

TEST(ArgumentPathTest, NumericSegmentsAreObjectKeysOnObjects) {
  EXPECT_EQ(lookup("0", kDoc), "zero-key");
  EXPECT_EQ(lookup("/0", kDoc), "zero-key");
  EXPECT_EQ(lookup("map.0", kDoc), "object-zero");
  EXPECT_EQ(lookup("map[0]", kDoc), "object-zero");
  EXPECT_EQ(lookup("map.01", kDoc), "object-zero-one");
  EXPECT_EQ(lookup("/map/-", kDoc), "dash");
}

TEST(ArgumentPathTest, ArrayIndexesMustBeCanonical) {
  EXPECT_EQ(lookup("options.paths.01", kDoc), "<missing>");
  EXPECT_EQ(lookup("/options/paths/01", kDoc), "<missing>");
  EXPECT_EQ(lookup("/options/paths/-", kDoc), "<missing>");
  EXPECT_EQ(lookup("/options/paths/-1", kDoc), "<missing>");
  EXPECT_EQ(lookup("/options/paths/+1", kDoc), "<missing>");
  EXPECT_EQ(lookup("/options/paths/1 ", kDoc), "<missing>");
  EXPECT_EQ(lookup("/options/paths/0x1", kDoc), "<missing>");
  EXPECT_EQ(lookup("/options/paths/", kDoc), "<missing>");
  EXPECT_EQ(lookup("/options/paths/99999999999999999999999", kDoc), "<missing>");
  EXPECT_EQ(lookup("options.paths.3", kDoc), "<missing>");
  EXPECT_EQ(lookup("options.paths[3]", kDoc), "<missing>");
}

TEST(ArgumentPathTest, MissingStepsAndTypeMismatchesGiveNull) {
  EXPECT_EQ(lookup("absent", kDoc), "<missing>");
  EXPECT_EQ(lookup("options.absent", kDoc), "<missing>");
  EXPECT_EQ(lookup("path.x", kDoc), "<missing>");     // through a string
  EXPECT_EQ(lookup("path[0]", kDoc), "<missing>");    // strings are not arrays
  EXPECT_EQ(lookup("nothing.x", kDoc), "<missing>");  // through null
  EXPECT_EQ(lookup("options.mode.0", kDoc), "<missing>");
  EXPECT_EQ(lookup("list[0][0].x", kDoc), "<missing>");  // through a number
  EXPECT_EQ(lookup("Path", kDoc), "<missing>");          // keys are case-sensitive
  EXPECT_EQ(mustParse("a").resolve(json()), nullptr);
  EXPECT_EQ(mustParse("0").resolve(json(42)), nullptr);
  EXPECT_EQ(mustParse("0").resolve(json::array()), nullptr);
  EXPECT_EQ(*mustParse("0").resolve(json::array({"x"})), "x");
}

TEST(ArgumentPathTest, AnExistingNullIsNotMissing) {
  const json* value = mustParse("nothing").resolve(kDoc);
  ASSERT_NE(value, nullptr);
  EXPECT_TRUE(value->is_null());
}

TEST(ArgumentPathTest, ResolveReturnsAPointerIntoTheDocument) {
  EXPECT_EQ(mustParse("options.paths[1]").resolve(kDoc), &kDoc["options"]["paths"][1]);
}

TEST(ArgumentPathTest, LeadingIndexAddressesATopLevelArray) {
  const json doc = json::parse(R"([{"a": 1}])");
  EXPECT_EQ(lookup("[0].a", doc), 1);
}

TEST(ArgumentPathTest, RejectsMalformedPaths) {
  EXPECT_EQ(parseError(""), "argument path is empty");
  EXPECT_EQ(parseError("/a~"),
            "invalid escape in JSON pointer at offset 2: '~' must be followed by 0 or 1 (~0 is '~', ~1 is '/')");
  EXPECT_EQ(parseError("/a~2"), parseError("/a~"));
  EXPECT_EQ(parseError("/~x").rfind("invalid escape in JSON pointer at offset 1", 0), 0u);
  EXPECT_EQ(parseError(".a"), "empty segment at offset 0");
  EXPECT_EQ(parseError("a."), "empty segment at offset 2");
  EXPECT_EQ(parseError("a..b"), "empty segment at offset 2");
  EXPECT_EQ(parseError("a.[0]"), "empty segment at offset 2");
  EXPECT_EQ(parseError("a[0]."), "empty segment at offset 5");
  EXPECT_EQ(parseError("a["), "unclosed '[' at offset 1");
  EXPECT_EQ(parseError("a[0"), "unclosed '[' at offset 1");
  EXPECT_EQ(parseError("a]"), "unexpected ']' at offset 1");
  EXPECT_EQ(parseError("]"), "unexpected ']' at offset 0");
  EXPECT_EQ(parseError("a.]"), "empty segment at offset 2");
  EXPECT_EQ(parseError("a[0]b"), "expected '.' or '[' after ']' at offset 4");
  EXPECT_EQ(parseError("a[0]]"), "expected '.' or '[' after ']' at offset 4");
}

TEST(ArgumentPathTest, RejectsNonCanonicalBracketIndexes) {
  const std::string suffix = " is not a non-negative decimal without leading zeros";
  EXPECT_EQ(parseError("a[]"), "array index \"\" at offset 2" + suffix);
  EXPECT_EQ(parseError("a[01]"), "array index \"01\" at offset 2" + suffix);
  EXPECT_EQ(parseError("a[-1]"), "array index \"-1\" at offset 2" + suffix);
  EXPECT_EQ(parseError("a[+1]"), "array index \"+1\" at offset 2" + suffix);
  EXPECT_EQ(parseError("a[x]"), "array index \"x\" at offset 2" + suffix);
  EXPECT_EQ(parseError("a[ 1]"), "array index \" 1\" at offset 2" + suffix);
  EXPECT_EQ(parseError("a[99999999999999999999999]"), "array index \"99999999999999999999999\" at offset 2" + suffix);
  EXPECT_TRUE(ArgumentPath::parse("a[0]", nullptr).has_value());
  EXPECT_TRUE(ArgumentPath::parse("a[10]", nullptr).has_value());
}

TEST(ArgumentPathTest, NullErrorPointerIsAllowed) {
  EXPECT_FALSE(ArgumentPath::parse("", nullptr).has_value());
  EXPECT_FALSE(ArgumentPath::parse("a[", nullptr).has_value());
  EXPECT_FALSE(ArgumentPath::parse("/~", nullptr).has_value());
}

TEST(ArgumentPathTest, ResolvingNeverThrowsOnAnyShape) {
  const std::vector<json> docs = {json(),     json(1),       json(1.5),      json("s"),
                                  json(true), json::array(), json::object(), json::array({json::object()}),
                                  kDoc};
  for (const std::string text : {"a", "0", "a.b.c", "[0]", "[0][0]", "/", "/0/0", "//", "options.paths[9]"}) {
    const ArgumentPath path = mustParse(text);
    for (const json& doc : docs) EXPECT_NO_THROW((void)path.resolve(doc)) << text;
  }
}

}  // namespace
}  // namespace warden::policy
