#include "cli/receipts_command.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "cli/exit_codes.h"
#include "policy/quote.h"
#include "sidecar/receipts/receipt.h"
#include "sidecar/receipts/receipt_verifier.h"

namespace warden::cli {

int runReceiptsVerify(const ReceiptsVerifyArgs& args, std::ostream& out, std::ostream& err) {
  const std::string file = policy::quoteForMessage(args.file);
  sidecar::VerifyOptions options;
  options.expectCount = args.expectCount;
  // Heads are copied from logs and terminals: accept upper-case hex, compare in the chain's lower case.
  for (char c : args.expectHead) options.expectHead += (c >= 'A' && c <= 'F') ? static_cast<char>(c - 'A' + 'a') : c;
  if (!options.expectHead.empty() && !sidecar::isSha256Hex(options.expectHead)) {
    err << "error: --expect-head must be a SHA-256 in hex (64 digits), got "
        << policy::quoteForMessage(args.expectHead, 80) << "\n";
    return kExitUsage;
  }

  std::error_code ec;
  if (std::filesystem::is_directory(args.file, ec)) {
    err << "error: " << file << ": is a directory\n";
    return kExitDataError;
  }
  std::ifstream in(args.file, std::ios::binary);
  if (!in) {
    err << "error: " << file << ": cannot read: " << std::strerror(errno) << "\n";
    return kExitDataError;
  }
  const sidecar::VerifyReport report = sidecar::verifyReceipts(in, options);
  if (report.readFailed) {
    err << "error: " << file << ": read failed at line " << report.brokenLine << "\n";
    return kExitDataError;
  }
  if (!report.ok) {
    out << "BROKEN at line " << report.brokenLine << ": " << report.problem << "\n";
    return kExitFailed;
  }
  out << "OK: " << report.receipts << (report.receipts == 1 ? " receipt" : " receipts") << ", head " << report.lastHash;
  if (report.recoveredTornLines > 0) {
    out << ", " << report.recoveredTornLines
        << (report.recoveredTornLines == 1 ? " torn line recovered" : " torn lines recovered");
  }
  out << "\n";
  return kExitOk;
}

}  // namespace warden::cli
