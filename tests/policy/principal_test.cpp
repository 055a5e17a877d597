#include "policy/principal.h"

#include <string>

#include <gtest/gtest.h>

#include "policy/glob.h"

namespace warden::policy {
namespace {

bool isAccepted(std::string_view entry) { return !validatePrincipalEntry(entry).has_value(); }

std::string errorOf(std::string_view entry) {
  const auto error = validatePrincipalEntry(entry);
  EXPECT_TRUE(error.has_value()) << entry;
  return error.value_or("");
}

bool mentionsAcceptedForms(const std::string& message) {
  return message.find("spiffe://<trust domain>") != std::string::npos &&
         message.find("ns/<namespace>/sa/<service account>") != std::string::npos &&
         message.find("spiffe://example.org/ns/*/sa/*") != std::string::npos;
}

TEST(PrincipalTest, AcceptsSpiffeIds) {
  EXPECT_TRUE(isAccepted("spiffe://example.org/ns/demo/sa/editor"));
  EXPECT_TRUE(isAccepted("spiffe://example.org"));
  EXPECT_TRUE(isAccepted("spiffe://prod.example.org/Payments/Web-FE_1.2"));
}

TEST(PrincipalTest, AcceptsGlobsOfSpiffeIds) {
  EXPECT_TRUE(isAccepted("spiffe://example.org/ns/*/sa/*"));
  EXPECT_TRUE(isAccepted("spiffe://example.org/ns/demo/sa/edit?r"));
  EXPECT_TRUE(isAccepted("spiffe://example.org/**"));
  EXPECT_TRUE(isAccepted("spiffe://example.org/ns/team-*/sa/*"));
  EXPECT_TRUE(isAccepted("spiffe://*/ns/demo/sa/editor"));
  EXPECT_TRUE(isAccepted("spiffe://**/sa/editor"));
  EXPECT_TRUE(isAccepted("spiffe://**"));
  EXPECT_TRUE(isAccepted("spiffe://*"));
}

TEST(PrincipalTest, RejectsWildcardsInsideTheTrustDomain) {
  const std::string message = "a wildcard in the trust domain must be the whole trust domain (* or **)";
  EXPECT_NE(errorOf("spiffe://*.example.org/ns/demo").find(message), std::string::npos);
  EXPECT_NE(errorOf("spiffe://example.*/x").find(message), std::string::npos);
  EXPECT_NE(errorOf("spiffe://ex?mple.org/x").find(message), std::string::npos);
  EXPECT_NE(errorOf("spiffe://a**/x").find(message), std::string::npos);
}

TEST(PrincipalTest, ValidatesTheRestLikeASpiffeId) {
  EXPECT_EQ(errorOf("spiffe://Example.org/x"), "invalid SPIFFE ID: trust domain contains an invalid character 'E'");
  EXPECT_EQ(errorOf("spiffe:///x"), "invalid SPIFFE ID: trust domain is empty");
  EXPECT_EQ(errorOf("spiffe://example.org:443/x"), "invalid SPIFFE ID: trust domain must not contain a port");
  EXPECT_EQ(errorOf("spiffe://u@example.org/x"), "invalid SPIFFE ID: trust domain must not contain userinfo");
  EXPECT_EQ(errorOf("spiffe://example.org/ns//sa/x"), "invalid SPIFFE ID: path segment is empty");
  EXPECT_EQ(errorOf("spiffe://example.org/ns/../sa/x"), "invalid SPIFFE ID: path segment is \".\" or \"..\"");
  EXPECT_EQ(errorOf("spiffe://example.org/ns/*/"), "invalid SPIFFE ID: path must not end with '/'");
  EXPECT_EQ(errorOf("spiffe://*/"), "invalid SPIFFE ID: path must not end with '/'");
  EXPECT_EQ(errorOf("spiffe://example.org/a%2fb"), "invalid SPIFFE ID: percent-encoding is not allowed");
  EXPECT_EQ(errorOf("spiffe://example.org/a#b"), "invalid SPIFFE ID: fragment is not allowed");
  EXPECT_EQ(errorOf("spiffe://example.org/a b"), "invalid SPIFFE ID: path segment contains an invalid character ' '");
  // Escapes are not part of the principal syntax: nothing in a SPIFFE ID needs escaping.
  EXPECT_EQ(errorOf("spiffe://example.org/a\\*"), "invalid SPIFFE ID: path segment contains an invalid character '\\'");
}

TEST(PrincipalTest, RejectsPatternsTheGlobRejects) {
  EXPECT_NE(errorOf("spiffe://example.org/***").find("\"***\""), std::string::npos);
  EXPECT_NE(errorOf("ns/***/sa/x").find("\"***\""), std::string::npos);
}

TEST(PrincipalTest, EnforcesTheSpiffeIdLengthLimit) {
  const std::string prefix = "spiffe://example.org/";
  const std::string atLimit = prefix + std::string(2048 - prefix.size(), 'a');
  EXPECT_TRUE(isAccepted(atLimit));
  EXPECT_EQ(errorOf(atLimit + "a"), "invalid SPIFFE ID: longer than 2048 bytes");
  EXPECT_EQ(errorOf("spiffe://" + std::string(256, 'a') + "/x"),
            "invalid SPIFFE ID: trust domain is longer than 255 bytes");
}

TEST(PrincipalTest, AcceptsTheShorthand) {
  EXPECT_TRUE(isAccepted("ns/demo/sa/editor"));
  EXPECT_TRUE(isAccepted("ns/team-1/sa/build.bot"));
  EXPECT_TRUE(isAccepted("ns/*/sa/*"));
  EXPECT_TRUE(isAccepted("ns/team-?/sa/editor"));
  EXPECT_TRUE(isAccepted("ns/demo/sa/**"));
  EXPECT_TRUE(isAccepted("ns/" + std::string(63, 'a') + "/sa/" + std::string(253, 'b')));
}

TEST(PrincipalTest, RejectsBadShorthandParts) {
  EXPECT_EQ(errorOf("ns//sa/editor"), "namespace is empty");
  EXPECT_EQ(errorOf("ns/demo/sa/"), "service account is empty");
  EXPECT_EQ(errorOf("ns/Demo/sa/editor"),
            "namespace contains an invalid character 'D' (allowed: a-z, 0-9, '-' and the wildcards * ? **)");
  EXPECT_EQ(errorOf("ns/de.mo/sa/editor"),
            "namespace contains an invalid character '.' (allowed: a-z, 0-9, '-' and the wildcards * ? **)");
  EXPECT_EQ(errorOf("ns/demo/sa/Editor"),
            "service account contains an invalid character 'E' (allowed: a-z, 0-9, '-', '.' and the wildcards * ? **)");
  EXPECT_EQ(errorOf("ns/demo/sa/ed_itor"),
            "service account contains an invalid character '_' (allowed: a-z, 0-9, '-', '.' and the wildcards * ? **)");
  EXPECT_EQ(
      errorOf("ns/demo/sa/ed\\*"),
      "service account contains an invalid character '\\' (allowed: a-z, 0-9, '-', '.' and the wildcards * ? **)");
  EXPECT_EQ(errorOf("ns/d\xd0\xb5mo/sa/x"),
            "namespace contains an invalid character byte 0xd0 (allowed: a-z, 0-9, '-' and the wildcards * ? **)");
  EXPECT_EQ(errorOf("ns/demo/sa/.."), "service account must not be \".\" or \"..\"");
  EXPECT_EQ(errorOf("ns/demo/sa/."), "service account must not be \".\" or \"..\"");
  EXPECT_EQ(errorOf("ns/" + std::string(64, 'a') + "/sa/x"), "namespace is longer than 63 characters");
  EXPECT_EQ(errorOf("ns/x/sa/" + std::string(254, 'a')), "service account is longer than 253 characters");
}

TEST(PrincipalTest, EverythingElseNamesTheAcceptedForms) {
  for (const std::string entry :
       {"", "demo/editor", "ns/demo", "ns/demo/sa", "ns/demo/sa/editor/extra", "ns/demo/sb/editor", "ns/demo/sa/x/",
        "namespace/demo/sa/editor", "SPIFFE://example.org/x", "https://example.org/x", "spiffe:/example.org",
        " ns/demo/sa/editor", "system:serviceaccount:demo:editor", "*"}) {
    const auto error = validatePrincipalEntry(entry);
    ASSERT_TRUE(error.has_value()) << entry;
    EXPECT_TRUE(mentionsAcceptedForms(*error)) << entry << ": " << *error;
  }
  EXPECT_EQ(errorOf("").rfind("principal is empty", 0), 0u);
}

TEST(PrincipalTest, IsPrincipalShorthand) {
  EXPECT_TRUE(isPrincipalShorthand("ns/demo/sa/editor"));
  EXPECT_TRUE(isPrincipalShorthand("ns/*/sa/*"));
  EXPECT_FALSE(isPrincipalShorthand("spiffe://example.org/ns/demo/sa/editor"));
  EXPECT_FALSE(isPrincipalShorthand("ns/demo/sa"));
  EXPECT_FALSE(isPrincipalShorthand("ns/demo/sa/editor/x"));
  EXPECT_FALSE(isPrincipalShorthand("ns/Demo/sa/editor"));  // shaped like one, but invalid
  EXPECT_FALSE(isPrincipalShorthand("ns/demo/sa/.."));
  EXPECT_FALSE(isPrincipalShorthand(""));
}

TEST(PrincipalTest, ExpandsTheShorthand) {
  EXPECT_EQ(expandPrincipalEntry("ns/demo/sa/editor", "example.org"), "spiffe://example.org/ns/demo/sa/editor");
  EXPECT_EQ(expandPrincipalEntry("ns/*/sa/bot-?", "prod.example.org"), "spiffe://prod.example.org/ns/*/sa/bot-?");
  EXPECT_EQ(expandPrincipalEntry("spiffe://other.org/ns/demo/sa/editor", "example.org"),
            "spiffe://other.org/ns/demo/sa/editor");
  EXPECT_EQ(expandPrincipalEntry("spiffe://*/ns/demo/sa/editor", "example.org"), "spiffe://*/ns/demo/sa/editor");
  // Invalid entries are never turned into something that looks valid.
  EXPECT_EQ(expandPrincipalEntry("ns/Demo/sa/editor", "example.org"), "ns/Demo/sa/editor");
  EXPECT_EQ(expandPrincipalEntry("ns/demo/sa", "example.org"), "ns/demo/sa");
}

TEST(PrincipalTest, ExpandedEntriesAreValidPatternsThatMatchTheIntendedIds) {
  for (const std::string entry : {"ns/demo/sa/editor", "ns/*/sa/*", "ns/team-?/sa/bot.*"}) {
    ASSERT_TRUE(isAccepted(entry)) << entry;
    const std::string expanded = expandPrincipalEntry(entry, "example.org");
    EXPECT_TRUE(isAccepted(expanded)) << expanded;
  }
  const auto glob = Glob::compile(expandPrincipalEntry("ns/*/sa/editor", "example.org"), nullptr);
  ASSERT_TRUE(glob.has_value());
  EXPECT_TRUE(glob->matches("spiffe://example.org/ns/demo/sa/editor"));
  EXPECT_FALSE(glob->matches("spiffe://other.org/ns/demo/sa/editor"));
  EXPECT_FALSE(glob->matches("spiffe://example.org/ns/a/b/sa/editor"));
}

}  // namespace
}  // namespace warden::policy
