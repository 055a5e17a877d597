#include "sidecar/common/file_watcher.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace warden::sidecar {
namespace {

constexpr std::uint32_t kEvents = IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
                                  IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;

// How long to wait for more events after the first one, so that a burst (kubelet writes several files and a
// symlink) gives one callback after it is complete.
constexpr int kSettleMillis = 20;

}  // namespace

std::unique_ptr<FileWatcher> FileWatcher::start(std::string directory, Callback onChange,
                                                std::chrono::milliseconds pollInterval, std::string* error) {
  const int inotifyFd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotifyFd < 0) {
    *error = std::string("inotify_init1: ") + std::strerror(errno);
    return nullptr;
  }
  const int stopFd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (stopFd < 0) {
    *error = std::string("eventfd: ") + std::strerror(errno);
    close(inotifyFd);
    return nullptr;
  }
  std::unique_ptr<FileWatcher> watcher(
      new FileWatcher(std::move(directory), std::move(onChange), pollInterval, inotifyFd, stopFd));
  watcher->thread_ = std::thread([w = watcher.get()] { w->run(); });
  return watcher;
}

FileWatcher::FileWatcher(std::string directory, Callback onChange, std::chrono::milliseconds pollInterval,
                         int inotifyFd, int stopFd)
    : directory_(std::move(directory)),
      onChange_(std::move(onChange)),
      pollInterval_(pollInterval),
      inotifyFd_(inotifyFd),
      stopFd_(stopFd) {}

FileWatcher::~FileWatcher() {
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = write(stopFd_, &one, sizeof one);
  if (thread_.joinable()) thread_.join();
  close(inotifyFd_);
  close(stopFd_);
}

bool FileWatcher::addWatch() {
  if (watch_ >= 0) inotify_rm_watch(inotifyFd_, watch_);
  watch_ = inotify_add_watch(inotifyFd_, directory_.c_str(), kEvents);
  return watch_ >= 0;
}

void FileWatcher::run() {
  bool watching = addWatch();
  onChange_();
  // Without a watch (the directory is missing) poll at least every second until it appears.
  auto timeoutMs = [&] {
    if (!watching) return pollInterval_.count() > 0 ? std::min<int>(1000, static_cast<int>(pollInterval_.count())) : 1000;
    return pollInterval_.count() > 0 ? static_cast<int>(pollInterval_.count()) : -1;
  };
  alignas(inotify_event) char buffer[16 * 1024];
  for (;;) {
    pollfd fds[2] = {{stopFd_, POLLIN, 0}, {inotifyFd_, POLLIN, 0}};
    const int ready = poll(fds, 2, timeoutMs());
    if (ready < 0 && errno != EINTR) return;
    if (fds[0].revents & POLLIN) return;
    bool changed = ready == 0;  // the safety-net poll
    if (fds[1].revents & POLLIN) {
      changed = true;
      // Let a burst settle, then drain everything it queued.
      pollfd settle{stopFd_, POLLIN, 0};
      if (poll(&settle, 1, kSettleMillis) > 0) return;
      ssize_t n;
      bool replaced = false;
      while ((n = read(inotifyFd_, buffer, sizeof buffer)) > 0) {
        for (char* p = buffer; p < buffer + n;) {
          const auto* event = reinterpret_cast<const inotify_event*>(p);
          if (event->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) replaced = true;
          p += sizeof(inotify_event) + event->len;
        }
      }
      if (replaced) watching = false;
    }
    if (!watching) watching = addWatch();
    if (changed) onChange_();
  }
}

}  // namespace warden::sidecar
