#include "sidecar/enforcement/load_outcome.h"

namespace warden::sidecar {

const char* toString(LoadOutcome::Result result) {
  switch (result) {
    case LoadOutcome::Result::Loaded:
      return "loaded";
    case LoadOutcome::Result::Unchanged:
      return "unchanged";
    case LoadOutcome::Result::Refused:
      return "refused";
  }
  return "refused";
}

std::string describe(const LoadOutcome& outcome) {
  switch (outcome.result) {
    case LoadOutcome::Result::Loaded:
      return "policy " + outcome.policyVersion + " loaded";
    case LoadOutcome::Result::Unchanged:
      return "policy " + outcome.policyVersion + " unchanged";
    case LoadOutcome::Result::Refused:
      break;
  }
  std::string line = "bundle refused: " + outcome.error;
  if (outcome.policyVersion.empty()) return line + "; no valid bundle: denying every call";
  return line + "; keeping " + outcome.policyVersion;
}

}  // namespace warden::sidecar
