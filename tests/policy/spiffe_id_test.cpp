#include "policy/spiffe_id.h"

#include <string>

#include <gtest/gtest.h>

namespace warden::policy {
namespace {

std::string parseError(std::string_view text) {
  std::string error;
  const auto id = parseSpiffeId(text, &error);
  EXPECT_FALSE(id.has_value()) << text;
  EXPECT_FALSE(error.empty()) << text;
  return error;
}

SpiffeId mustParse(std::string_view text) {
  std::string error;
  const auto id = parseSpiffeId(text, &error);
  EXPECT_TRUE(id.has_value()) << text << ": " << error;
  return id.value_or(SpiffeId{});
}

TEST(SpiffeIdTest, ParsesTrustDomainAndPath) {
  const SpiffeId id = mustParse("spiffe://example.org/ns/demo/sa/editor");
  EXPECT_EQ(id.trustDomain, "example.org");
  EXPECT_EQ(id.path, "/ns/demo/sa/editor");
  EXPECT_EQ(id.str(), "spiffe://example.org/ns/demo/sa/editor");
}

TEST(SpiffeIdTest, PathIsOptional) {
  const SpiffeId id = mustParse("spiffe://example.org");
  EXPECT_EQ(id.trustDomain, "example.org");
  EXPECT_EQ(id.path, "");
  EXPECT_EQ(id.str(), "spiffe://example.org");
}

TEST(SpiffeIdTest, AcceptsEveryAllowedCharacter) {
  EXPECT_EQ(mustParse("spiffe://a-b_c.0123456789abcdefghijklmnopqrstuvwxyz/x").trustDomain,
            "a-b_c.0123456789abcdefghijklmnopqrstuvwxyz");
  EXPECT_EQ(mustParse("spiffe://td/ABCXYZabcxyz0189.-_/...").path, "/ABCXYZabcxyz0189.-_/...");
}

TEST(SpiffeIdTest, NullErrorPointerIsAllowed) {
  EXPECT_FALSE(parseSpiffeId("nope", nullptr).has_value());
  EXPECT_TRUE(parseSpiffeId("spiffe://example.org", nullptr).has_value());
}

TEST(SpiffeIdTest, RejectsEmptyAndWrongScheme) {
  EXPECT_EQ(parseError(""), "SPIFFE ID is empty");
  EXPECT_EQ(parseError("https://example.org/x"), "SPIFFE ID must start with \"spiffe://\"");
  EXPECT_EQ(parseError("spiffe:example.org/x"), "SPIFFE ID must start with \"spiffe://\"");
  EXPECT_EQ(parseError("spiffe:/example.org/x"), "SPIFFE ID must start with \"spiffe://\"");
  EXPECT_EQ(parseError(" spiffe://example.org"), "SPIFFE ID must start with \"spiffe://\"");
  EXPECT_EQ(parseError("SPIFFE://example.org/x"), "scheme must be lowercase \"spiffe://\"");
  EXPECT_EQ(parseError("Spiffe://example.org/x"), "scheme must be lowercase \"spiffe://\"");
}

TEST(SpiffeIdTest, RejectsBadTrustDomains) {
  EXPECT_EQ(parseError("spiffe://"), "trust domain is empty");
  EXPECT_EQ(parseError("spiffe:///path"), "trust domain is empty");
  EXPECT_EQ(parseError("spiffe://Example.org/x"), "trust domain contains an invalid character 'E'");
  EXPECT_EQ(parseError("spiffe://exAmple.org"), "trust domain contains an invalid character 'A'");
  EXPECT_EQ(parseError("spiffe://exa mple.org"), "trust domain contains an invalid character ' '");
  EXPECT_EQ(parseError("spiffe://ex*mple.org"), "trust domain contains an invalid character '*'");
  EXPECT_EQ(parseError("spiffe://ex\xc3\xa4mple.org"), "trust domain contains an invalid character byte 0xc3");
  EXPECT_EQ(parseError(std::string_view("spiffe://ex\0mple.org", 20)),
            "trust domain contains an invalid character byte 0x00");
  EXPECT_FALSE(parseSpiffeId("spiffe://[::1]/x", nullptr).has_value());
}

TEST(SpiffeIdTest, RejectsUserinfoPortQueryFragmentAndPercentEncoding) {
  EXPECT_EQ(parseError("spiffe://user@example.org/x"), "trust domain must not contain userinfo");
  EXPECT_EQ(parseError("spiffe://user:pw@example.org/x"), "trust domain must not contain userinfo");
  EXPECT_EQ(parseError("spiffe://example.org:8443/x"), "trust domain must not contain a port");
  EXPECT_EQ(parseError("spiffe://example.org:/x"), "trust domain must not contain a port");
  EXPECT_EQ(parseError("spiffe://example.org/x?y=1"), "query is not allowed");
  EXPECT_EQ(parseError("spiffe://example.org?y=1"), "query is not allowed");
  EXPECT_EQ(parseError("spiffe://example.org/x#frag"), "fragment is not allowed");
  EXPECT_EQ(parseError("spiffe://example.org/x#a?b"), "fragment is not allowed");
  EXPECT_EQ(parseError("spiffe://example.org/%41"), "percent-encoding is not allowed");
  EXPECT_EQ(parseError("spiffe://example%2eorg/x"), "percent-encoding is not allowed");
  EXPECT_EQ(parseError("spiffe://example.org/ns/%2e%2e/x"), "percent-encoding is not allowed");
}

TEST(SpiffeIdTest, RejectsBadPaths) {
  EXPECT_EQ(parseError("spiffe://example.org/"), "path must not end with '/'");
  EXPECT_EQ(parseError("spiffe://example.org/ns/demo/"), "path must not end with '/'");
  EXPECT_EQ(parseError("spiffe://example.org//x"), "path segment is empty");
  EXPECT_EQ(parseError("spiffe://example.org/ns//sa/x"), "path segment is empty");
  EXPECT_EQ(parseError("spiffe://example.org/."), "path segment is \".\" or \"..\"");
  EXPECT_EQ(parseError("spiffe://example.org/ns/../sa/x"), "path segment is \".\" or \"..\"");
  EXPECT_EQ(parseError("spiffe://example.org/ns/./x"), "path segment is \".\" or \"..\"");
  EXPECT_EQ(parseError("spiffe://example.org/ns/de mo"), "path segment contains an invalid character ' '");
  EXPECT_EQ(parseError("spiffe://example.org/ns/d*"), "path segment contains an invalid character '*'");
  EXPECT_EQ(parseError("spiffe://example.org/a\\b"), "path segment contains an invalid character '\\'");
  EXPECT_EQ(parseError("spiffe://example.org/a:b"), "path segment contains an invalid character ':'");
  EXPECT_EQ(parseError("spiffe://example.org/a@b"), "path segment contains an invalid character '@'");
  EXPECT_EQ(parseError("spiffe://example.org/d\xd0\xb5mo"), "path segment contains an invalid character byte 0xd0");
  EXPECT_EQ(parseError("spiffe://example.org/a\nb"), "path segment contains an invalid character byte 0x0a");
}

TEST(SpiffeIdTest, EnforcesLengthLimits) {
  // 2048 bytes in all is the limit, scheme included.
  const std::string prefix = "spiffe://example.org/";
  const std::string atLimit = prefix + std::string(2048 - prefix.size(), 'a');
  ASSERT_EQ(atLimit.size(), 2048u);
  EXPECT_TRUE(parseSpiffeId(atLimit, nullptr).has_value());
  EXPECT_EQ(parseError(atLimit + "a"), "SPIFFE ID is longer than 2048 bytes");

  const std::string td255(255, 'a');
  EXPECT_EQ(mustParse("spiffe://" + td255 + "/x").trustDomain, td255);
  EXPECT_EQ(parseError("spiffe://" + td255 + "a/x"), "trust domain is longer than 255 bytes");
}

TEST(SpiffeIdTest, IsValidTrustDomain) {
  EXPECT_TRUE(isValidTrustDomain("example.org"));
  EXPECT_TRUE(isValidTrustDomain("prod_cluster-1.example.org"));
  EXPECT_TRUE(isValidTrustDomain(std::string(255, 'a')));
  EXPECT_FALSE(isValidTrustDomain(std::string(256, 'a')));
  EXPECT_FALSE(isValidTrustDomain(""));
  EXPECT_FALSE(isValidTrustDomain("Example.org"));
  EXPECT_FALSE(isValidTrustDomain("example.org:443"));
  EXPECT_FALSE(isValidTrustDomain("example.org/x"));
  EXPECT_FALSE(isValidTrustDomain("spiffe://example.org"));
  EXPECT_FALSE(isValidTrustDomain("*"));
  EXPECT_FALSE(isValidTrustDomain("ex ample"));
}

}  // namespace
}  // namespace warden::policy
