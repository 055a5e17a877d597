#include "sidecar/receipts/receipt.h"

#include <gtest/gtest.h>

#include "receipt_test_util.h"

namespace warden::sidecar {
namespace {

using namespace std::chrono;
using testing::sampleInput;

ReceiptInput vectorInput() {
  ReceiptInput input;
  input.time = system_clock::time_point(sys_days(2026y / January / 2) + 3h + 4min + 5s + 6us + 700ns);
  input.server = "files";
  input.principal = "spiffe://example.org/ns/a/sa/agent";
  input.session = "s-1";
  input.method = "tools/call";
  input.target = "read_file";
  input.argsSha256 = "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
  input.decision = "allow";
  input.rules = {"files/read"};
  input.reason = "allowed by files/read";
  input.policyVersion = "v1";
  return input;
}

// Written by hand: keys sorted by bytes, no white space. Its sha256 was computed with `sha256sum`.
constexpr std::string_view kVectorWithoutHash =
    R"({"argsSha256":"44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","decision":"allow",)"
    R"("method":"tools/call","policyVersion":"v1","prev":"0000000000000000000000000000000000000000000000000000000000000000",)"
    R"("principal":"spiffe://example.org/ns/a/sa/agent","reason":"allowed by files/read","rules":["files/read"],)"
    R"("seq":1,"server":"files","session":"s-1","target":"read_file","time":"2026-01-02T03:04:05.000006Z"})";
constexpr std::string_view kVectorHash = "22b2e5708612e8327f4e4e03da25ba86ef79c3b3489b6a70b3b7274eb046ce20";

TEST(ReceiptTest, KnownVector) {
  const Receipt r = makeReceipt(vectorInput(), 1, kGenesisHash);
  EXPECT_EQ(r.hash, kVectorHash);
  EXPECT_EQ(r.time, "2026-01-02T03:04:05.000006Z");
  const std::string expected = std::string(kVectorWithoutHash.substr(0, kVectorWithoutHash.find(R"("method")"))) +
                               R"("hash":")" + std::string(kVectorHash) + R"(",)" +
                               std::string(kVectorWithoutHash.substr(kVectorWithoutHash.find(R"("method")")));
  EXPECT_EQ(formatReceipt(r), expected);
  const ReceiptLine line = buildReceiptLine(vectorInput(), 1, kGenesisHash);
  EXPECT_EQ(line.text, expected);
  EXPECT_EQ(line.receipt.hash, kVectorHash);
}

TEST(ReceiptTest, TimeIsRfc3339UtcWithMicroseconds) {
  EXPECT_EQ(formatReceiptTime(system_clock::time_point{}), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(formatReceiptTime(
                system_clock::time_point(sys_days(2024y / February / 29) + 23h + 59min + 59s + 999999us + 999ns)),
            "2024-02-29T23:59:59.999999Z");
  // Before the epoch the fraction still counts forwards from the second.
  EXPECT_EQ(formatReceiptTime(system_clock::time_point(-1us)), "1969-12-31T23:59:59.999999Z");
}

TEST(ReceiptTest, ParsesWhatItFormats) {
  ReceiptInput input = sampleInput(4);
  input.rules = {"a/one", "b/two"};
  input.reason = "quote \" backslash \\ newline \n unicode \xc3\xa9";
  const Receipt r = makeReceipt(input, 42, std::string(64, 'a'));
  const std::string line = formatReceipt(r);
  std::string error;
  const auto parsed = parseReceipt(line, &error);
  ASSERT_TRUE(parsed) << error;
  EXPECT_EQ(parsed->seq, 42u);
  EXPECT_EQ(parsed->rules, input.rules);
  EXPECT_EQ(parsed->reason, input.reason);
  EXPECT_EQ(parsed->prev, std::string(64, 'a'));
  EXPECT_EQ(parsed->hash, r.hash);
  EXPECT_EQ(checkReceiptIntegrity(*parsed, line), "");
}

TEST(ReceiptTest, HashCoversEveryField) {
  const Receipt base = makeReceipt(sampleInput(1), 7, kGenesisHash);
  auto changed = [&](auto mutate) {
    Receipt r = base;
    mutate(r);
    return computeReceiptHash(r) != base.hash;
  };
  EXPECT_TRUE(changed([](Receipt& r) { r.seq = 8; }));
  EXPECT_TRUE(changed([](Receipt& r) { r.time[5] = '9'; }));
  EXPECT_TRUE(changed([](Receipt& r) { r.server += "x"; }));
  EXPECT_TRUE(changed([](Receipt& r) { r.principal += "x"; }));
  EXPECT_TRUE(changed([](Receipt& r) { r.session += "x"; }));
  EXPECT_TRUE(changed([](Receipt& r) { r.method += "x"; }));
  EXPECT_TRUE(changed([](Receipt& r) { r.target += "x"; }));
  EXPECT_TRUE(changed([](Receipt& r) { r.argsSha256 += "x"; }));
  EXPECT_TRUE(changed([](Receipt& r) { r.decision = "deny"; }));
  EXPECT_TRUE(changed([](Receipt& r) { r.rules.push_back("x"); }));
  EXPECT_TRUE(changed([](Receipt& r) { r.reason += "x"; }));
  EXPECT_TRUE(changed([](Receipt& r) { r.policyVersion += "x"; }));
  EXPECT_TRUE(changed([](Receipt& r) { r.prev[0] = '1'; }));
  EXPECT_FALSE(changed([](Receipt& r) { r.hash = "anything"; }));
}

TEST(ReceiptTest, EditAndReformattingAreTold) {
  const Receipt r = makeReceipt(sampleInput(1), 1, kGenesisHash);
  const std::string line = formatReceipt(r);
  std::string error;

  std::string edited = line;
  edited.replace(edited.find("\"allow\""), 7, "\"allOw\"");
  auto parsed = parseReceipt(edited, &error);
  ASSERT_TRUE(parsed) << error;
  EXPECT_EQ(checkReceiptIntegrity(*parsed, edited), "hash does not match its content (edited)");

  const std::string spaced = "{ " + line.substr(1);
  parsed = parseReceipt(spaced, &error);
  ASSERT_TRUE(parsed) << error;
  EXPECT_EQ(checkReceiptIntegrity(*parsed, spaced), "not in canonical form (edited)");

  std::string escaped = line;
  escaped.replace(escaped.find("\"files\""), 7, "\"fil\\u0065s\"");
  parsed = parseReceipt(escaped, &error);
  ASSERT_TRUE(parsed) << error;
  EXPECT_EQ(checkReceiptIntegrity(*parsed, escaped), "not in canonical form (edited)");
}

TEST(ReceiptTest, RefusesWrongShapes) {
  const std::string good = formatReceipt(makeReceipt(sampleInput(1), 3, kGenesisHash));
  auto error = [](const std::string& line) {
    std::string why;
    EXPECT_FALSE(parseReceipt(line, &why)) << line;
    return why;
  };
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string line = good;
    const auto at = line.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return line.replace(at, from.size(), to);
  };
  EXPECT_EQ(error(""), "not JSON: syntax error at byte 0: empty input");
  EXPECT_EQ(error(good.substr(0, good.size() - 10)).substr(0, 9), "not JSON:");
  EXPECT_EQ(error("[1]"), "not a JSON object");
  EXPECT_EQ(error(replace("\"seq\":3", "\"seq\":0")), "field \"seq\" is not an integer >= 1");
  EXPECT_EQ(error(replace("\"seq\":3", "\"seq\":-3")), "field \"seq\" is not an integer >= 1");
  EXPECT_EQ(error(replace("\"seq\":3", "\"seq\":3.0")), "field \"seq\" is not an integer >= 1");
  EXPECT_EQ(error(replace("\"seq\":3", "\"seq\":\"3\"")), "field \"seq\" is not an integer >= 1");
  EXPECT_EQ(error(replace("\"rules\":[\"files/read\"]", "\"rules\":[1]")),
            "field \"rules\" is not an array of strings");
  EXPECT_EQ(error(replace("\"rules\":[\"files/read\"]", "\"rules\":\"x\"")),
            "field \"rules\" is not an array of strings");
  EXPECT_EQ(error(replace("\"server\":\"files\"", "\"server\":null")), "field \"server\" is not a string");
  EXPECT_EQ(error(replace("\"server\":\"files\",", "")), "missing field \"server\"");
  EXPECT_EQ(error(replace("\"seq\":3,", "")), "missing field \"seq\"");
  EXPECT_EQ(error(replace("\"seq\":3,", "\"seq\":3,\"extra\":1,")), "unknown field \"extra\"");
  EXPECT_EQ(error(replace("\"seq\":3,", "\"seq\":3,\"seq\":3,")).substr(0, 24), "not JSON: duplicate key ");
  EXPECT_EQ(error(replace("2026-01-02T03:04:05", "2026-02-30T03:04:05")),
            "field \"time\" is not RFC 3339 UTC with microseconds: \"2026-02-30T03:04:05.000001Z\"");
  EXPECT_EQ(error(replace(".000001Z", ".000001+00:00")).substr(0, 20), "field \"time\" is not ");
  EXPECT_EQ(error(replace(std::string(kGenesisHash), std::string(63, '0'))),
            "field \"prev\" is not 64 lower-case hex digits");
  const Receipt r = makeReceipt(sampleInput(1), 3, kGenesisHash);
  std::string upper = r.hash;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(error(replace(r.hash, upper)), "field \"hash\" is not 64 lower-case hex digits");
}

TEST(ReceiptTest, RecoveryReceiptNamesTheTornBytes) {
  const std::string torn = R"({"argsSha256":"4413)";
  const ReceiptInput input = makeRecoveryInput(system_clock::time_point{}, torn);
  EXPECT_EQ(input.method, "warden/recovery");
  EXPECT_EQ(input.decision, "recovered");
  // sha256 of the 19 bytes above, from `printf '%s' '{"argsSha256":"4413' | sha256sum`.
  EXPECT_EQ(input.reason,
            "torn last line: 19 bytes, sha256 c22884cf337cbdc1fbc7afa4599da620893e80e0de41e12ee907e315037f2263");
  const Receipt r = makeReceipt(input, 5, std::string(64, 'b'));
  EXPECT_EQ(checkRecoveryShape(r), "");
  Receipt other = r;
  other.server = "files";
  EXPECT_EQ(checkRecoveryShape(other), "recovery receipt with fields that must be empty");
  other = r;
  other.decision = "allow";
  EXPECT_EQ(checkRecoveryShape(other), "recovery receipt with decision \"allow\"");
  other = r;
  other.reason = "whatever";
  EXPECT_EQ(checkRecoveryShape(other), "recovery receipt without a torn-line reason");
  EXPECT_EQ(checkRecoveryShape(makeReceipt(sampleInput(1), 1, kGenesisHash)), "not a recovery receipt");
}

}  // namespace
}  // namespace warden::sidecar
