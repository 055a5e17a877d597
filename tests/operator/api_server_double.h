#pragma once

// ApiServerDouble: an in-memory test double of the Kubernetes API server, behind the operator's KubeClient
// interface (design D8: no API server can run on the build machines; this is what unit and component tests of the
// operator run against; the real API server is used by the integration tests).
//
// What it models, as the real API server behaves (behaviour the operator depends on):
// - Objects per (resource, namespace, name). Cluster-scoped resources ignore the namespace. Every object carries
//   apiVersion and kind, metadata.uid (unique, never reused), metadata.creationTimestamp (RFC 3339, seconds),
//   metadata.generation (1 at creation, +1 whenever anything outside metadata changes, and when a deletion starts
//   (deletionTimestamp set); for resources with a status subresource, changes to .status do not count),
//   metadata.resourceVersion and metadata.managedFields.
// - resourceVersion: one counter for the whole server (etcd's revision), a decimal integer as a string, bumped by
//   every write that changes an object and by nothing else. A write that changes nothing (an update or apply with
//   the values already there) answers 200 with the object as it is: no new version, no watch event.
// - get: 404 NotFound (with a Status body) when missing.
// - list: every item (apiVersion and kind set), sorted by namespace and name, metadata.resourceVersion = the
//   current version; labelSelector (=, ==, !=, in, notin, exists, !exists) and fieldSelector (metadata.name,
//   metadata.namespace with =, ==, !=) are applied, anything else is 400. A resourceVersion newer than the current
//   one is 504 (the real server's "Too large resource version"); any other is served from the current state
//   ("not older than" semantics, the default when resourceVersionMatch is not set).
// - watch: from a resourceVersion R, every change after R in order: ADDED, MODIFIED, DELETED (DELETED carries the
//   last state with the deletion's resourceVersion). With a label selector, an object that starts matching arrives
//   as ADDED and one that stops matching as DELETED (the watch cache's behaviour). R "" or "0": first an ADDED for
//   every current object, then the changes. BOOKMARK events (the current resourceVersion, no other content) every
//   `bookmarkInterval` when the watch allows them. R older than the compaction point (compact(), or history beyond
//   `historyLimit`) is 410 Gone: an ERROR event with a Status of code 410, reason Expired (as the real watch cache
//   answers) or, with GoneStyle::HttpStatus, the watch request itself answered 410. A watch ends cleanly after its
//   timeoutSeconds (capped by `maxWatchDuration`), on endAllWatches() (an API server restart), when the caller's
//   stop flag is set (checked every few milliseconds) or its callback returns false.
// - create: 409 AlreadyExists for an existing name; metadata.generateName gives a fresh name; a resourceVersion in
//   the body is rejected (500, as the real storage layer does).
// - update (PUT): a stale metadata.resourceVersion is 409 Conflict; none at all is an unconditional update; 404 when
//   missing (no create-on-update); a different metadata.uid is 409.
// - Status subresource (mcpservers, toolpolicies, services and customresourcedefinitions by default;
//   setStatusSubresource() for others): create, update and apply ignore .status (create drops it, update and apply
//   keep the stored one); applyStatus changes only .status (404 when the object is missing).
// - Server-side apply, simplified but honest: fields are owned per field manager at this granularity: each key of
//   a top-level object field (spec.<key>, data.<key>, binaryData.<key>, status.<key>, ...), each key of
//   metadata.labels and metadata.annotations, metadata.ownerReferences and metadata.finalizers as wholes, and any
//   top-level field that is not an object as a whole. Values below that level are atomic: an apply replaces
//   spec.<key> entirely. Applying a field another manager owns with a different value is 409 Conflict (Status with
//   causes of type FieldManagerConflict naming the fields, and the real server's message: `Apply failed with 1
//   conflict: conflict with "kubectl" using v1 at <time>: .data.k`) unless force, which takes the
//   field over; the same value makes both managers owners. A field the manager applied before and omits now is
//   removed from the object unless another manager owns it. apply creates a missing object. Ownership is rendered
//   into metadata.managedFields (operation Apply, subresource "status" for applyStatus, FieldsV1). The intent must
//   carry apiVersion and kind matching the resource and metadata.name matching the URL (400 otherwise); a
//   metadata.resourceVersion in it is a precondition (409 when stale).
// - create and update record the fields they set or change as owned by the caller's name (operation Update), and
//   take them from other managers, as the real server does for non-apply writes; apply then conflicts with them.
// - delete: 404 when missing; an object with metadata.finalizers gets metadata.deletionTimestamp (MODIFIED) and is
//   removed (DELETED) by the write that empties its finalizers; otherwise removed at once. The answer is the object.
// - Errors are Status objects (kind Status, status Failure, message, reason, details, code) with the real messages.
//
// Test controls: connections named per caller (per-caller call logs and outages: a partitioned replica), call
// counts by verb and resource, outages (every call of the chosen callers answered 0 "no answer" or e.g. 503 until
// endOutage(); open watches of those callers end with an error), failNext() for single failures, a hook that runs
// before each call (to interleave a competing write deterministically), compact(), endAllWatches(), peek().
//
// What it does NOT model: schema validation, defaulting and CRD OpenAPI checks (any JSON is accepted); admission
// (webhooks, quotas); authentication and RBAC; namespaces as objects (any namespace exists); garbage collection
// (ownerReferences are stored, nothing is collected: assert owner references instead); pagination (list answers
// in one page and ignores ListOptions::limit; there are no continue tokens); resourceVersionMatch; list/watch from
// an exact older snapshot; server-side apply below the second level (no merge keys, no list-type maps/sets, no
// granular ownership inside spec.<key>), managedFields time-only changes, clients editing managedFields (ignored);
// strategic-merge and JSON patches; dry run; immutable fields (ConfigMap.immutable is stored, not enforced);
// request latency or timeouts (calls answer at once unless a hook blocks them); Events' TTL; the
// sendInitialEvents/initial-events-end bookmark; metadata.generation is set on every resource (the real server
// leaves it unset for some core types, e.g. ConfigMap). Bookmarks are off unless `bookmarkInterval` is set (the real
// server sends one about every minute).
//
// Thread-safe: any number of threads may call it; watch callbacks run on the watching thread, outside the double's
// lock, so they may call the double.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/kube/kube_client.h"
#include "operator/kube/resource_type.h"

