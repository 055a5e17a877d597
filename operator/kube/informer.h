#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/kube/cached_object.h"
#include "operator/kube/kube_client.h"

namespace warden::op {

struct InformerEvent {
  enum class Type { Added, Updated, Deleted };
  Type type;
  ObjectPtr object;     // never null; for Deleted: the last state known
  ObjectPtr oldObject;  // for Updated (the same pointer as `object` for a resync); null otherwise
};

// The values an object is indexed under (client-go's IndexFunc); none: not in the index. Called with the
// informer's lock held: it must not call the informer.
using IndexFunc = std::function<std::vector<std::string>(const nlohmann::json& object)>;
// Rewrites an object before it is cached and handed to handlers (client-go's TransformFunc), e.g. to drop fields no
// reader needs. Applied to listed objects and to every watch event's object (Deleted included).
using TransformFunc = std::function<void(nlohmann::json& object)>;

struct InformerOptions {
  std::string ns;  // "" : all namespaces
  std::string labelSelector;
  std::chrono::milliseconds initialBackoff{200};
  std::chrono::milliseconds maxBackoff{30'000};
  int watchTimeoutSeconds = 300;
  // Every handler is also called for every cached object this often (level-triggered safety net); zero: never.
  std::chrono::milliseconds resyncPeriod{0};
  // Indexes kept with the cache, by name (read with byIndex()).
  std::map<std::string, IndexFunc> indexers;
  TransformFunc transform;  // none: objects are cached as the server sent them
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
// - The cache holds each object once, shared (ObjectPtr): get(), list(), byIndex() and events hand out the cached
//   object, not a copy. Indexes (InformerOptions::indexers) are kept current with the cache, a relist rebuilds them.
//   A list is taken page by page (KubeClient::listPages): each page is transformed and cached as it arrives.
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

  // The cached objects themselves (shared, immutable). For cluster-scoped types `ns` is ignored by get() and must
  // be "" for list().
  ObjectPtr get(const std::string& ns, const std::string& name) const;  // null: not cached
  std::vector<ObjectPtr> list(const std::string& ns = "") const;        // sorted by key ("namespace/name")
  // The cached objects the indexer `index` lists under `value`, sorted by key. std::invalid_argument for an index
  // not in InformerOptions::indexers.
  std::vector<ObjectPtr> byIndex(const std::string& index, const std::string& value) const;
  bool hasIndex(const std::string& index) const;

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
