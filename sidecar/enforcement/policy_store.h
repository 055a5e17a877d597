#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "policy/compiled_policy.h"
#include "sidecar/enforcement/load_outcome.h"

namespace warden::sidecar {

// The sidecar's current policy (design D6). A refused bundle never replaces a good one; until a valid bundle was
// loaded there is no policy and callers deny every call (fail closed). A swap replaces the pointer, so requests
// that took the old policy finish with it.
//
// Thread-safe. current() takes no mutex: it reads a std::atomic<std::shared_ptr> (libstdc++ guards the pointer
// with a spin bit held for a few instructions, never across a load). load(), refuse(), status() and
// notReadyReason() take a mutex, so loads are serialized and status() is consistent with them.
class PolicyStore {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  struct Status {
    std::string policyVersion;                        // in force; empty: none
    std::chrono::system_clock::time_point loadedAt{};  // when it was loaded
    std::string lastError;                            // of the latest attempt when it was refused, else empty
    std::uint64_t loads = 0;                          // bundles put in force
    std::uint64_t refusals = 0;
  };

  explicit PolicyStore(Clock clock = [] { return std::chrono::system_clock::now(); });
  PolicyStore(const PolicyStore&) = delete;
  PolicyStore& operator=(const PolicyStore&) = delete;

  // Null until a valid bundle was loaded: callers deny everything.
  policy::CompiledPolicyPtr current() const { return current_.load(std::memory_order_acquire); }

  // Loads bundle bytes; `expectedVersion`, when not empty, must be their sha256 (the ConfigMap's policyVersion).
  // Refuses an invalid bundle and keeps the last good one. Never throws but std::bad_alloc.
  LoadOutcome load(std::string_view bytes, std::string_view expectedVersion = {});

  // Records an attempt that failed before there were bytes to load (the file is missing or unreadable); the
  // policy in force stays.
  LoadOutcome refuse(std::string error);

  Status status() const;

  // Why the sidecar cannot serve, for /readyz: empty while a policy is in force.
  std::string notReadyReason() const;

 private:
  LoadOutcome refuseLocked(std::string error);

  Clock clock_;
  std::atomic<policy::CompiledPolicyPtr> current_;
  mutable std::mutex mu_;
  Status status_;
};

}  // namespace warden::sidecar
