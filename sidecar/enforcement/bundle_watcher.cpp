#include "sidecar/enforcement/bundle_watcher.h"

namespace warden::sidecar {

std::unique_ptr<BundleWatcher> BundleWatcher::start(std::string directory, PolicyStore& store, OnOutcome onOutcome,
                                                    std::chrono::milliseconds pollInterval, std::string* error) {
  std::unique_ptr<BundleWatcher> watcher(new BundleWatcher(std::move(directory), store, std::move(onOutcome)));
  watcher->check();
  watcher->watcher_ = FileWatcher::start(
      watcher->directory_, [w = watcher.get()] { w->check(); }, pollInterval, error);
  if (!watcher->watcher_) return nullptr;
  return watcher;
}

BundleWatcher::BundleWatcher(std::string directory, PolicyStore& store, OnOutcome onOutcome)
    : directory_(std::move(directory)), store_(store), onOutcome_(std::move(onOutcome)) {}

BundleWatcher::~BundleWatcher() { watcher_.reset(); }

void BundleWatcher::check() {
  BundleFiles files = readBundleFiles(directory_);
  if (!last_ || *last_ != files) {
    const LoadOutcome outcome = files.error.empty()
                                    ? store_.load(files.bytes, files.policyVersion.value_or(std::string()))
                                    : store_.refuse(files.error);
    last_ = std::move(files);
    if (onOutcome_) {
      try {
        onOutcome_(outcome);
      } catch (...) {
        // The report is for logs and metrics; failing to report must not stop the watching.
      }
    }
  }
  std::lock_guard lock(mu_);
  ++checks_;
  checked_.notify_all();
}

std::uint64_t BundleWatcher::checks() const {
  std::lock_guard lock(mu_);
  return checks_;
}

bool BundleWatcher::waitForChecks(std::uint64_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return checked_.wait_for(lock, timeout, [&] { return checks_ >= count; });
}

}  // namespace warden::sidecar
