#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "sidecar/common/file_watcher.h"
#include "sidecar/enforcement/bundle_files.h"
#include "sidecar/enforcement/load_outcome.h"
#include "sidecar/enforcement/policy_store.h"

namespace warden::sidecar {

// Keeps a PolicyStore in step with the policy ConfigMap volume (design D6): watches the directory with a
// FileWatcher, reads bundle.json and policyVersion (readBundleFiles), and when what it read differs from the
// previous reading, loads it into the store (or, when there is nothing to load, records the refusal) and reports
// the outcome. A rewrite with the same bytes does nothing. A missing or unreadable bundle is a refusal like an
// invalid one: the last good policy stays, and without one every call is denied.
//
// Thread-safe. Checks run on the FileWatcher's thread (the first one on the caller's, inside start()), one at a
// time; `onOutcome` is called there and must not block for long; an exception from it is swallowed.
class BundleWatcher {
 public:
  using OnOutcome = std::function<void(const LoadOutcome&)>;

  // Checks the directory once before returning, so the store reflects it; `store` must outlive the watcher.
  // nullptr with *error when inotify cannot be set up.
  static std::unique_ptr<BundleWatcher> start(std::string directory, PolicyStore& store, OnOutcome onOutcome,
                                              std::chrono::milliseconds pollInterval, std::string* error);
  ~BundleWatcher();  // stops watching; no callback runs after it returns
  BundleWatcher(const BundleWatcher&) = delete;
  BundleWatcher& operator=(const BundleWatcher&) = delete;

  // How many times the directory was read (changed or not), and a bounded wait for a count.
  std::uint64_t checks() const;
  bool waitForChecks(std::uint64_t count, std::chrono::milliseconds timeout) const;

 private:
  BundleWatcher(std::string directory, PolicyStore& store, OnOutcome onOutcome);
  void check();

  const std::string directory_;
  PolicyStore& store_;
  OnOutcome onOutcome_;
  std::optional<BundleFiles> last_;  // only touched by check(), which runs one at a time

  mutable std::mutex mu_;
  mutable std::condition_variable checked_;
  std::uint64_t checks_ = 0;

  std::unique_ptr<FileWatcher> watcher_;  // last: destroyed (stopped and joined) first
};

}  // namespace warden::sidecar
