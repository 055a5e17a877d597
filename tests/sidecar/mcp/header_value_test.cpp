#include "sidecar/mcp/header_value.h"

#include <gtest/gtest.h>

namespace warden::sidecar::mcp {
namespace {

TEST(HeaderValueTest, NamesCompareCaseInsensitively) {
  EXPECT_TRUE(equalsIgnoreAsciiCase("MCP-Protocol-Version", "mcp-protocol-version"));
  EXPECT_FALSE(equalsIgnoreAsciiCase("Mcp-Name", "Mcp-Names"));
  EXPECT_FALSE(equalsIgnoreAsciiCase("Mcp-Name", "Mcp_Name"));
  EXPECT_FALSE(equalsIgnoreAsciiCase("\xC3\xA9", "\xC3\x89"));  // ASCII only
}

TEST(HeaderValueTest, PlainValues) {
  EXPECT_TRUE(isPlainHeaderValue("get_weather"));
  EXPECT_TRUE(isPlainHeaderValue("file:///a b\tc"));
  EXPECT_TRUE(isPlainHeaderValue(""));
  EXPECT_FALSE(isPlainHeaderValue("a\nb"));
  EXPECT_FALSE(isPlainHeaderValue("a\rb"));
  EXPECT_FALSE(isPlainHeaderValue(std::string_view("a\0b", 3)));
  EXPECT_FALSE(isPlainHeaderValue("\x7f"));
  EXPECT_FALSE(isPlainHeaderValue("caf\xC3\xA9"));
  EXPECT_EQ(decodeHeaderValue("get_weather"), "get_weather");
  EXPECT_EQ(decodeHeaderValue("caf\xC3\xA9"), std::nullopt);
}

TEST(HeaderValueTest, Base64SentinelIsDecoded) {
  // The specification's examples (2026-07-28, Streamable HTTP, Value Encoding).
  EXPECT_EQ(decodeHeaderValue("=?base64?SGVsbG8sIOS4lueVjA==?="), "Hello, \xE4\xB8\x96\xE7\x95\x8C");
  EXPECT_EQ(decodeHeaderValue("=?base64?IHBhZGRlZCA=?="), " padded ");
  EXPECT_EQ(decodeHeaderValue("=?base64?bGluZTEKbGluZTI=?="), "line1\nline2");
  EXPECT_EQ(decodeHeaderValue("=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?="), "=?base64?literal?=");
  EXPECT_EQ(decodeHeaderValue("=?base64?" "?="), "");
  EXPECT_EQ(decodeHeaderValue("=?base64?YWJj?="), "abc");
}

TEST(HeaderValueTest, MalformedSentinelsAreRefused) {
  EXPECT_EQ(decodeHeaderValue("=?base64?SGVsbG8?="), std::nullopt);     // length not a multiple of 4
  EXPECT_EQ(decodeHeaderValue("=?base64?SGVsbG8*?="), std::nullopt);    // not the alphabet
  EXPECT_EQ(decodeHeaderValue("=?base64?SG=sbG8=?="), std::nullopt);    // padding inside
  EXPECT_EQ(decodeHeaderValue("=?base64?====?="), std::nullopt);
  EXPECT_EQ(decodeHeaderValue("=?base64?YR==?="), std::nullopt);        // non-zero unused bits: "YQ==" is "a"
  EXPECT_EQ(decodeHeaderValue("=?base64?YWJ=?="), std::nullopt);        // "YWI=" is "ab"
  EXPECT_EQ(decodeHeaderValue("=?base64?YW Jj?="), std::nullopt);
  // Markers are case-sensitive: anything else is a plain value.
  EXPECT_EQ(decodeHeaderValue("=?BASE64?YWJj?="), "=?BASE64?YWJj?=");
  EXPECT_EQ(decodeHeaderValue("=?base64?YWJj"), "=?base64?YWJj");
}

}  // namespace
}  // namespace warden::sidecar::mcp
