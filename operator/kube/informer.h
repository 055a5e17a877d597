#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/kube/kube_client.h"

namespace warden::op {

struct InformerEvent {
  enum class Type { Added, Updated, Deleted };
  Type type;
  nlohmann::json object;     // for Deleted: the last state known
  nlohmann::json oldObject;  // for Updated
};

struct InformerOptions {
  std::string ns;  // "" : all namespaces
  std::string labelSelector;
  std::chrono::milliseconds initialBackoff{200};
  std::chrono::milliseconds maxBackoff{30'000};
  int watchTimeoutSeconds = 300;
  // Every handler is also called for every cached object this often (level-triggered safety net); zero: never.
  std::chrono::milliseconds resyncPeriod{0};
};

// List+watch of one resource type into a local cache, kept current: a LIST, then a WATCH from its resourceVersion
// (with bookmarks, so an idle watch still advances), a relist when the server answers 410 Gone (etcd compacted past
// our version), reconnects with exponential backoff when the API server is unreachable. Handlers run on the
// informer's thread, after the cache changed; a relist reports the differences it found as events. Thread-safe:
// the cache may be read from any thread.
//
// In detail:
// - A watch the server ends cleanly (its timeout, an API server restart) is resumed from the last version seen
//   (the last event's or bookmark's), without a relist. A watch that fails (no answer, an error status, an ERROR
//   event other than 410) is resumed the same way after a backoff delay; so is one that the server closed within a
//   second without sending anything (client-go's "very short watch"), so that a misbehaving server is not hammered.
// - Backoff: exponential from initialBackoff to maxBackoff with jitter (kube/backoff.h); reset by a successful list
//   and by a watch that ends cleanly.
// - 410 Gone: relist at once; the new list replaces the cache and the differences are reported: Added (new keys),
//   Updated (keys whose object changed, oldObject the cached one), Deleted (keys that vanished, with the last
//   cached state). Unchanged objects are not reported. An event that cannot be read also leads to a relist.
// - Events from a watch: ADDED and MODIFIED become Added or Updated depending on whether the key was cached (as
//   client-go does); DELETED becomes Deleted with the event's object (the server's last state).
// - Resync: every resyncPeriod every handler is called with Updated (oldObject == object) for every cached object.
//   It runs on the informer's thread: between watches, and within a watch when an event arrives; the watch's
//   timeoutSeconds is shortened so that an idle watch ends by the time the next resync is due (a resync is at most
//   about a second late).
// - A handler that throws is logged; the informer goes on (the exception does not reach the thread).
// - stop() returns once the thread has ended: promptly, while a watch is open (the KubeClient watches `stop`) or a
//   backoff delay runs (a condition variable, not a sleep). stop() called from a handler only asks the thread to
//   end (it cannot join itself); the destructor must not run on the informer's thread.
class Informer {
 public:
  using Handler = std::function<void(const InformerEvent&)>;

  // Throws std::invalid_argument for a null client or invalid options (backoffs not 0 < initial <= max,
  // watchTimeoutSeconds < 1, negative resyncPeriod).
  Informer(KubeClientPtr client, ResourceType type, InformerOptions options);
  ~Informer();  // stops
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  void addHandler(Handler handler);  // before start(); std::logic_error after
  void start();                      // once; std::logic_error when called again
  void stop();                       // idempotent

  bool hasSynced() const;
  bool waitForSync(std::chrono::milliseconds timeout) const;

  // Copies of cached objects. For cluster-scoped types `ns` is ignored by get() and must be "" for list().
  std::optional<nlohmann::json> get(const std::string& ns, const std::string& name) const;
  std::vector<nlohmann::json> list(const std::string& ns = "") const;  // sorted by key ("namespace/name")

  // For metrics and tests.
  std::uint64_t watchRestarts() const;  // watches opened after the first one (for whatever reason)
  std::uint64_t relists() const;        // successful lists after the first one (410 Gone, unreadable events)
  const ResourceType& type() const;
  // The resourceVersion the cache is current to (the last list's, event's or bookmark's); "" before the first list.
  std::string lastSyncResourceVersion() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// "namespace/name" of an object (or "name" for cluster-scoped ones).
std::string objectKey(const nlohmann::json& object);

}  // namespace warden::op
