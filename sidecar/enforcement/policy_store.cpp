#include "sidecar/enforcement/policy_store.h"

#include <exception>

#include "policy/bundle_loader.h"
#include "policy/canonical_json.h"

namespace warden::sidecar {

PolicyStore::PolicyStore(Clock clock) : clock_(std::move(clock)) {}

LoadOutcome PolicyStore::load(std::string_view bytes, std::string_view expectedVersion) {
  std::lock_guard lock(mu_);
  // Bytes that are the policy in force need no second compilation (and, being equal, cannot be corrupt).
  if (!status_.policyVersion.empty()) {
    std::string version;
    try {
      version = policy::sha256Hex(bytes);
    } catch (const std::exception& e) {
      return refuseLocked(std::string("hashing the bundle failed: ") + e.what());
    }
    if (version == status_.policyVersion && (expectedVersion.empty() || expectedVersion == version)) {
      status_.lastError.clear();
      return {LoadOutcome::Result::Unchanged, status_.policyVersion, status_.policyVersion, {}};
    }
  }
  auto loaded = policy::loadBundle(bytes, expectedVersion);
  if (!loaded.ok()) return refuseLocked(std::move(loaded.error));
  LoadOutcome outcome{LoadOutcome::Result::Loaded, loaded.policy->policyVersion(), status_.policyVersion, {}};
  status_.policyVersion = loaded.policy->policyVersion();
  status_.loadedAt = clock_();
  status_.lastError.clear();
  ++status_.loads;
  current_.store(std::move(loaded.policy), std::memory_order_release);
  return outcome;
}

LoadOutcome PolicyStore::refuse(std::string error) {
  std::lock_guard lock(mu_);
  return refuseLocked(std::move(error));
}

LoadOutcome PolicyStore::refuseLocked(std::string error) {
  ++status_.refusals;
  status_.lastError = error;
  return {LoadOutcome::Result::Refused, status_.policyVersion, status_.policyVersion, std::move(error)};
}

PolicyStore::Status PolicyStore::status() const {
  std::lock_guard lock(mu_);
  return status_;
}

std::string PolicyStore::notReadyReason() const {
  std::lock_guard lock(mu_);
  if (!status_.policyVersion.empty()) return {};
  if (status_.lastError.empty()) return "no valid policy bundle yet";
  return "no valid policy bundle: " + status_.lastError;
}

}  // namespace warden::sidecar
