#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "policy/detectors/content_detector.h"

namespace warden::policy {
namespace {

constexpr std::string_view kJwtSample =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";

ContentDetectorPtr detector(const std::vector<std::string>& categories = {}) {
  std::string error;
  auto d = makeSecretDetector(categories, &error);
  EXPECT_NE(d, nullptr) << error;
  EXPECT_EQ(error, "");
  return d;
}

// Deterministic pseudo-random bytes, base64-encoded: stands in for image data.
std::string pseudoRandomBase64(std::size_t bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::uint32_t state = 12345;
  std::string raw;
  for (std::size_t i = 0; i < bytes; ++i) {
    state = state * 1664525u + 1013904223u;
    raw.push_back(static_cast<char>(state >> 24));
  }
  std::string out;
  for (std::size_t i = 0; i + 2 < raw.size(); i += 3) {
    const std::uint32_t n = (static_cast<unsigned char>(raw[i]) << 16) |
                            (static_cast<unsigned char>(raw[i + 1]) << 8) | static_cast<unsigned char>(raw[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  return out;
}

TEST(SecretDetectorTest, ListsCategoriesInPriorityOrder) {
  EXPECT_EQ(secretCategories(), (std::vector<std::string>{"pem_private_key", "aws_access_key_id", "github_token",
                                                          "slack_token", "jwt", "password_assignment"}));
}

TEST(SecretDetectorTest, RejectsUnknownCategoryWithTheKnownOnes) {
  std::string error;
  EXPECT_EQ(makeSecretDetector({"jwt", "awss"}, &error), nullptr);
  EXPECT_EQ(error,
            "unknown secret category \"awss\" (expected one of: pem_private_key, aws_access_key_id, github_token, "
            "slack_token, jwt, password_assignment)");
  EXPECT_EQ(makeSecretDetector({""}, nullptr), nullptr);  // no error sink: still refused, no crash
  EXPECT_EQ(makeSecretDetector({"JWT"}, &error), nullptr);  // names are exact
}

TEST(SecretDetectorTest, FindsPemPrivateKeys) {
  const auto d = detector();
  for (const char* header : {"-----BEGIN PRIVATE KEY-----", "-----BEGIN RSA PRIVATE KEY-----",
                             "-----BEGIN EC PRIVATE KEY-----", "-----BEGIN DSA PRIVATE KEY-----",
                             "-----BEGIN OPENSSH PRIVATE KEY-----", "-----BEGIN ENCRYPTED PRIVATE KEY-----",
                             "-----BEGIN PGP PRIVATE KEY BLOCK-----"}) {
    const std::string text = std::string("key:\n") + header + "\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END-----\n";
    EXPECT_EQ(d->find(text), "pem_private_key") << header;
  }
}

TEST(SecretDetectorTest, CertificatesAndPublicKeysAreNotSecrets) {
  const auto d = detector();
  for (const char* header : {"-----BEGIN CERTIFICATE-----", "-----BEGIN PUBLIC KEY-----",
                             "-----BEGIN RSA PUBLIC KEY-----", "-----BEGIN CERTIFICATE REQUEST-----",
                             "-----BEGIN PGP PUBLIC KEY BLOCK-----"}) {
    const std::string text = std::string(header) + "\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n";
    EXPECT_EQ(d->find(text), "") << header;
  }
}

TEST(SecretDetectorTest, FindsAwsAccessKeyIds) {
  const auto d = detector();
  for (const char* text : {"AKIAIOSFODNN7EXAMPLE", "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
                           "creds: ASIAY34FZKBOKMUTVV7A.", "(ABIA0123456789ABCDEF)", "key=ACCA0123456789ABCDEF&x=1"}) {
    EXPECT_EQ(d->find(text), "aws_access_key_id") << text;
  }
}

TEST(SecretDetectorTest, AwsKeyIdNeedsItsExactShapeOnWordBoundaries) {
  const auto d = detector();
  for (const char* text : {"AKIAIOSFODNN7EXAMPL",     // 15 after the prefix
                           "AKIAIOSFODNN7EXAMPLEX",   // 17: part of a longer word
                           "XAKIAIOSFODNN7EXAMPLE",   // inside a longer word
                           "akiaiosfodnn7example",    // lower case
                           "AKIBIOSFODNN7EXAMPLE",    // not an AWS prefix
                           "AKIAIOSFODNN7exAMPLE"}) { // lower case inside
    EXPECT_EQ(d->find(text), "") << text;
  }
}

TEST(SecretDetectorTest, FindsGithubTokens) {
  const auto d = detector();
  const std::string body = "aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789";  // 36 base62 characters
  for (const char* prefix : {"ghp_", "gho_", "ghu_", "ghs_", "ghr_"}) {
    EXPECT_EQ(d->find("GITHUB_TOKEN " + std::string(prefix) + body), "github_token") << prefix;
  }
  EXPECT_EQ(d->find("github_pat_11ABCDEFG0123456789abcd_efghIJKLmnopQRSTuvwxYZ0123456789abcdefghijklmnopqrstu"),
            "github_token");
}

TEST(SecretDetectorTest, GithubLookalikesAreNotTokens) {
  const auto d = detector();
  EXPECT_EQ(d->find("ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ012345678"), "");  // 35 characters
  EXPECT_EQ(d->find("ghx_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"), "");
  EXPECT_EQ(d->find("set GITHUB_TOKEN to your ghp_ token"), "");
  EXPECT_EQ(d->find("github_pat_short"), "");
}

TEST(SecretDetectorTest, FindsSlackTokensAndWebhooks) {
  const auto d = detector();
  for (const char* text :
       {"xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "token xoxp-4956851-4956853-4956857-8c2d7e1f",
        "xoxa-2-123456789012-AbCdEfGhIjKl", "xoxr-123456789012-AbCdEfGhIjKlMnOp", "xoxs-1234567-AbCdEfGhIjKl",
        "url: https://hooks.slack.com/services/T0ABCDEF1/B0ABCDEF2/abcdEFGHijklMNOPqrstUVWX"}) {
    EXPECT_EQ(d->find(text), "slack_token") << text;
  }
}

TEST(SecretDetectorTest, SlackDocumentationIsNotAToken) {
  const auto d = detector();
  EXPECT_EQ(d->find("export SLACK_BOT_TOKEN=xoxb-your-token"), "");
  EXPECT_EQ(d->find("post to https://hooks.slack.com/services/ with your webhook"), "");
  EXPECT_EQ(d->find("xoxq-123456789012-AbCdEfGhIjKl"), "");
}

TEST(SecretDetectorTest, FindsJwts) {
  const auto d = detector();
  EXPECT_EQ(d->find(kJwtSample), "jwt");
  EXPECT_EQ(d->find("Authorization header was Bearer " + std::string(kJwtSample) + " yesterday"), "jwt");
}

TEST(SecretDetectorTest, PartialJwtsAreNotFindings) {
  const auto d = detector();
  EXPECT_EQ(d->find("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"), "");  // a header alone
  EXPECT_EQ(d->find("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0"), "");  // no signature
  EXPECT_EQ(d->find("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc"), "");  // too short
  EXPECT_EQ(d->find("eyJhbGciOi.eyJzdWIiOiIx.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"), "");  // too short
  EXPECT_EQ(d->find("abc.def.ghi and a.b.c version 1.2.3"), "");
}

TEST(SecretDetectorTest, FindsPasswordAssignmentsWithRandomValues) {
  const auto d = detector();
  for (const char* text : {"password=S3cr3t!Xy9#q",
                           R"({"password": "S3cr3t!Xy9#q"})",
                           R"({\"token\": \"qW3rT9yU1iO5pA7s\"})",  // JSON inside a JSON string
                           "export DB_PASSWORD=hT7#kq92LmZx",
                           "x-api-key: 9f8e7d6c5b4a3f2e1d0c",
                           "API_KEY='Zk39fLq0Pw8sXr2N'",
                           "apikey:Zk39fLq0Pw8sXr2N",
                           "client_secret: GOCSPX-4kTq9Zr7Lm2Xw8Pn",
                           "Authorization: Bearer 7Fq2Lk9ZpX4mW8rT3vYb",
                           "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ9kL2",
                           "PASSWD := Qm8!vR2#tL5z",
                           "connect?user=bob&pwd=Qm8vR2tL5zX1&db=main",
                           "private_key: 'Jk2#9dLq0PzR'",
                           "auth_token=Zk39fLq0Pw8sXr2N",
                           "access_token: Zk39fLq0Pw8sXr2N",
                           "secret = Zk39fLq0Pw8sXr2N",
                           "pass: Zk39fLq0Pw8sXr2N"}) {
    EXPECT_EQ(d->find(text), "password_assignment") << text;
  }
}

TEST(SecretDetectorTest, PlaceholdersAndWeakValuesAreNotFindings) {
  const auto d = detector();
  for (const char* text : {"password: ********",
                           "password=<redacted>",
                           "password: [REDACTED]",
                           "password: ${DB_PASSWORD}",
                           "api_key: $API_KEY",
                           "password: {{ .Values.db.password }}",
                           "token: {{token}}",
                           "password=changeme",
                           "password: CHANGE_ME_1234",
                           "password: xxxxxxxx",
                           "password: password",
                           "password: null",
                           "password: none",
                           "password=",
                           R"({"password": ""})",
                           "password: hunter2",        // too short
                           "password=aaaaaaaaaaaa",     // no entropy
                           "password: abababababab",    // too little entropy
                           "password: process.env.DB_PASSWORD",
                           "password: getPassword()",
                           "api_key: your-api-key-here",
                           "token: https://auth.example.com/oauth/token",
                           "pwd: /home/alice/projects/warden",
                           "next_page_token=CiAKGjBpNDd2Nmp3Z2ZzZjVkNzM",
                           "max_token: 4096",
                           "password: %DB_PASSWORD%",
                           "password = 'example-password-123'"}) {
    EXPECT_EQ(d->find(text), "") << text;
  }
}

TEST(SecretDetectorTest, ProseAboutPasswordsIsNotAFinding) {
  const auto d = detector();
  for (const char* text : {"Please reset your password before Friday; the password policy requires 12 characters.",
                           "Your password: must contain a digit and a symbol.",
                           "The secret to good bread is patience, and the token economy is a myth.",
                           "bypass=AbCdEf123456Xz! compass: north-north-west, passport_number: X12345678",
                           "passwords: rotated quarterly, tokens: revoked on exit",
                           "Forgot password? Click the link to set a new password."}) {
    EXPECT_EQ(d->find(text), "") << text;
  }
}

TEST(SecretDetectorTest, HashesIdsAndImageDataAreNotSecrets) {
  const auto d = detector();
  EXPECT_EQ(d->find("commit da39a3ee5e6b4b0d3255bfef95601890afd80709"), "");
  EXPECT_EQ(d->find("id 123e4567-e89b-12d3-a456-426614174000"), "");
  EXPECT_EQ(d->find("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), "");
  EXPECT_EQ(d->find("data:image/png;base64," + pseudoRandomBase64(30000) + "=="), "");
}

TEST(SecretDetectorTest, EmptyAndBinaryInputAreHandled) {
  const auto d = detector();
  EXPECT_EQ(d->find(""), "");
  static constexpr char kBinary[] = "\0\xff\xfe password\0=S3cr3t!Xy9#q";
  EXPECT_EQ(d->find(std::string_view(kBinary, sizeof(kBinary) - 1)), "");
  EXPECT_EQ(d->find(std::string("\xff\x00", 2) + "AKIAIOSFODNN7EXAMPLE"), "aws_access_key_id");
}

TEST(SecretDetectorTest, NarrowedCategoriesOnlyFindThoseCategories) {
  const auto jwtOnly = detector({"jwt"});
  EXPECT_EQ(jwtOnly->find("AKIAIOSFODNN7EXAMPLE password=S3cr3t!Xy9#q"), "");
  EXPECT_EQ(jwtOnly->find(kJwtSample), "jwt");

  const auto passwordsAndKeys = detector({"password_assignment", "pem_private_key"});
  EXPECT_EQ(passwordsAndKeys->find("AKIAIOSFODNN7EXAMPLE"), "");
  EXPECT_EQ(passwordsAndKeys->find("password=S3cr3t!Xy9#q"), "password_assignment");
  EXPECT_EQ(passwordsAndKeys->find("-----BEGIN EC PRIVATE KEY-----"), "pem_private_key");

  const auto duplicated = detector({"jwt", "jwt"});
  EXPECT_EQ(duplicated->find(kJwtSample), "jwt");
}

TEST(SecretDetectorTest, FirstCategoryInOrderWinsAndNamesAreStatic) {
  std::string_view found;
  {
    const auto d = detector();
    found = d->find("password=S3cr3t!Xy9#q AKIAIOSFODNN7EXAMPLE -----BEGIN PRIVATE KEY-----");
  }
  // The detector is gone; the category name still refers to static storage.
  EXPECT_EQ(found, "pem_private_key");
}

TEST(SecretDetectorTest, FindsASecretAtTheEndOfALargeInput) {
  const auto d = detector();
  std::string text;
  while (text.size() < (1u << 20)) text += "lorem ipsum dolor sit amet, password policy 12345 ";
  EXPECT_EQ(d->find(text), "");
  EXPECT_EQ(d->find(text + "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"), "github_token");
  EXPECT_EQ(d->find(text + " token=Zk39fLq0Pw8sXr2N"), "password_assignment");
}

}  // namespace
}  // namespace warden::policy
