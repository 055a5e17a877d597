#pragma once

#include <string>

namespace warden::sidecar {

// What one attempt to install a policy bundle did, for logs, metrics and readiness.
struct LoadOutcome {
  enum class Result {
    Loaded,     // a new policy is in force
    Unchanged,  // the bytes are the policy already in force: nothing to swap
    Refused,    // invalid, corrupt or unreadable: the previous policy (if any) stays in force
  };
  Result result = Result::Refused;
  std::string policyVersion;    // in force after the attempt; empty: none, every call is denied
  std::string previousVersion;  // in force before it
  std::string error;            // Refused: why

  bool refused() const { return result == Result::Refused; }
};

const char* toString(LoadOutcome::Result result);

// The sidecar's log line: "policy <version> loaded", "policy <version> unchanged",
// "bundle refused: <error>; keeping <version>", or "bundle refused: <error>; no valid bundle: denying every call".
std::string describe(const LoadOutcome& outcome);

}  // namespace warden::sidecar
