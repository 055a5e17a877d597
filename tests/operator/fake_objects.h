#pragma once

// Test doubles for the reconcilers: an in-memory object store that is both the informers' cache (ObjectReader)
// and, through RecordingKubeClient, the API server the reconcilers write to, so a write is visible to the next
// reconcile as it would be once the informer caught up. The client records every call and can be told to fail.
//
// Not the API server: server-side apply is modelled as "the intent's fields replace the object's" (maps merged
// key by key, lists replaced and owned whole), and the applier's field set is recorded in managedFields (fieldsV1)
// so that fields it applied before and leaves out now are removed, as the API server does; other managers'
// ownership is not modelled. Status applies replace the status.
// The server's defaults the reconcilers must tolerate are added: uid, resourceVersion (bumped only on a real
// change), creationTimestamp, managedFields, generation (bumped on spec changes), a Service's type, clusterIP(s),
// sessionAffinity, ipFamilies, internalTrafficPolicy and port protocol/targetPort, a NetworkPolicy port's
// protocol.

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/controllers/object_reader.h"
#include "operator/kube/kube_client.h"
#include "operator/kube/resource_type.h"

namespace warden::op::testing {

class FakeStore : public ObjectReader {
 public:
  // Snapshots: the store's objects change with every write, the cache's are immutable.
  ObjectPtr get(const ResourceType& type, const std::string& ns, const std::string& name) const override {
    std::lock_guard lock(mu_);
    auto it = objects_.find({type.plural, ns, name});
    if (it == objects_.end()) return nullptr;
    return std::make_shared<const nlohmann::json>(it->second);
  }

  std::vector<ObjectPtr> list(const ResourceType& type, const std::string& ns) const override {
    std::lock_guard lock(mu_);
    std::vector<ObjectPtr> out;
    for (const auto& [key, object] : objects_) {
      if (std::get<0>(key) == type.plural && (ns.empty() || std::get<1>(key) == ns)) {
        out.push_back(std::make_shared<const nlohmann::json>(object));
      }
    }
    return out;
  }

  // Stores `object` as a user's write would (kubectl apply): server-filled metadata added, generation bumped when
  // the spec changed. Returns the stored object.
  nlohmann::json put(const ResourceType& type, nlohmann::json object) {
    std::lock_guard lock(mu_);
    return putLocked(type, std::move(object));
  }

  bool remove(const ResourceType& type, const std::string& ns, const std::string& name) {
    std::lock_guard lock(mu_);
    return objects_.erase({type.plural, ns, name}) != 0;
  }

  std::size_t count(const ResourceType& type) const {
    std::lock_guard lock(mu_);
    std::size_t n = 0;
    for (const auto& [key, object] : objects_) n += std::get<0>(key) == type.plural ? 1 : 0;
    return n;
  }

  // Server-side apply as modelled (see above). `status`: apply to the status subresource.
  ApiResult apply(const ResourceType& type, const std::string& ns, const std::string& name,
                  const nlohmann::json& intent, bool status, const std::string& fieldManager) {
    std::lock_guard lock(mu_);
    auto it = objects_.find({type.plural, ns, name});
    if (status) {
      if (it == objects_.end()) return {404, {}, "not found"};
      nlohmann::json next = it->second;
      next["status"] = intent.value("status", nlohmann::json::object());
      return {200, storeLocked(type, it->second, std::move(next)), {}};
    }
    nlohmann::json next = it == objects_.end() ? nlohmann::json::object() : it->second;
    for (const auto& [key, value] : intent.items()) {
      if (key == "status") continue;
      mergeInto(next[key], value);
    }
    // The fields this manager applied before and leaves out now are removed; its field set is the new intent's.
    const nlohmann::json newSet = intentFieldSet(intent);
    auto& managed = next["metadata"]["managedFields"];
    if (!managed.is_array()) managed = nlohmann::json::array();
    bool recorded = false;
    for (auto& entry : managed) {
      if (entry.value("manager", "") != fieldManager || entry.value("operation", "") != "Apply") continue;
      removeDropped(next, entry.value("fieldsV1", nlohmann::json::object()), newSet);
      entry["fieldsV1"] = newSet;
      recorded = true;
    }
    if (!recorded) {
      managed.push_back({{"manager", fieldManager},
                         {"operation", "Apply"},
                         {"apiVersion", type.apiVersion()},
                         {"fieldsType", "FieldsV1"},
                         {"fieldsV1", newSet}});
    }
    next["metadata"]["name"] = name;
    next["metadata"]["namespace"] = ns;
    if (it == objects_.end()) return {201, putLocked(type, std::move(next)), {}};
    return {200, storeLocked(type, it->second, std::move(next), false), {}};
  }

