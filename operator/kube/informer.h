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
class Informer {
 public:
  using Handler = std::function<void(const InformerEvent&)>;

  Informer(KubeClientPtr client, ResourceType type, InformerOptions options);
  ~Informer();  // stops
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  void addHandler(Handler handler);  // before start()
  void start();
  void stop();

  bool hasSynced() const;
  bool waitForSync(std::chrono::milliseconds timeout) const;

  std::optional<nlohmann::json> get(const std::string& ns, const std::string& name) const;
  std::vector<nlohmann::json> list(const std::string& ns = "") const;

  // For metrics and tests.
  std::uint64_t watchRestarts() const;
  std::uint64_t relists() const;
  const ResourceType& type() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// "namespace/name" of an object (or "name" for cluster-scoped ones).
std::string objectKey(const nlohmann::json& object);

}  // namespace warden::op
