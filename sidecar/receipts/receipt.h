#pragma once

// One receipt of the audit trail (design D6) and its line format. A receipt line is the canonical JSON
// (policy/canonical_json.h) of an object with exactly the fields
//   seq, time, server, principal, session, method, target, argsSha256, decision, rules, reason, policyVersion,
//   prev, hash
// followed by "\n", where `hash` = sha256Hex(canonical JSON of the object without `hash`) and `prev` is the hash of
// the previous receipt (64 zeros for the first). Because a line must be exactly the canonical text of its fields,
// every byte of the log is covered by a hash.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace warden::sidecar {

// `prev` of the first receipt of a chain.
inline constexpr std::string_view kGenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";
// A receipt the log writes when it finds a torn last line (a crash in the middle of an unacknowledged write).
inline constexpr std::string_view kRecoveryMethod = "warden/recovery";
inline constexpr std::string_view kRecoveredDecision = "recovered";
// No receipt line is longer; the writer refuses bigger receipts so that readers can bound what they buffer.
inline constexpr std::size_t kMaxReceiptLineBytes = 1024 * 1024;

// What the sidecar decided about one message.
struct ReceiptInput {
  std::chrono::system_clock::time_point time;
  std::string server, principal, session, method, target, argsSha256, decision;
  std::vector<std::string> rules;
  std::string reason, policyVersion;
};

// A receipt as stored in the log.
struct Receipt {
  std::uint64_t seq = 0;
  std::string time;  // RFC 3339 UTC with microseconds: 2026-01-02T03:04:05.000006Z
  std::string server, principal, session, method, target, argsSha256, decision;
  std::vector<std::string> rules;
  std::string reason, policyVersion, prev, hash;
};

// 64 lower-case hex digits, as `prev`, `hash` and a verifier's expected head are written.
bool isSha256Hex(std::string_view text);

// RFC 3339 in UTC with exactly six fractional digits (truncated, not rounded).
std::string formatReceiptTime(std::chrono::system_clock::time_point time);

// The receipt for `input` at `seq` after the receipt whose hash is `prev`, with its hash computed.
// Throws only std::bad_alloc, or std::runtime_error if OpenSSL fails.
Receipt makeReceipt(const ReceiptInput& input, std::uint64_t seq, std::string_view prev);

// makeReceipt() and formatReceipt() of the result, sharing the work (the writer's path).
struct ReceiptLine {
  Receipt receipt;
  std::string text;  // canonical JSON, without "\n"
};
ReceiptLine buildReceiptLine(const ReceiptInput& input, std::uint64_t seq, std::string_view prev);

// sha256Hex of the canonical JSON of `receipt` without its `hash` field (whatever that field holds).
std::string computeReceiptHash(const Receipt& receipt);

// The canonical JSON text of `receipt` including its `hash`, without the trailing "\n". A log line is this + "\n".
std::string formatReceipt(const Receipt& receipt);

// Reads one line (without its "\n"): strict JSON (duplicate keys refused), exactly the fields above with their
// types (seq an integer >= 1, rules an array of strings, every other field a string), `time` in the format above,
// `prev` and `hash` 64 lower-case hex digits. Does not check the hash or the canonical form: the caller compares
// computeReceiptHash() and formatReceipt() with what it read, so an edit and a reformatting can be told apart.
// Never throws but std::bad_alloc; nullopt with *error on failure.
std::optional<Receipt> parseReceipt(std::string_view line, std::string* error);

// Checks a parsed receipt against the text it came from: "" when it verifies, else "hash does not match its
// content (edited)" or "not in canonical form (edited)".
std::string checkReceiptIntegrity(const Receipt& receipt, std::string_view line);

// The recovery receipt's input for a torn line `tornBytes` (the bytes after the log's last "\n").
ReceiptInput makeRecoveryInput(std::chrono::system_clock::time_point time, std::string_view tornBytes);
// Its reason: "torn last line: N bytes, sha256 <hex>". A verifier accepts a torn line only when the next receipt is
// a recovery receipt whose reason is exactly this for that line.
std::string tornLineReason(std::string_view tornBytes);
// "" when `receipt` is a well-formed recovery receipt (decision `recovered`, a torn-line reason, every other input
// field empty); else what is wrong with it.
std::string checkRecoveryShape(const Receipt& receipt);

}  // namespace warden::sidecar
