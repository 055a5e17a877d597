#include "sidecar/receipts/receipt_verifier.h"

#include <ios>
#include <optional>
#include <utility>

#include "policy/quote.h"
#include "sidecar/receipts/receipt.h"

namespace warden::sidecar {
namespace {

constexpr std::size_t kChunkBytes = 64 * 1024;

// Splits a stream into lines without ever holding more than one (bounded) line, and tells a last line without
// "\n" apart from a complete one. Thread safety: one per verification, used by one thread.
class LineReader {
 public:
  enum class Status { kLine, kUnterminated, kEnd, kTooLong, kReadError };

  explicit LineReader(std::istream& in) : in_(in) {}

  Status next(std::string* line) {
    line->clear();
    for (;;) {
      const auto newline = buffer_.find('\n', pos_);
      const std::size_t end = newline == std::string::npos ? buffer_.size() : newline;
      line->append(buffer_, pos_, end - pos_);
      pos_ = newline == std::string::npos ? buffer_.size() : newline + 1;
      if (line->size() > kMaxReceiptLineBytes) return Status::kTooLong;
      if (newline != std::string::npos) return Status::kLine;
      if (!fill()) {
        if (failed_ || in_.bad()) return Status::kReadError;
        return line->empty() ? Status::kEnd : Status::kUnterminated;
      }
    }
  }

 private:
  bool fill() {
    buffer_.resize(kChunkBytes);
    try {
      in_.read(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    } catch (const std::ios_base::failure&) {
      failed_ = true;  // the caller's stream has exceptions enabled
    }
    buffer_.resize(static_cast<std::size_t>(in_.gcount()));
    pos_ = 0;
    return !failed_ && !buffer_.empty();
  }

  std::istream& in_;
  std::string buffer_;
  std::size_t pos_ = 0;
  bool failed_ = false;
};

struct Line {
  LineReader::Status status = LineReader::Status::kEnd;
  std::string text;
  std::size_t number = 0;  // 1-based
};

std::string receiptName(std::uint64_t seq) { return "receipt " + std::to_string(seq); }

std::string missingRange(std::uint64_t first, std::uint64_t last) {
  if (first == last) return receiptName(first) + " is missing";
  return "receipts " + std::to_string(first) + ".." + std::to_string(last) + " are missing";
}

// Checks one log from the first line to the end. Thread safety: one per verification, used by one thread.
class Verifier {
 public:
  Verifier(std::istream& in, const VerifyOptions& options) : reader_(in), options_(options) {
    report_.lastHash = std::string(kGenesisHash);
  }

  VerifyReport run() {
    if (!options_.expectHead.empty() && !isSha256Hex(options_.expectHead)) {
      report_.problem = "the expected head is not 64 lower-case hex digits";
      return std::move(report_);
    }
    for (;;) {
      Line line = fetch();
      switch (line.status) {
        case LineReader::Status::kEnd:
          if (checkEnd(line.number)) report_.ok = true;
          return std::move(report_);
        case LineReader::Status::kReadError:
          report_.readFailed = true;
          broken(line.number, "the file could not be read");
          return std::move(report_);
        case LineReader::Status::kTooLong:
          broken(line.number, "line " + std::to_string(line.number) + ": longer than " +
                                  std::to_string(kMaxReceiptLineBytes) + " bytes (not a receipt)");
          return std::move(report_);
        case LineReader::Status::kUnterminated:
          broken(line.number, "truncated: the file ends inside a line (" + std::to_string(line.text.size()) +
                                  " bytes without a final newline, not recorded as a torn line)");
          return std::move(report_);
        case LineReader::Status::kLine:
          break;
      }
      // A torn line is followed by the receipt that records it, which is itself checked as a receipt.
      if (!tornReason_ && recordsTornLine(line.text)) {
        // Skip the torn bytes; the recovery receipt that names them comes next and is chained normally.
        ++report_.recoveredTornLines;
        tornReason_ = tornLineReason(line.text);
        continue;
      }
      if (!checkReceipt(line)) return std::move(report_);
      tornReason_.reset();
    }
  }

 private:
  Line fetch() {
    if (lookahead_) return std::exchange(lookahead_, std::nullopt).value();
    Line line;
    line.status = reader_.next(&line.text);
    line.number = ++lines_;
    return line;
  }

  const Line& peek() {
    if (!lookahead_) lookahead_ = fetch();
    return *lookahead_;
  }

  // Whether the next line is a recovery receipt for exactly these bytes.
  bool recordsTornLine(const std::string& text) {
    const Line& next = peek();
    if (next.status != LineReader::Status::kLine || next.text.find(kRecoveryMethod) == std::string::npos) {
      return false;
    }
    std::string error;
    const auto recovery = parseReceipt(next.text, &error);
    return recovery && recovery->method == kRecoveryMethod && recovery->reason == tornLineReason(text);
  }

