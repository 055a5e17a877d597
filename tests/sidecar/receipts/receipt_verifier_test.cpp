#include "sidecar/receipts/receipt_verifier.h"

#include <gtest/gtest.h>

#include <sstream>
#include <streambuf>

#include "receipt_test_util.h"

namespace warden::sidecar {
namespace {

using testing::buildChain;
using testing::joinLines;
using testing::sampleInput;

VerifyReport verifyText(const std::string& text, VerifyOptions options = {}) {
  std::istringstream in(text);
  return verifyReceipts(in, options);
}

std::string hashOf(const std::string& line) {
  std::string error;
  const auto receipt = parseReceipt(line, &error);
  EXPECT_TRUE(receipt) << error;
  return receipt ? receipt->hash : "";
}

#define EXPECT_BROKEN(report, line, message) \
  do {                                       \
    const VerifyReport r_ = (report);        \
    EXPECT_FALSE(r_.ok);                     \
    EXPECT_EQ(r_.brokenLine, line);          \
    EXPECT_EQ(r_.problem, message);          \
  } while (0)

class ReceiptVerifierTest : public ::testing::Test {
 protected:
  std::vector<std::string> chain_ = buildChain(20);
};

TEST_F(ReceiptVerifierTest, AcceptsAnIntactChain) {
  const VerifyReport report = verifyText(joinLines(chain_));
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.receipts, 20u);
  EXPECT_EQ(report.recoveredTornLines, 0u);
  EXPECT_EQ(report.lastHash, hashOf(chain_[19]));
  EXPECT_EQ(report.brokenLine, 0u);
  EXPECT_TRUE(verifyText(joinLines(chain_), {hashOf(chain_[19]), 20}).ok);
}

TEST_F(ReceiptVerifierTest, AcceptsAnEmptyLog) {
  const VerifyReport report = verifyText("");
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.receipts, 0u);
  EXPECT_EQ(report.lastHash, kGenesisHash);
  EXPECT_TRUE(verifyText("", {"", 0}).ok);
  EXPECT_BROKEN(verifyText("", {"", 1}), 1u,
                "the chain ends at receipt 0 but 1 receipts were expected (receipts were cut off the end)");
}

TEST_F(ReceiptVerifierTest, FindsAnEditedField) {
  chain_[16].replace(chain_[16].find("call 16"), 7, "call 99");
  EXPECT_BROKEN(verifyText(joinLines(chain_)), 17u, "receipt 17: hash does not match its content (edited)");
}

TEST_F(ReceiptVerifierTest, FindsAnEditedSeq) {
  chain_[16].replace(chain_[16].find("\"seq\":17"), 8, "\"seq\":71");
  EXPECT_BROKEN(verifyText(joinLines(chain_)), 17u, "receipt 71: hash does not match its content (edited)");
}

TEST_F(ReceiptVerifierTest, FindsAnEditThatWasRehashed) {
  std::string error;
  Receipt edited = *parseReceipt(chain_[16], &error);
  edited.decision = "allow";
  edited.reason = "nothing to see";
  edited.hash = computeReceiptHash(edited);
  chain_[16] = formatReceipt(edited);
  EXPECT_BROKEN(verifyText(joinLines(chain_)), 18u,
                "receipt 18: prev does not match receipt 17's hash (receipt 17 was edited and re-hashed, or replaced)");
}

TEST_F(ReceiptVerifierTest, FindsAReformattedLine) {
  chain_[4].insert(1, " ");
  EXPECT_BROKEN(verifyText(joinLines(chain_)), 5u, "receipt 5: not in canonical form (edited)");
}

TEST_F(ReceiptVerifierTest, FindsADeletedLine) {
  chain_.erase(chain_.begin() + 16);
  EXPECT_BROKEN(verifyText(joinLines(chain_)), 17u,
                "receipt 18: prev does not match receipt 16's hash (receipt 17 is missing: deleted or reordered)");
}

TEST_F(ReceiptVerifierTest, FindsSeveralDeletedLines) {
  chain_.erase(chain_.begin() + 16, chain_.begin() + 19);
  EXPECT_BROKEN(verifyText(joinLines(chain_)), 17u,
                "receipt 20: prev does not match receipt 16's hash (receipts 17..19 are missing: deleted or "
                "reordered)");
}