  ApiResult create(const ResourceType& type, const std::string& ns, nlohmann::json object) {
    std::lock_guard lock(mu_);
    const std::string name = object["metadata"].value("name", "");
    if (objects_.count({type.plural, ns, name}) != 0) return {409, {}, "already exists"};
    object["metadata"]["namespace"] = ns;
    return {201, putLocked(type, std::move(object)), {}};
  }

 private:
  using Key = std::tuple<std::string, std::string, std::string>;  // plural, namespace, name

  static void mergeInto(nlohmann::json& target, const nlohmann::json& value) {
    if (value.is_object() && target.is_object()) {
      for (const auto& [k, v] : value.items()) mergeInto(target[k], v);
    } else {
      target = value;
    }
  }

  // fieldsV1 of a value: maps field by field, everything else (lists included) owned whole.
  static nlohmann::json fieldSet(const nlohmann::json& value) {
    nlohmann::json out = nlohmann::json::object();
    if (!value.is_object()) return out;
    for (const auto& [key, child] : value.items()) out["f:" + key] = fieldSet(child);
    return out;
  }
  // The API server records neither apiVersion and kind nor the object's name and namespace.
  static nlohmann::json intentFieldSet(const nlohmann::json& intent) {
    nlohmann::json set = fieldSet(intent);
    set.erase("f:apiVersion");
    set.erase("f:kind");
    set.erase("f:status");
    if (set.contains("f:metadata")) {
      set["f:metadata"].erase("f:name");
      set["f:metadata"].erase("f:namespace");
      if (set["f:metadata"].empty()) set.erase("f:metadata");
    }
    return set;
  }
  // Removes from `object` the fields of `oldSet` that `newSet` does not have.
  static void removeDropped(nlohmann::json& object, const nlohmann::json& oldSet, const nlohmann::json& newSet) {
    if (!object.is_object() || !oldSet.is_object()) return;
    for (const auto& [key, children] : oldSet.items()) {
      if (key.rfind("f:", 0) != 0) continue;
      const std::string field = key.substr(2);
      auto kept = newSet.find(key);
      if (kept == newSet.end()) {
        object.erase(field);
      } else if (auto child = object.find(field); child != object.end()) {
        removeDropped(*child, children, *kept);
      }
    }
  }

  static void addDefaults(const ResourceType& type, nlohmann::json& object) {
    if (type.kind == "Service") {
      auto& spec = object["spec"];
      if (!spec.contains("type")) spec["type"] = "ClusterIP";
      if (!spec.contains("clusterIP")) {
        spec["clusterIP"] = "10.96.12.34";
        spec["clusterIPs"] = {"10.96.12.34"};
      }
      if (!spec.contains("sessionAffinity")) spec["sessionAffinity"] = "None";
      if (!spec.contains("ipFamilies")) spec["ipFamilies"] = {"IPv4"};
      if (!spec.contains("ipFamilyPolicy")) spec["ipFamilyPolicy"] = "SingleStack";
      if (!spec.contains("internalTrafficPolicy")) spec["internalTrafficPolicy"] = "Cluster";
      if (spec.contains("ports")) {
        for (auto& port : spec["ports"]) {
          if (!port.contains("protocol")) port["protocol"] = "TCP";
          if (!port.contains("targetPort")) port["targetPort"] = port["port"];
        }
      }
    } else if (type.kind == "NetworkPolicy" && object.contains("spec") && object["spec"].contains("ingress")) {
      for (auto& rule : object["spec"]["ingress"]) {
        if (!rule.contains("ports")) continue;
        for (auto& port : rule["ports"]) {
          if (!port.contains("protocol")) port["protocol"] = "TCP";
        }
      }
    }
  }

