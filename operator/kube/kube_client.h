#pragma once

// The operator's view of the Kubernetes API: a narrow interface, so that controllers can be tested against an
// in-memory double and run against the real API server through the HTTP client (kube/http_kube_client.h).

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "operator/kube/resource_type.h"

namespace warden::op {

// The outcome of one API call. For errors, `body` is the API's Status object when it sent one.
struct ApiResult {
  int status = 0;          // HTTP status; 0: no answer (connection failure, timeout)
  nlohmann::json body;     // the object, list or Status
  std::string error;       // transport error or the Status message
  bool ok() const { return status >= 200 && status < 300; }
  bool notFound() const { return status == 404; }
  bool conflict() const { return status == 409; }
  bool gone() const { return status == 410; }
};

struct ListOptions {
  std::string labelSelector;
  std::string fieldSelector;
  std::string resourceVersion;  // "" : most recent (quorum read)
  int limit = 500;              // pages of this size (continue tokens followed by list())
};

struct WatchOptions {
  std::string resourceVersion;  // start after this version
  bool allowBookmarks = true;
  int timeoutSeconds = 300;     // the server ends the watch after this; informers re-watch
  std::string labelSelector;
};

struct WatchEvent {
  std::string type;  // ADDED, MODIFIED, DELETED, BOOKMARK, ERROR
  nlohmann::json object;
};

struct WatchResult {
  int status = 0;                  // of the watch request
  bool gone = false;               // 410 (at the start or as an ERROR event): the version is too old, relist
  std::string error;
  std::string lastResourceVersion;  // of the last event seen (bookmarks included)
};

// Thread-safe: one client serves every informer, controller and the leader elector.
class KubeClient {
 public:
  virtual ~KubeClient() = default;

  virtual ApiResult get(const ResourceType& type, const std::string& ns, const std::string& name) = 0;
  // All pages; `body` is a List with every item (each with apiVersion and kind set) and metadata.resourceVersion.
  virtual ApiResult list(const ResourceType& type, const std::string& ns, const ListOptions& options) = 0;
  // The same, a page at a time, for a caller that keeps the items as they come (an informer's list: only one page
  // is ever held twice, parsed and kept). `onPage` gets each page's items (an array; apiVersion and kind set) to
  // take over; the answer's body is the List without items. An error answer may come after pages were delivered:
  // the caller discards them. This default delivers list()'s items as one page.
  virtual ApiResult listPages(const ResourceType& type, const std::string& ns, const ListOptions& options,
                              const std::function<void(nlohmann::json& items)>& onPage) {
    ApiResult result = list(type, ns, options);
    if (!result.ok() || !result.body.is_object()) return result;
    auto items = result.body.find("items");
    if (items == result.body.end()) return result;
    if (!items->is_array() && !items->is_null()) return ApiResult{0, nullptr, "the list answer's items is not an array"};
    if (items->is_array()) onPage(*items);
    result.body.erase(items);
    return result;
  }
  // Streams events until the server closes the watch, `stop` becomes true, or onEvent returns false. Never throws.
  virtual WatchResult watch(const ResourceType& type, const std::string& ns, const WatchOptions& options,
                            const std::function<bool(const WatchEvent&)>& onEvent, const std::atomic<bool>& stop) = 0;
  // Server-side apply (PATCH application/apply-patch+yaml) of `object` (a full intent: apiVersion, kind, metadata
  // name/namespace and the fields this manager owns) with fieldManager; force takes over conflicting fields.
  virtual ApiResult apply(const ResourceType& type, const std::string& ns, const std::string& name,
                          const nlohmann::json& object, const std::string& fieldManager, bool force) = 0;
  // The same against the status subresource.
  virtual ApiResult applyStatus(const ResourceType& type, const std::string& ns, const std::string& name,
                                const nlohmann::json& object, const std::string& fieldManager, bool force) = 0;
  virtual ApiResult create(const ResourceType& type, const std::string& ns, const nlohmann::json& object) = 0;
  // PUT; a stale metadata.resourceVersion gives 409 Conflict.
  virtual ApiResult update(const ResourceType& type, const std::string& ns, const std::string& name,
                           const nlohmann::json& object) = 0;
  virtual ApiResult remove(const ResourceType& type, const std::string& ns, const std::string& name) = 0;
  // GET of a path outside the resource API (e.g. "/version"). Clients that cannot answer it say so.
  virtual ApiResult getPath(const std::string& path) {
    return ApiResult{0, nullptr, "GET " + path + " is not supported by this client"};
  }
};

using KubeClientPtr = std::shared_ptr<KubeClient>;

}  // namespace warden::op
