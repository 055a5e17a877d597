#include "operator/controllers/work_queue.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace warden::op {

namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// Longer delays and timeouts are treated as this long (or as unbounded, for get()): it keeps time_point arithmetic
// far from overflow (steady_clock counts nanoseconds in 64 bits, about 292 years).
constexpr milliseconds kLongest = std::chrono::hours(24 * 365 * 50);

}  // namespace

WorkQueue::WorkQueue(Options options, Clock clock) : options_(options), clock_(std::move(clock)) {
  if (options_.baseDelay <= milliseconds::zero()) {
    throw std::invalid_argument("work queue: baseDelay must be positive");
  }
  if (options_.maxDelay < options_.baseDelay) {
    throw std::invalid_argument("work queue: maxDelay must not be shorter than baseDelay");
  }
  options_.maxDelay = std::min(options_.maxDelay, kLongest);
  if (!clock_) clock_ = [] { return steady_clock::now(); };
}

void WorkQueue::add(const std::string& key) {
  std::lock_guard lock(mu_);
  if (shutdown_) return;
  addLocked(key);
}

void WorkQueue::addLocked(const std::string& key) {
  if (processing_.count(key) != 0) {
    dirty_.insert(key);  // queued again by done()
    return;
  }
  if (!queued_.insert(key).second) return;
  ready_.push_back(key);
  cv_.notify_one();
}

void WorkQueue::addAfter(const std::string& key, milliseconds delay) {
  std::lock_guard lock(mu_);
  if (shutdown_) return;
  addAfterLocked(key, delay);
}

void WorkQueue::addAfterLocked(const std::string& key, milliseconds delay) {
  if (delay <= milliseconds::zero()) {
    addLocked(key);
    return;
  }
  const auto due = clock_() + std::min(delay, kLongest);
  if (auto existing = delayedDue_.find(key); existing != delayedDue_.end()) {
    if (existing->second <= due) return;  // already waiting for an earlier time
    auto [first, last] = delayed_.equal_range(existing->second);
    for (auto it = first; it != last; ++it) {
      if (it->second == key) {
        delayed_.erase(it);
        break;
      }
    }
    delayedDue_.erase(existing);
  }
  delayed_.emplace(due, key);
  delayedDue_.emplace(key, due);
  cv_.notify_all();  // waiting getters compute when to wake from the earliest delayed key
}

void WorkQueue::addRateLimited(const std::string& key) {
  std::lock_guard lock(mu_);
  if (shutdown_) return;
  const std::size_t exponent = failures_[key]++;
  // baseDelay * 2^exponent, computed in floating point so that large exponents saturate instead of overflowing.
  const double scaled = static_cast<double>(options_.baseDelay.count()) * std::pow(2.0, static_cast<double>(exponent));
  const auto cap = static_cast<double>(options_.maxDelay.count());
  const milliseconds delay{static_cast<milliseconds::rep>(std::min(scaled, cap))};
  addAfterLocked(key, delay);
}

void WorkQueue::forget(const std::string& key) {
  std::lock_guard lock(mu_);
  failures_.erase(key);
}

std::size_t WorkQueue::failures(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

void WorkQueue::promoteDueLocked(steady_clock::time_point now) {
  while (!delayed_.empty() && delayed_.begin()->first <= now) {
    std::string key = delayed_.begin()->second;
    delayed_.erase(delayed_.begin());
    delayedDue_.erase(key);
    addLocked(key);
  }
}

std::optional<std::string> WorkQueue::get(milliseconds timeout) {
  const bool unbounded = timeout >= kLongest;
  const auto deadline = unbounded ? steady_clock::time_point::max()
                                  : steady_clock::now() + std::max(timeout, milliseconds::zero());
  std::unique_lock lock(mu_);
  for (;;) {
    if (shutdown_) return std::nullopt;
    promoteDueLocked(clock_());
    if (!ready_.empty()) {
      std::string key = std::move(ready_.front());
      ready_.pop_front();
      queued_.erase(key);
      processing_.insert(key);
      return key;
    }
    const auto now = steady_clock::now();
    if (now >= deadline) return std::nullopt;
    auto wakeAt = deadline;
    if (!delayed_.empty()) {
      // What the queue's clock says remains until the earliest delayed key, waited on the real clock.
      const auto remaining = std::max(delayed_.begin()->first - clock_(), steady_clock::duration::zero());
      wakeAt = std::min(wakeAt, now + remaining);
    }
    if (wakeAt == steady_clock::time_point::max()) {
      cv_.wait(lock);
    } else {
      cv_.wait_until(lock, wakeAt);
    }
  }
}

void WorkQueue::done(const std::string& key) {
  std::lock_guard lock(mu_);
  processing_.erase(key);
  if (dirty_.erase(key) != 0 && !shutdown_) addLocked(key);
}

void WorkQueue::shutDown() {
  std::lock_guard lock(mu_);
  shutdown_ = true;
  cv_.notify_all();
}

bool WorkQueue::shuttingDown() const {
  std::lock_guard lock(mu_);
  return shutdown_;
}

std::size_t WorkQueue::depth() const {
  std::lock_guard lock(mu_);
  return ready_.size();
}

}  // namespace warden::op
