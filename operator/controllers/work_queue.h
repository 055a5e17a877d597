#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

namespace warden::op {

// A queue of keys ("namespace/name") to reconcile, as controllers need it: a key is queued at most once however
// often it is added; a key being processed that is added again is queued once more when its processing is done
// (never processed by two workers at once); failures are requeued with per-key exponential backoff (rateLimited),
// reset by forget(); delayed adds (requeue-after). Thread-safe. Time is injectable for tests.
class WorkQueue {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  struct Options {
    std::chrono::milliseconds baseDelay{5};
    std::chrono::milliseconds maxDelay{300'000};
  };

  explicit WorkQueue(Options options = {}, Clock clock = {});

  void add(const std::string& key);
  void addAfter(const std::string& key, std::chrono::milliseconds delay);
  void addRateLimited(const std::string& key);  // backoff doubles per consecutive failure of the key
  void forget(const std::string& key);          // the key succeeded: its backoff starts over
  std::size_t failures(const std::string& key) const;

  // Blocks until a key is ready (or timeout / shutdown): nullopt then. The caller must call done(key).
  std::optional<std::string> get(std::chrono::milliseconds timeout = std::chrono::milliseconds::max());
  void done(const std::string& key);

  void shutDown();
  bool shuttingDown() const;
  std::size_t depth() const;  // ready keys waiting (for the queue depth metric)

 private:
  void promoteDueLocked(std::chrono::steady_clock::time_point now);

  Options options_;
  Clock clock_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> ready_;
  std::set<std::string> queued_;      // in ready_
  std::set<std::string> processing_;  // handed out, not done
  std::set<std::string> dirty_;       // added while processing
  std::multimap<std::chrono::steady_clock::time_point, std::string> delayed_;
  std::map<std::string, std::size_t> failures_;
  bool shutdown_ = false;
};

}  // namespace warden::op
