#include "cli/receipts_command.h"

#include <gtest/gtest.h>

#include <sstream>

#include "cli/exit_codes.h"
#include "cli_fixture.h"
#include "sidecar/receipts/receipt.h"

namespace warden::cli {
namespace {

using testing::TempDir;

// The lines of a valid chain of `count` receipts; `heads` gets each receipt's hash.
std::vector<std::string> chain(int count, std::vector<std::string>* heads = nullptr) {
  std::vector<std::string> lines;
  std::string prev(sidecar::kGenesisHash);
  for (int i = 0; i < count; ++i) {
    sidecar::ReceiptInput input;
    input.time = std::chrono::system_clock::time_point(std::chrono::seconds(1767323045 + i));
    input.server = "files";
    input.principal = "spiffe://example.org/ns/agents/sa/reader";
    input.method = "tools/call";
    input.target = "read_file";
    input.decision = "allow";
    input.rules = {"p/read"};
    input.reason = "call " + std::to_string(i);
    const sidecar::Receipt r = sidecar::makeReceipt(input, static_cast<std::uint64_t>(i) + 1, prev);
    lines.push_back(sidecar::formatReceipt(r));
    prev = r.hash;
    if (heads) heads->push_back(r.hash);
  }
  return lines;
}

std::string join(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  return text;
}

class ReceiptsCommandTest : public ::testing::Test {
 protected:
  int verify(ReceiptsVerifyArgs args) {
    out_.str("");
    err_.str("");
    return runReceiptsVerify(args, out_, err_);
  }

  TempDir dir_;
  std::ostringstream out_, err_;
};

TEST_F(ReceiptsCommandTest, IntactChain) {
  std::vector<std::string> heads;
  const std::string file = dir_.write("receipts.log", join(chain(5, &heads)));
  EXPECT_EQ(verify({file, "", std::nullopt}), kExitOk);
  EXPECT_EQ(out_.str(), "OK: 5 receipts, head " + heads[4] + "\n");
  EXPECT_EQ(err_.str(), "");

  std::string upper = heads[4];
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(verify({file, upper, 5}), kExitOk) << out_.str() << err_.str();
}

TEST_F(ReceiptsCommandTest, RecoveredTornLineIsReported) {
  auto lines = chain(2);
  std::string error;
  const std::string torn = lines[1].substr(0, 33);
  const auto first = sidecar::parseReceipt(lines[0], &error);
  ASSERT_TRUE(first) << error;
  const sidecar::Receipt recovery = sidecar::makeReceipt(sidecar::makeRecoveryInput({}, torn), 2, first->hash);
  const std::string file = dir_.write("receipts.log", join({lines[0], torn, sidecar::formatReceipt(recovery)}));
  EXPECT_EQ(verify({file, "", 2}), kExitOk);
  EXPECT_EQ(out_.str(), "OK: 2 receipts, head " + recovery.hash + ", 1 torn line recovered\n");
}

TEST_F(ReceiptsCommandTest, BrokenChain) {
  auto lines = chain(5);
  lines.erase(lines.begin() + 2);
  const std::string file = dir_.write("receipts.log", join(lines));
  EXPECT_EQ(verify({file, "", std::nullopt}), kExitFailed);
  EXPECT_EQ(out_.str(),
            "BROKEN at line 3: receipt 4: prev does not match receipt 2's hash (receipt 3 is missing: deleted or "
            "reordered)\n");
}

TEST_F(ReceiptsCommandTest, CutAtALineBoundaryWithKnownCount) {
  auto lines = chain(5);
  lines.pop_back();
  const std::string file = dir_.write("receipts.log", join(lines));
  EXPECT_EQ(verify({file, "", 5}), kExitFailed);
  EXPECT_EQ(out_.str(),
            "BROKEN at line 5: the chain ends at receipt 4 but 5 receipts were expected (receipts were cut off the "
            "end)\n");
}

TEST_F(ReceiptsCommandTest, UnreadableFile) {
  EXPECT_EQ(verify({dir_.path() + "/missing.log", "", std::nullopt}), kExitDataError);
  EXPECT_NE(err_.str().find("missing.log\": cannot read: No such file or directory"), std::string::npos) << err_.str();
  EXPECT_EQ(out_.str(), "");
  EXPECT_EQ(verify({dir_.path(), "", std::nullopt}), kExitDataError);
  EXPECT_NE(err_.str().find("is a directory"), std::string::npos) << err_.str();
}

TEST_F(ReceiptsCommandTest, BadExpectedHead) {
  const std::string file = dir_.write("receipts.log", join(chain(1)));
  EXPECT_EQ(verify({file, "abc", std::nullopt}), kExitUsage);
  EXPECT_NE(err_.str().find("--expect-head must be a SHA-256 in hex"), std::string::npos) << err_.str();
}

}  // namespace
}  // namespace warden::cli