  nlohmann::json putLocked(const ResourceType& type, nlohmann::json object) {
    auto& metadata = object["metadata"];
    if (!metadata.contains("namespace")) metadata["namespace"] = "default";
    const Key key{type.plural, metadata.value("namespace", ""), metadata.value("name", "")};
    object["apiVersion"] = type.apiVersion();
    object["kind"] = type.kind;
    auto it = objects_.find(key);
    if (it != objects_.end()) return storeLocked(type, it->second, std::move(object));
    if (!metadata.contains("uid")) metadata["uid"] = "uid-" + type.plural + "-" + std::get<2>(key);
    metadata["creationTimestamp"] = "2026-01-01T00:00:00Z";
    metadata["generation"] = 1;
    metadata["resourceVersion"] = std::to_string(++resourceVersion_);
    if (!metadata.contains("managedFields")) {
      metadata["managedFields"] = nlohmann::json::array({{{"manager", "test"}, {"operation", "Apply"}}});
    }
    addDefaults(type, object);
    objects_[key] = object;
    return object;
  }

  // Replaces `current` with `next`, keeping server-owned metadata (managedFields too unless an apply set them);
  // bumps resourceVersion only on a change.
  nlohmann::json storeLocked(const ResourceType& type, nlohmann::json& current, nlohmann::json next,
                             bool keepManagedFields = true) {
    auto& metadata = next["metadata"];
    for (const char* key : {"uid", "creationTimestamp", "generation", "resourceVersion", "managedFields"}) {
      if (!keepManagedFields && std::string_view(key) == "managedFields") continue;
      if (current["metadata"].contains(key)) metadata[key] = current["metadata"][key];
    }
    next["apiVersion"] = type.apiVersion();
    next["kind"] = type.kind;
    addDefaults(type, next);
    if (next == current) return current;
    if (next.value("spec", nlohmann::json()) != current.value("spec", nlohmann::json())) {
      metadata["generation"] = current["metadata"].value("generation", 0) + 1;
    }
    metadata["resourceVersion"] = std::to_string(++resourceVersion_);
    current = std::move(next);
    return current;
  }

  mutable std::mutex mu_;
  std::map<Key, nlohmann::json> objects_;
  long resourceVersion_ = 100;
};

// A KubeClient over a FakeStore that records every call with its answer's status; fail() makes the next calls of a
// verb on a resource answer with an error status instead.
class RecordingKubeClient : public KubeClient {
 public:
  struct Call {
    std::string verb;  // get, list, watch, apply, applyStatus, create, update, remove
    std::string plural;
    std::string ns;
    std::string name;
    nlohmann::json object;
    std::string fieldManager;
    bool force = false;
    int status = 0;  // the answer's HTTP status (0: none)
  };

  explicit RecordingKubeClient(FakeStore& store) : store_(store) {}

  // The next `times` calls of `verb` on `plural` answer `status` (0: no answer).
  void fail(const std::string& verb, const std::string& plural, int status, int times = 1) {
    std::lock_guard lock(mu_);
    failures_[{verb, plural}] = {status, times};
  }

  std::vector<Call> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  void clearCalls() {
    std::lock_guard lock(mu_);
    calls_.clear();
  }
  // The write calls (everything but get, list and watch) the API accepted, in order.
  std::vector<Call> writes() const {
    std::vector<Call> out;
    for (auto& c : writeAttempts()) {
      if (c.status >= 200 && c.status < 300) out.push_back(std::move(c));
    }
    return out;
  }
  // Every write call, refused ones included.
  std::vector<Call> writeAttempts() const {
    std::vector<Call> out;
    for (auto& c : calls()) {
      if (c.verb != "get" && c.verb != "list" && c.verb != "watch") out.push_back(std::move(c));
    }
    return out;
  }

