#pragma once

// `wardenctl receipts verify`: checks a receipt log's hash chain (design D6). Returns the process exit code (see
// exit_codes.h); results go to `out`, diagnostics to `err`, so tests can run it in-process.

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

namespace warden::cli {

struct ReceiptsVerifyArgs {
  std::string file;
  std::string expectHead;                    // --expect-head: the head the sidecar reported (hex, any case)
  std::optional<std::uint64_t> expectCount;  // --expect-count: the number of receipts it reported
};

// Prints "OK: N receipts, head <hash>" (and how many torn lines were recovered) and returns kExitOk, or
// "BROKEN at line L: <problem>" and returns kExitFailed. A file that cannot be read: kExitDataError; an
// --expect-head that is not a SHA-256: kExitUsage.
int runReceiptsVerify(const ReceiptsVerifyArgs& args, std::ostream& out, std::ostream& err);

}  // namespace warden::cli
