#include "sidecar/receipts/receipt_text.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include <nlohmann/json.hpp>

#include "policy/canonical_json.h"

namespace warden::sidecar {
namespace {

// The reference: the receipt as a JSON object, in the generic canonical form (policy/canonical_json.h).
std::string reference(const Receipt& r, bool withHash) {
  nlohmann::json object = {{"seq", r.seq},           {"time", r.time},         {"server", r.server},
                           {"principal", r.principal}, {"session", r.session}, {"method", r.method},
                           {"target", r.target},     {"argsSha256", r.argsSha256}, {"decision", r.decision},
                           {"rules", r.rules},       {"reason", r.reason},     {"policyVersion", r.policyVersion},
                           {"prev", r.prev}};
  if (withHash) object["hash"] = r.hash;
  return policy::canonicalJson(object);
}

Receipt plain() {
  Receipt r;
  r.seq = 17;
  r.time = "2026-11-23T15:49:23.412236Z";
  r.server = "tools/files";
  r.principal = "spiffe://example.org/ns/agents/sa/reader";
  r.session = "0b1c";
  r.method = "tools/call";
  r.target = "read_file";
  r.argsSha256 = std::string(64, 'a');
  r.decision = "allow";
  r.rules = {"files-read/read-for-all-agents"};
  r.reason = "allowed: allowed by files-read/read-for-all-agents";
  r.policyVersion = std::string(64, 'b');
  r.prev = std::string(64, 'c');
  r.hash = std::string(64, 'd');
  return r;
}

void expectSameAsReference(const Receipt& r) {
  EXPECT_EQ(canonicalReceiptText(r, false), reference(r, false));
  EXPECT_EQ(canonicalReceiptText(r, true), reference(r, true));
}

TEST(ReceiptTextTest, PlainReceiptIsTheCanonicalForm) { expectSameAsReference(plain()); }

TEST(ReceiptTextTest, EmptyFieldsAndNoRules) {
  Receipt r;
  expectSameAsReference(r);
  r.rules = {"a", "", "b"};
  expectSameAsReference(r);
}

TEST(ReceiptTextTest, SeqExtremes) {
  Receipt r = plain();
  for (std::uint64_t seq : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{9}, std::uint64_t{10},
                            std::numeric_limits<std::uint64_t>::max()}) {
    r.seq = seq;
    expectSameAsReference(r);
  }
}

// Every string field goes through the same writer; each tricky value is tried in a field that callers control.
TEST(ReceiptTextTest, EscapesUnicodeAndInvalidBytesLikeTheCanonicalForm) {
  const std::string values[] = {
      "quote \" and backslash \\",
      "control \n\r\t\b\f \x01 \x1f",
      std::string("nul \0 inside", 12),
      "del \x7f",
      "slash / stays",
      "utf-8 \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
      "invalid \xff \xc3 truncated",
      "lone surrogate encoded \xed\xa0\x80",
      "\xc0\xaf overlong",
  };
  for (const auto& value : values) {
    SCOPED_TRACE(value);
    Receipt r = plain();
    r.target = value;
    r.reason = value;
    r.principal = value;
    r.rules = {value, "plain"};
    expectSameAsReference(r);
  }
}

TEST(ReceiptTextTest, HashIsLeftOutOnRequest) {
  const std::string text = canonicalReceiptText(plain(), false);
  EXPECT_EQ(text.find("\"hash\""), std::string::npos);
  EXPECT_NE(canonicalReceiptText(plain(), true).find("\"hash\":\"" + std::string(64, 'd') + "\""), std::string::npos);
}

}  // namespace
}  // namespace warden::sidecar