TEST_F(ReceiptVerifierTest, FindsSwappedLines) {
  std::swap(chain_[16], chain_[17]);
  EXPECT_BROKEN(verifyText(joinLines(chain_)), 17u,
                "receipt 18: prev does not match receipt 16's hash (receipts were reordered: receipt 17 comes after "
                "it)");
}

TEST_F(ReceiptVerifierTest, FindsALineMovedBack) {
  const std::string moved = chain_[4];
  chain_.erase(chain_.begin() + 4);
  chain_.insert(chain_.begin() + 10, moved);
  // Receipt 5 is missing where it belongs; with one line of look-ahead the move is not yet visible.
  EXPECT_BROKEN(verifyText(joinLines(chain_)), 5u,
                "receipt 6: prev does not match receipt 4's hash (receipt 5 is missing: deleted or reordered)");
}

TEST_F(ReceiptVerifierTest, FindsADuplicatedLine) {
  chain_.insert(chain_.begin() + 7, chain_[6]);
  EXPECT_BROKEN(verifyText(joinLines(chain_)), 8u, "receipt 7: appears twice (a receipt was duplicated)");
}

TEST_F(ReceiptVerifierTest, FindsAnOlderReceiptAfterANewerOne) {
  chain_.push_back(chain_[2]);
  EXPECT_BROKEN(verifyText(joinLines(chain_)), 21u, "receipt 3: comes after receipt 20 (receipts were reordered)");
}

TEST_F(ReceiptVerifierTest, FindsADeletedFirstLine) {
  chain_.erase(chain_.begin());
  EXPECT_BROKEN(verifyText(joinLines(chain_)), 1u,
                "receipt 2: the chain starts at receipt 2, not 1 (receipt 1 is missing: deleted or reordered)");
}

TEST_F(ReceiptVerifierTest, FindsSwappedFirstLines) {
  std::swap(chain_[0], chain_[1]);
  EXPECT_BROKEN(verifyText(joinLines(chain_)), 1u,
                "receipt 2: the chain starts at receipt 2, not 1 (receipts were reordered: receipt 1 comes after "
                "it)");
}

TEST_F(ReceiptVerifierTest, FindsAChainThatDoesNotStartAtGenesis) {
  const Receipt first = makeReceipt(sampleInput(0), 1, std::string(64, 'a'));
  EXPECT_BROKEN(verifyText(formatReceipt(first) + "\n"), 1u,
                "receipt 1: prev is not 64 zeros, so the chain does not start here");
}

TEST_F(ReceiptVerifierTest, FindsATruncationInsideALine) {
  std::string text = joinLines(chain_);
  text.resize(text.size() - 30);
  EXPECT_BROKEN(verifyText(text), 20u,
                "truncated: the file ends inside a line (" + std::to_string(chain_[19].size() - 29) +
                    " bytes without a final newline, not recorded as a torn line)");
}

TEST_F(ReceiptVerifierTest, TruncationAtALineBoundaryNeedsTheKnownHead) {
  const std::string head = hashOf(chain_[19]);
  chain_.resize(18);
  const std::string text = joinLines(chain_);
  // The remaining chain is intact: only the head or count the sidecar reported can tell.
  EXPECT_TRUE(verifyText(text).ok);
  EXPECT_BROKEN(verifyText(text, {"", 20}), 19u,
                "the chain ends at receipt 18 but 20 receipts were expected (receipts were cut off the end)");
  EXPECT_BROKEN(verifyText(text, {head, std::nullopt}), 19u,
                "the expected head " + head +
                    " is not in the chain, which ends at receipt 18 (receipts were cut off the end, or this is "
                    "another log)");
}

TEST_F(ReceiptVerifierTest, AChainLongerThanExpectedIsReported) {
  const std::string text = joinLines(chain_);
  EXPECT_BROKEN(verifyText(text, {"", 18}), 19u, "the chain continues past the expected 18 receipts to receipt 20");
  EXPECT_BROKEN(verifyText(text, {hashOf(chain_[17]), std::nullopt}), 19u,
                "the chain continues past the expected head (receipt 18) to receipt 20");
  EXPECT_FALSE(verifyText(text, {"not-hex", std::nullopt}).ok);
}

