#include "policy/canonical_json.h"

#include <cstdint>
#include <limits>
#include <string>

#include <gtest/gtest.h>

namespace warden::policy {
namespace {

using nlohmann::json;

TEST(Sha256HexTest, KnownVectors) {
  EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256HexTest, HashesEveryByteIncludingNul) {
  const std::string withNul("a\0b", 3);
  EXPECT_NE(sha256Hex(withNul), sha256Hex("a"));
  EXPECT_NE(sha256Hex(withNul), sha256Hex(std::string("a\0c", 3)));
  const std::string million(1'000'000, 'a');
  EXPECT_EQ(sha256Hex(million), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256HexTest, IsLowerCaseHexOf64Characters) {
  const std::string h = sha256Hex("mcp-warden");
  ASSERT_EQ(h.size(), 64u);
  for (const char c : h) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << h;
}

TEST(CanonicalJsonTest, SortsKeysAndIsCompact) {
  const json v = json::parse(R"({ "b": 1, "a": [ 3, 2, {"z": null, "y": true} ], "c": { } })");
  EXPECT_EQ(canonicalJson(v), R"({"a":[3,2,{"y":true,"z":null}],"b":1,"c":{}})");
}

TEST(CanonicalJsonTest, SameValueBuiltInDifferentOrdersGivesSameBytes) {
  json first;
  first["rules"] = json::array({json{{"name", "r1"}, {"effect", "Allow"}}});
  first["bundleFormat"] = 1;
  first["server"] = {{"namespace", "ns"}, {"name", "s"}};

  json second;
  second["server"]["name"] = "s";
  second["server"]["namespace"] = "ns";
  second["bundleFormat"] = 1;
  json rule;
  rule["effect"] = "Allow";
  rule["name"] = "r1";
  second["rules"].push_back(rule);

  EXPECT_EQ(canonicalJson(first), canonicalJson(second));
  EXPECT_EQ(canonicalJson(first),
            R"({"bundleFormat":1,"rules":[{"effect":"Allow","name":"r1"}],"server":{"name":"s","namespace":"ns"}})");
  EXPECT_EQ(sha256Hex(canonicalJson(first)), sha256Hex(canonicalJson(second)));
}

TEST(CanonicalJsonTest, ArrayOrderIsSignificant) {
  EXPECT_NE(canonicalJson(json::array({1, 2})), canonicalJson(json::array({2, 1})));
}

TEST(CanonicalJsonTest, SortsKeysByBytesNotByLocale) {
  // Upper case before lower case, and multi-byte UTF-8 after every ASCII key (bytes >= 0x80 compare unsigned).
  const json v = {{"b", 1}, {"B", 2}, {"é", 3}, {"z", 4}, {"_", 5}, {"10", 6}, {"9", 7}, {"", 8}};
  EXPECT_EQ(canonicalJson(v), R"({"":8,"10":6,"9":7,"B":2,"_":5,"b":1,"z":4,"é":3})");
}

TEST(CanonicalJsonTest, KeepsUnicodeAsUtf8AndEscapesOnlyWhatJsonRequires) {
  const json v = {{"name", "名前 😀"}, {"ctl", "a\"b\\c\n\t\x01"}, {"slash", "a/b"}};
  EXPECT_EQ(canonicalJson(v), "{\"ctl\":\"a\\\"b\\\\c\\n\\t\\u0001\",\"name\":\"名前 😀\",\"slash\":\"a/b\"}");
}

TEST(CanonicalJsonTest, ReplacesInvalidUtf8Deterministically) {
  const json v = {{"k", std::string("a\xff"
                                    "b")},
                  {std::string("\xc3"), 1}};
  std::string text;
  ASSERT_NO_THROW(text = canonicalJson(v));
  EXPECT_EQ(text,
            "{\"k\":\"a\xef\xbf\xbd"
            "b\",\"\xef\xbf\xbd\":1}");
  EXPECT_EQ(canonicalJson(v), text);
  // The result is valid JSON that reads back.
  EXPECT_TRUE(json::accept(text));
}

TEST(CanonicalJsonTest, IntegersAreExact) {
  const json v = json::array({0, -1, std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::min(),
                              std::numeric_limits<std::uint64_t>::max(), 1000000});
  EXPECT_EQ(canonicalJson(v), "[0,-1,9223372036854775807,-9223372036854775808,18446744073709551615,1000000]");
}

TEST(CanonicalJsonTest, FloatsUseShortestRoundTripText) {
  EXPECT_EQ(canonicalJson(json::array({1.5, 0.1, 1.0, -0.0, 1e100, 1e-7, 123456789.125})),
            "[1.5,0.1,1.0,-0.0,1e+100,1e-07,123456789.125]");
  EXPECT_EQ(json::parse(canonicalJson(json(0.1))).get<double>(), 0.1);
}

TEST(CanonicalJsonTest, NonFiniteFloatsBecomeNull) {
  EXPECT_EQ(
      canonicalJson(json::array({std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()})),
      "[null,null]");
}

TEST(CanonicalJsonTest, ScalarsAndEmptyContainers) {
  EXPECT_EQ(canonicalJson(json()), "null");
  EXPECT_EQ(canonicalJson(json(true)), "true");
  EXPECT_EQ(canonicalJson(json("x")), "\"x\"");
  EXPECT_EQ(canonicalJson(json::object()), "{}");
  EXPECT_EQ(canonicalJson(json::array()), "[]");
}

TEST(CanonicalJsonTest, ParsedTextInAnyLayoutCanonicalizesAlike) {
  const json a = json::parse("{\n  \"x\" : [1, 2],\n  \"a\" : {\"q\": \"r\", \"p\": 1.25}\n}");
  const json b = json::parse(R"({"a":{"p":1.25,"q":"r"},"x":[1,2]})");
  EXPECT_EQ(canonicalJson(a), canonicalJson(b));
  EXPECT_EQ(canonicalJson(json::parse(canonicalJson(a))), canonicalJson(a)) << "idempotent";
}

}  // namespace
}  // namespace warden::policy
