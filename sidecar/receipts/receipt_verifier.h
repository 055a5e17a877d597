#pragma once

#include <cstddef>
#include <cstdint>
#include <istream>
#include <optional>
#include <string>

namespace warden::sidecar {

struct VerifyOptions {
  // A hash chain alone cannot tell a log cut at a line boundary from a shorter log. The sidecar reports its head
  // (ReceiptLog::lastHash(), lastSeq()); given that head or count, the chain must end exactly there.
  std::string expectHead;  // 64 lower-case hex digits, or empty
  std::optional<std::uint64_t> expectCount;
};

struct VerifyReport {
  bool ok = false;
  std::uint64_t receipts = 0;            // receipts in the chain, recovery receipts included (= the last seq)
  std::uint64_t recoveredTornLines = 0;  // torn lines accepted because a recovery receipt names them
  std::string lastHash;                  // the head of the chain (kGenesisHash for an empty log)
  std::size_t brokenLine = 0;            // 1-based line of the first problem, 0 if ok
  std::string problem;                   // what is wrong there
  bool readFailed = false;               // the stream failed (I/O error): nothing is known about the chain
};

// Checks a whole receipt log: every line parses with exactly the receipt fields, is in canonical form and its hash
// recomputes; seq starts at 1 and grows by exactly 1; every prev is the previous receipt's hash (the first one's is
// kGenesisHash). A line that is not a receipt is accepted only as a torn line, when the next line is a recovery
// receipt naming its exact length and sha256; the file must end with "\n". Problems are reported as they would be
// read by a person investigating, e.g. "receipt 17: hash does not match its content (edited)"; the first one
// found stops the check. Streams: reads in chunks and holds at most two lines. Never throws but std::bad_alloc.
// Thread safety: a free function over the caller's stream.
VerifyReport verifyReceipts(std::istream& in, const VerifyOptions& options);

}  // namespace warden::sidecar