// Lines 1..3, then the torn start of a line and the recovery receipt naming it (seq 4), then receipt 5.
std::vector<std::string> chainWithTornLine(const std::string& torn) {
  auto lines = buildChain(3);
  std::string error;
  const Receipt recovery = makeReceipt(makeRecoveryInput({}, torn), 4, parseReceipt(lines[2], &error)->hash);
  const Receipt after = makeReceipt(sampleInput(9), 5, recovery.hash);
  lines.push_back(torn);
  lines.push_back(formatReceipt(recovery));
  lines.push_back(formatReceipt(after));
  return lines;
}

TEST_F(ReceiptVerifierTest, AcceptsATornLineItsRecoveryReceiptNames) {
  const std::string torn = chain_[3].substr(0, 40);
  const VerifyReport report = verifyText(joinLines(chainWithTornLine(torn)), {"", 5});
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.receipts, 5u);
  EXPECT_EQ(report.recoveredTornLines, 1u);
}

TEST_F(ReceiptVerifierTest, AcceptsACompleteReceiptRecordedAsTorn) {
  // The writer records an unterminated tail as torn even when the bytes happen to form a whole receipt.
  const VerifyReport report = verifyText(joinLines(chainWithTornLine(chain_[3])), {"", 5});
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.recoveredTornLines, 1u);
}

TEST_F(ReceiptVerifierTest, RefusesATornLineThatWasChanged) {
  auto lines = chainWithTornLine(chain_[3].substr(0, 40));
  lines[3][10] = 'X';
  const VerifyReport report = verifyText(joinLines(lines));
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.brokenLine, 4u);
  EXPECT_EQ(report.problem.substr(0, 34), "line 4: not a receipt (not JSON: s") << report.problem;
}

TEST_F(ReceiptVerifierTest, RefusesARecoveryReceiptWithoutItsTornLine) {
  const std::string torn = chain_[3].substr(0, 40);
  auto lines = chainWithTornLine(torn);
  lines.erase(lines.begin() + 3);
  EXPECT_BROKEN(verifyText(joinLines(lines)), 4u,
                "receipt 4: recovery receipt without the torn line it names before it (\"" + tornLineReason(torn) +
                    "\"): the torn line was removed or changed");
}

TEST_F(ReceiptVerifierTest, OnlyTheLineRightBeforeARecoveryReceiptMayBeTorn) {
  // A recovery receipt vouches for exactly one torn line; another bad line before it is not a receipt.
  const std::string torn = chain_[3].substr(0, 40);
  auto lines = chainWithTornLine(torn);
  lines.insert(lines.begin() + 3, "garbage");
  const VerifyReport report = verifyText(joinLines(lines));
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.brokenLine, 4u);
  EXPECT_EQ(report.problem.substr(0, 22), "line 4: not a receipt ") << report.problem;
}

TEST_F(ReceiptVerifierTest, RefusesLinesThatAreNotReceipts) {
  chain_.insert(chain_.begin() + 5, "");
  EXPECT_BROKEN(verifyText(joinLines(chain_)), 6u,
                "line 6: not a receipt (not JSON: syntax error at byte 0: empty input)");
  EXPECT_BROKEN(verifyText(std::string(kMaxReceiptLineBytes + 1, 'x') + "\n"), 1u,
                "line 1: longer than 1048576 bytes (not a receipt)");
}

// A stream whose storage fails, like a disk read error.
class FailingBuffer : public std::streambuf {
 protected:
  int_type underflow() override { throw std::ios_base::failure("I/O error"); }
};

TEST_F(ReceiptVerifierTest, ReportsAReadError) {
  FailingBuffer buffer;
  std::istream in(&buffer);
  const VerifyReport report = verifyReceipts(in, {});
  EXPECT_FALSE(report.ok);
  EXPECT_TRUE(report.readFailed);
  EXPECT_EQ(report.brokenLine, 1u);

  // Also when the caller's stream throws on errors.
  FailingBuffer throwing;
  std::istream strict(&throwing);
  strict.exceptions(std::ios::badbit);
  const VerifyReport strictReport = verifyReceipts(strict, {});
  EXPECT_TRUE(strictReport.readFailed);
}

}  // namespace
}  // namespace warden::sidecar