  ApiResult get(const ResourceType& type, const std::string& ns, const std::string& name) override {
    return answer({"get", type.plural, ns, name, {}, {}, false, 0}, [&]() -> ApiResult {
      auto object = store_.get(type, ns, name);
      if (!object) return {404, {}, "not found"};
      return {200, *object, {}};
    });
  }
  ApiResult list(const ResourceType& type, const std::string& ns, const ListOptions&) override {
    return answer({"list", type.plural, ns, "", {}, {}, false, 0}, [&]() -> ApiResult {
      nlohmann::json items = nlohmann::json::array();
      for (const auto& object : store_.list(type, ns)) items.push_back(*object);
      return {200, {{"kind", type.kind + "List"}, {"items", items}, {"metadata", {{"resourceVersion", "1"}}}}, {}};
    });
  }
  WatchResult watch(const ResourceType& type, const std::string& ns, const WatchOptions&,
                    const std::function<bool(const WatchEvent&)>&, const std::atomic<bool>&) override {
    answer({"watch", type.plural, ns, "", {}, {}, false, 0}, [] { return ApiResult{501, {}, "no watch"}; });
    return {501, false, "the recording client does not watch", ""};
  }
  ApiResult apply(const ResourceType& type, const std::string& ns, const std::string& name,
                  const nlohmann::json& object, const std::string& fieldManager, bool force) override {
    return answer({"apply", type.plural, ns, name, object, fieldManager, force, 0},
                  [&] { return store_.apply(type, ns, name, object, false, fieldManager); });
  }
  ApiResult applyStatus(const ResourceType& type, const std::string& ns, const std::string& name,
                        const nlohmann::json& object, const std::string& fieldManager, bool force) override {
    return answer({"applyStatus", type.plural, ns, name, object, fieldManager, force, 0},
                  [&] { return store_.apply(type, ns, name, object, true, fieldManager); });
  }
  ApiResult create(const ResourceType& type, const std::string& ns, const nlohmann::json& object) override {
    const std::string name = object.contains("metadata") ? object["metadata"].value("name", "") : "";
    return answer({"create", type.plural, ns, name, object, {}, false, 0},
                  [&] { return store_.create(type, ns, object); });
  }
  ApiResult update(const ResourceType& type, const std::string& ns, const std::string& name,
                   const nlohmann::json& object) override {
    return answer({"update", type.plural, ns, name, object, {}, false, 0},
                  [] { return ApiResult{405, {}, "the recording client does not update"}; });
  }
  ApiResult remove(const ResourceType& type, const std::string& ns, const std::string& name) override {
    return answer({"remove", type.plural, ns, name, {}, {}, false, 0}, [&] {
      return store_.remove(type, ns, name) ? ApiResult{200, {}, {}} : ApiResult{404, {}, "not found"};
    });
  }

 private:
  // Records the call, then answers it: with an injected failure if one is due, else from the store.
  template <typename Perform>
  ApiResult answer(Call call, Perform perform) {
    std::optional<ApiResult> injected;
    {
      std::lock_guard lock(mu_);
      auto it = failures_.find({call.verb, call.plural});
      if (it != failures_.end() && it->second.second > 0) {
        --it->second.second;
        injected = ApiResult{it->second.first, {}, "injected failure"};
      }
    }
    ApiResult result = injected ? *injected : perform();
    call.status = result.status;
    std::lock_guard lock(mu_);
    calls_.push_back(std::move(call));
    return result;
  }

  FakeStore& store_;
  mutable std::mutex mu_;
  std::vector<Call> calls_;
  std::map<std::pair<std::string, std::string>, std::pair<int, int>> failures_;
};

}  // namespace warden::op::testing
