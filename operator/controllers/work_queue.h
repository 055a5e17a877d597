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

// Declared outside WorkQueue so it can be a default argument of WorkQueue's constructor (a nested struct with
// default member initializers cannot be one until the enclosing class is complete: GCC rejects `Options options = {}`).
struct WorkQueueOptions {
  std::chrono::milliseconds baseDelay{5};       // the first retry of a failing key waits this long (> 0)
  std::chrono::milliseconds maxDelay{300'000};  // the per-key backoff never exceeds this (>= baseDelay)
};

// A queue of keys ("namespace/name") to reconcile, as controllers need it: a key is queued at most once however
// often it is added; a key being processed that is added again is queued once more when its processing is done
// (never processed by two workers at once); failures are requeued with per-key exponential backoff (rateLimited),
// reset by forget(); delayed adds (requeue-after). Thread-safe. Time is injectable for tests.
//
// Semantics in detail (client-go's workqueue.RateLimitingInterface):
// - add() of a key that is waiting in the queue does nothing; of a key being processed marks it dirty: it is
//   queued again when done(key) is called.
// - addAfter() with a delay <= 0 is add(); a key waiting for several delayed adds is added once, at the earliest
//   time asked for.
// - addRateLimited() waits baseDelay * 2^failures(key) (capped at maxDelay), then counts one more failure;
//   forget() clears the count (it does not remove the key from the queue).
// - shutDown() wakes every get() (they return nullopt, also when keys are still waiting: workers stop at once);
//   add/addAfter/addRateLimited are ignored afterwards; done() is still accepted.
// - Delays are measured on the clock given to the constructor (steady_clock when none). A get() that waits for a
//   delayed key waits on the real clock for what the clock says remains; with a manual test clock, advance it and
//   call get() (a zero timeout polls without blocking).
// - get()'s timeout is real time; milliseconds::max() waits without limit.
class WorkQueue {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  using Options = WorkQueueOptions;

  // Throws std::invalid_argument when baseDelay <= 0 or maxDelay < baseDelay.
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
  void addLocked(const std::string& key);
  void addAfterLocked(const std::string& key, std::chrono::milliseconds delay);

  Options options_;
  Clock clock_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> ready_;
  std::set<std::string> queued_;      // in ready_
  std::set<std::string> processing_;  // handed out, not done
  std::set<std::string> dirty_;       // added while processing
  std::multimap<std::chrono::steady_clock::time_point, std::string> delayed_;
  std::map<std::string, std::chrono::steady_clock::time_point> delayedDue_;  // key -> its entry in delayed_
  std::map<std::string, std::size_t> failures_;
  bool shutdown_ = false;
};

}  // namespace warden::op
