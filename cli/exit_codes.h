#pragma once

namespace warden::cli {

// `wardenctl policy test` exits with the decision so scripts can branch on it.
inline constexpr int kExitAllow = 0;
inline constexpr int kExitDeny = 1;
inline constexpr int kExitReview = 2;
// Generic outcomes.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;     // lint errors, failed test cases, a broken receipt chain
inline constexpr int kExitUsage = 64;     // EX_USAGE: bad flags or arguments
inline constexpr int kExitDataError = 65;  // EX_DATAERR: input files that do not read or do not validate

}  // namespace warden::cli