namespace warden::op::testing {

enum class Verb { Get, List, Watch, Create, Update, Apply, ApplyStatus, Delete };
const char* verbName(Verb verb);
bool isWriteVerb(Verb verb);  // Create, Update, Apply, ApplyStatus, Delete

// One call as the double saw it.
struct CallRecord {
  Verb verb = Verb::Get;
  std::string caller;           // the connection's name ("default" for the double itself)
  std::string resource;         // plural, qualified by the group: "configmaps", "mcpservers.mcpwarden.io"
  std::string ns;
  std::string name;             // "" for list and watch
  std::string resourceVersion;  // list and watch: the version asked for
  int status = 0;               // the answer (watch: of the request)
};

// How a watch from a compacted resourceVersion is refused.
enum class GoneStyle {
  ErrorEvent,  // HTTP 200, then an ERROR event with a Status of code 410 (the watch cache's answer)
  HttpStatus,  // the watch request answered 410 (etcd-backed watches)
};

struct ApiServerDoubleOptions {
  std::chrono::milliseconds bookmarkInterval{0};  // 0: no periodic bookmarks
  std::chrono::milliseconds maxWatchDuration{0};  // > 0: caps every watch's timeoutSeconds
  GoneStyle goneStyle = GoneStyle::ErrorEvent;
  std::size_t historyLimit = 0;  // > 0: events kept for watches; older ones are compacted away automatically
  // Wall clock for creationTimestamp, deletionTimestamp and managedFields times; system_clock when empty.
  std::function<std::chrono::system_clock::time_point()> wallClock;
};

class ApiServerDouble final : public KubeClient {
 public:
  using Options = ApiServerDoubleOptions;
  using CallHook = std::function<void(const CallRecord& call)>;  // `status` is 0: not answered yet