  bool checkReceipt(const Line& line) {
    std::string why;
    const auto receipt = parseReceipt(line.text, &why);
    if (!receipt) {
      broken(line.number, "line " + std::to_string(line.number) + ": not a receipt (" + why + ")");
      return false;
    }
    const Receipt& r = *receipt;
    const std::string name = receiptName(r.seq);
    why = checkReceiptIntegrity(r, line.text);
    if (!why.empty()) {
      broken(line.number, name + ": " + why);
      return false;
    }
    if (r.method == kRecoveryMethod) {
      why = checkRecoveryShape(r);
      if (!why.empty()) {
        broken(line.number, name + ": " + why);
        return false;
      }
      if (!tornReason_ || *tornReason_ != r.reason) {
        broken(line.number, name + ": recovery receipt without the torn line it names before it (" +
                                policy::quoteForMessage(r.reason) + "): the torn line was removed or changed");
        return false;
      }
    }
    if (!checkChain(line, r)) return false;
    lastSeq_ = r.seq;
    report_.receipts = r.seq;
    report_.lastHash = r.hash;
    if (!options_.expectHead.empty() && r.hash == options_.expectHead) expectedHeadSeq_ = r.seq;
    if (options_.expectCount && r.seq == *options_.expectCount + 1) lineAfterExpectedCount_ = line.number;
    if (expectedHeadSeq_ && r.seq == *expectedHeadSeq_ + 1) lineAfterExpectedHead_ = line.number;
    return true;
  }

  bool checkChain(const Line& line, const Receipt& r) {
    const std::string name = receiptName(r.seq);
    const std::uint64_t expected = lastSeq_ + 1;
    if (r.seq == expected) {
      if (r.prev == report_.lastHash) return true;
      if (lastSeq_ == 0) {
        broken(line.number, name + ": prev is not 64 zeros, so the chain does not start here");
      } else {
        broken(line.number, name + ": prev does not match " + receiptName(lastSeq_) + "'s hash (" +
                                receiptName(lastSeq_) + " was edited and re-hashed, or replaced)");
      }
      return false;
    }
    if (r.seq < expected) {
      broken(line.number, r.seq == lastSeq_
                              ? name + ": appears twice (a receipt was duplicated)"
                              : name + ": comes after " + receiptName(lastSeq_) + " (receipts were reordered)");
      return false;
    }
    // A gap: deleted, or moved later. The next line tells a swap apart from a deletion.
    std::string cause = missingRange(expected, r.seq - 1) + ": deleted or reordered";
    const Line& next = peek();
    if (next.status == LineReader::Status::kLine) {
      std::string error;
      const auto following = parseReceipt(next.text, &error);
      if (following && following->seq >= expected && following->seq < r.seq) {
        cause = "receipts were reordered: " + receiptName(following->seq) + " comes after it";
      }
    }
    if (lastSeq_ == 0) {
      broken(line.number, name + ": the chain starts at " + name + ", not 1 (" + cause + ")");
    } else {
      broken(line.number, name + ": prev does not match " + receiptName(lastSeq_) + "'s hash (" + cause + ")");
    }
    return false;
  }

  // With a known head or count, the chain must end exactly there: this finds receipts cut off at a line boundary.
  bool checkEnd(std::size_t endLine) {
    if (options_.expectCount && report_.receipts != *options_.expectCount) {
      const std::string expected = std::to_string(*options_.expectCount);
      if (report_.receipts < *options_.expectCount) {
        broken(endLine, "the chain ends at " + receiptName(report_.receipts) + " but " + expected +
                            " receipts were expected (receipts were cut off the end)");
      } else {
        broken(lineAfterExpectedCount_,
               "the chain continues past the expected " + expected + " receipts to " + receiptName(report_.receipts));
      }
      return false;
    }
    if (!options_.expectHead.empty() && report_.lastHash != options_.expectHead) {
      if (expectedHeadSeq_) {
        broken(lineAfterExpectedHead_, "the chain continues past the expected head (" + receiptName(*expectedHeadSeq_) +
                                           ") to " + receiptName(report_.receipts));
      } else {
        broken(endLine, "the expected head " + options_.expectHead + " is not in the chain, which ends at " +
                            receiptName(report_.receipts) + " (receipts were cut off the end, or this is another log)");
      }
      return false;
    }
    return true;
  }

  void broken(std::size_t line, std::string problem) {
    report_.ok = false;
    report_.brokenLine = line;
    report_.problem = std::move(problem);
  }

  LineReader reader_;
  const VerifyOptions& options_;
  VerifyReport report_;
  std::optional<Line> lookahead_;
  std::size_t lines_ = 0;
  std::uint64_t lastSeq_ = 0;
  std::optional<std::string> tornReason_;  // set between a torn line and the recovery receipt naming it
  std::optional<std::uint64_t> expectedHeadSeq_;
  std::size_t lineAfterExpectedCount_ = 0;
  std::size_t lineAfterExpectedHead_ = 0;
};

}  // namespace

VerifyReport verifyReceipts(std::istream& in, const VerifyOptions& options) { return Verifier(in, options).run(); }

}  // namespace warden::sidecar
