#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace warden::sidecar {

// Watches one directory with inotify and calls `onChange` (on the watcher's own thread) whenever something in it
// may have changed: files written, created, renamed in or out, deleted, or the directory itself replaced. Kubelet
// updates a ConfigMap or projected volume by writing a new timestamped directory and renaming the `..data`
// symlink, which shows up here as a rename. The callback re-reads what it cares about and compares; it is also
// called once at start and, as a safety net for file systems where inotify misses changes, every `pollInterval`
// (zero: never). Several events arriving together give one call.
class FileWatcher {
 public:
  using Callback = std::function<void()>;

  // nullptr with *error when inotify cannot be set up (the directory may not exist yet: then the watcher polls
  // until it does, so that is not an error).
  static std::unique_ptr<FileWatcher> start(std::string directory, Callback onChange,
                                            std::chrono::milliseconds pollInterval, std::string* error);
  ~FileWatcher();  // stops and joins the thread
  FileWatcher(const FileWatcher&) = delete;
  FileWatcher& operator=(const FileWatcher&) = delete;

 private:
  FileWatcher(std::string directory, Callback onChange, std::chrono::milliseconds pollInterval, int inotifyFd,
              int stopFd);
  void run();
  bool addWatch();

  std::string directory_;
  Callback onChange_;
  std::chrono::milliseconds pollInterval_;
  int inotifyFd_;
  int stopFd_;
  int watch_ = -1;
  std::thread thread_;
};

}  // namespace warden::sidecar