  explicit ApiServerDouble(Options options = {});
  ~ApiServerDouble() override;  // ends open watches
  ApiServerDouble(const ApiServerDouble&) = delete;
  ApiServerDouble& operator=(const ApiServerDouble&) = delete;

  // KubeClient, as the caller "default".
  ApiResult get(const ResourceType& type, const std::string& ns, const std::string& name) override;
  ApiResult list(const ResourceType& type, const std::string& ns, const ListOptions& options) override;
  WatchResult watch(const ResourceType& type, const std::string& ns, const WatchOptions& options,
                    const std::function<bool(const WatchEvent&)>& onEvent, const std::atomic<bool>& stop) override;
  ApiResult apply(const ResourceType& type, const std::string& ns, const std::string& name,
                  const nlohmann::json& object, const std::string& fieldManager, bool force) override;
  ApiResult applyStatus(const ResourceType& type, const std::string& ns, const std::string& name,
                        const nlohmann::json& object, const std::string& fieldManager, bool force) override;
  ApiResult create(const ResourceType& type, const std::string& ns, const nlohmann::json& object) override;
  ApiResult update(const ResourceType& type, const std::string& ns, const std::string& name,
                   const nlohmann::json& object) override;
  ApiResult remove(const ResourceType& type, const std::string& ns, const std::string& name) override;

  // A client of this server named `caller`: its calls are logged under that name, outages can target it, and
  // its create/update writes are owned by the field manager `caller`. It keeps the server's state alive.
  KubeClientPtr connection(const std::string& caller);

  // --- Behaviour ---
  void setStatusSubresource(const ResourceType& type, bool enabled);
  // Forget the history up to the current version: watches from older versions get 410 Gone.
  void compact();
  // End every open watch cleanly (the server closes them, as when the API server restarts).
  void endAllWatches();
  // Until endOutage(): every call of `caller` ("" : of everyone) is answered with `status`: 0 means no answer
  // (connection refused), otherwise a Status (503 ServiceUnavailable, 500, 429, ...). Open watches of the
  // affected callers end with an error.
  void startOutage(int status = 0, const std::string& caller = "");
  void endOutage(const std::string& caller = "");  // "" : every outage
  // The next `times` calls with this verb (of any caller) are answered with `status` (0: no answer).
  void failNext(Verb verb, int status, std::size_t times = 1);
  // Runs at the start of every call, on the caller's thread, before the call is answered; not for calls made by
  // the hook itself (on the same thread). Lets a test interleave a competing write or block a call.
  void setBeforeCall(CallHook hook);

  // --- Observation (none of these is logged as a call) ---
  std::vector<CallRecord> calls() const;
  std::size_t callCount(Verb verb) const;
  std::size_t callCount(Verb verb, const ResourceType& type) const;
  std::size_t writeCount() const;  // write calls, whether or not they changed anything
  void resetCalls();
  std::string resourceVersion() const;  // the current one
  std::optional<nlohmann::json> peek(const ResourceType& type, const std::string& ns, const std::string& name) const;
  std::vector<nlohmann::json> peekAll(const ResourceType& type, const std::string& ns = "") const;
  std::size_t openWatches() const;
  // Blocks until at least `count` watches are open (true) or the timeout passes (false).
  bool waitForOpenWatches(std::size_t count, std::chrono::milliseconds timeout) const;

  class Core;  // the shared state, in the .cpp

 private:
  std::shared_ptr<Core> core_;
};

using ApiServerDoublePtr = std::shared_ptr<ApiServerDouble>;

}  // namespace warden::op::testing
