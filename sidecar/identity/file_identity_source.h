#pragma once

// The identity from files, the fallback for local use (design D5): dir/svid.pem (the chain, leaf first),
// dir/svid_key.pem, dir/bundle.pem (the authorities of the SVID's own trust domain) and optionally
// dir/federated/<trust-domain>.pem (the authorities of a federated trust domain), as spiffe-helper or
// `wardenctl dev ca` write them. Reloaded on change.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "sidecar/common/file_watcher.h"
#include "sidecar/identity/identity_source.h"

namespace warden::sidecar {

// Reads the set whenever inotify reports a change in dir or dir/federated (kubelet's ..data symlink swaps
// included) and every pollInterval as a safety net (zero: inotify only). A set that does not load (a file
// missing, unparsable PEM, a key that does not match the certificate, an SVID that does not chain to bundle.pem:
// also what a half-written update looks like) goes to onError, once per distinct message, and the previous
// snapshot stays; an unchanged set delivers nothing.
//
// Thread safety: start() once, from one thread; callbacks run on the watcher threads, one at a time (a mutex
// serializes reloads). The destructor stops the watchers and waits for a running callback to return, so the
// callbacks must not destroy this object.
class FileIdentitySource : public IdentitySource {
 public:
  FileIdentitySource(std::string dir, std::chrono::milliseconds pollInterval);
  ~FileIdentitySource() override;
  FileIdentitySource(const FileIdentitySource&) = delete;
  FileIdentitySource& operator=(const FileIdentitySource&) = delete;

  void start(UpdateCallback onUpdate, ErrorCallback onError) override;

  // Reads the set once (what every reload does); nullptr with *error when it does not load. For tools and tests.
  static IdentitySnapshotPtr loadOnce(const std::string& dir, std::string* error);

  // How many reloads have completed, callbacks included (for metrics, and for tests that must know a reload
  // happened even when it delivered nothing).
  std::uint64_t reloadCount() const { return reloads_.load(); }

 private:
  void reload();

  const std::string dir_;
  const std::chrono::milliseconds pollInterval_;
  UpdateCallback onUpdate_;
  ErrorCallback onError_;
  std::mutex mutex_;  // serializes reload(); guards current_ and lastError_
  IdentitySnapshotPtr current_;
  std::string lastError_;
  std::atomic<std::uint64_t> reloads_{0};
  // Last: destroyed (stopped and joined) first.
  std::unique_ptr<FileWatcher> dirWatcher_;
  std::unique_ptr<FileWatcher> federatedWatcher_;
};

}  // namespace warden::sidecar
