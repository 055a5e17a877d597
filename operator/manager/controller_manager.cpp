#include "operator/manager/controller_manager.h"

#include <string_view>

#include "operator/controllers/desired_objects.h"
#include "operator/controllers/managed_fields.h"
#include "operator/controllers/reconcile_key.h"
#include "operator/controllers/toolpolicy_target.h"
#include "sidecar/common/logging.h"

namespace warden::op {
namespace {

std::string nsOf(const nlohmann::json& object) {
  auto ns = object.value("/metadata/namespace"_json_pointer, std::string());
  return ns;
}
std::string nameOf(const nlohmann::json& object) {
  return object.value("/metadata/name"_json_pointer, std::string());
}

}  // namespace

ControllerManager::ControllerManager(KubeClientPtr client, ControllerManagerOptions options,
                                     sidecar::MetricsRegistry& registry)
    : client_(std::move(client)),
      options_(std::move(options)),
      registry_(registry),
      controllerMetrics_(registry),
      events_(client_, EventRecorderOptions{.reportingInstance = options_.reportingInstance}),
      serverReconciler_(client_, reader_, events_, McpServerReconcilerOptions{.compile = options_.compile}),
      policyReconciler_(client_, reader_, ToolPolicyReconcilerOptions{}) {
  // Every type a reconciler reads has an informer. Children are watched without a label selector: a Service or
  // ConfigMap of the child's name that is not ours must be seen to be reported (and never taken over).
  // Cached objects keep only the managedFields the reconcilers read: the operator's own entries of its children
  // (appliedFieldsDropped; compacted), none of MCPServers and ToolPolicies; the rest is a large part of their size. The
  // ToolPolicies are indexed by target: a reconcile reads its server's few policies, not the namespace's thousands.
  auto make = [&](const ResourceType& type, bool resync, TransformFunc transform,
                  std::map<std::string, IndexFunc> indexers = {}) {
    InformerOptions o;
    o.ns = options_.watchNamespace;
    o.initialBackoff = options_.informerInitialBackoff;
    o.maxBackoff = options_.informerMaxBackoff;
    o.watchTimeoutSeconds = options_.watchTimeoutSeconds;
    if (resync) o.resyncPeriod = options_.resyncPeriod;
    o.transform = std::move(transform);
    o.indexers = std::move(indexers);
    informers_.push_back(std::make_unique<Informer>(client_, type, o));
    reader_.add(*informers_.back());
  };
  const auto child = [](nlohmann::json& object) { compactOwnManagedFields(object, kFieldManager); };
  make(resources::mcpServers(), true, dropManagedFields);
  make(resources::toolPolicies(), true, dropManagedFields, {{kToolPolicyTargetIndex, toolPolicyTargetIndexValues}});
  make(resources::configMaps(), false, child);
  make(resources::services(), false, child);
  make(resources::networkPolicies(), false, child);
  wireHandlers();
}

ControllerManager::~ControllerManager() { stop(); }

void ControllerManager::wireHandlers() {
  Informer& servers = *informers_[0];
  Informer& policies = *informers_[1];
  servers.addHandler([this](const InformerEvent& e) {
    enqueueServer(objectKey(*e.object));
    // A server appearing or going changes its policies' Accepted (TargetNotFound).
    for (const auto& key : ToolPolicyReconciler::keysForMCPServer(reader_, *e.object)) enqueuePolicy(key);
  });
  policies.addHandler([this](const InformerEvent& e) {
    enqueuePolicy(objectKey(*e.object));
    const nlohmann::json none;
    const nlohmann::json& old = e.oldObject ? *e.oldObject : none;
    for (const auto& key : McpServerReconciler::keysForToolPolicy(*e.object, old)) enqueueServer(key);
  });
  informers_[2]->addHandler([this](const InformerEvent& e) { onChild(e, "-warden-policy"); });
  informers_[3]->addHandler([this](const InformerEvent& e) { onChild(e, ""); });
  informers_[4]->addHandler([this](const InformerEvent& e) { onChild(e, "-warden"); });
}

// A child changed: its owner reconciles (someone edited or deleted what we publish). A same-named object that is
// not ours (or no longer ours) concerns the MCPServer whose child name it takes.
void ControllerManager::onChild(const InformerEvent& e, const char* suffix) {
  for (const nlohmann::json* object : {e.object.get(), e.oldObject.get()}) {
    if (object == nullptr || !object->is_object()) continue;
    if (auto key = McpServerReconciler::keyForChild(*object)) {
      enqueueServer(*key);
      continue;
    }
    std::string name = nameOf(*object);
    std::string_view s(suffix);
    if (name.size() <= s.size() || name.compare(name.size() - s.size(), s.size(), s) != 0) continue;
    name.resize(name.size() - s.size());
    const std::string ns = nsOf(*object);
    if (reader_.get(resources::mcpServers(), ns, name)) enqueueServer(makeKey(ns, name));
  }
}

void ControllerManager::enqueueServer(const std::string& key) {
  std::lock_guard lock(mu_);
  if (serverController_) serverController_->enqueue(key);
}

void ControllerManager::enqueuePolicy(const std::string& key) {
  std::lock_guard lock(mu_);
  if (policyController_) policyController_->enqueue(key);
}

void ControllerManager::startInformers() {
  for (auto& informer : informers_) informer->start();
}

bool ControllerManager::waitForSync(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (const auto& informer : informers_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() < 0 || !informer->waitForSync(left)) return false;
  }
  return true;
}

bool ControllerManager::synced() const {
  for (const auto& informer : informers_)
    if (!informer->hasSynced()) return false;
  return true;
}

void ControllerManager::startControllers() {
  std::unique_lock lock(mu_);
  if (serverController_) return;
  auto server = std::make_unique<Controller>(
      ControllerOptions{"mcpserver", options_.workers, options_.queue},
      [this](const std::string& key) { return serverReconciler_.reconcile(key); }, controllerMetrics_);
  auto policy = std::make_unique<Controller>(
      ControllerOptions{"toolpolicy", options_.workers, options_.queue},
      [this](const std::string& key) { return policyReconciler_.reconcile(key); }, controllerMetrics_);
  // Everything cached is looked at once: events seen while not leading were not queued.
  for (const auto& object : reader_.list(resources::mcpServers(), options_.watchNamespace))
    server->enqueue(objectKey(*object));
  for (const auto& object : reader_.list(resources::toolPolicies(), options_.watchNamespace))
    policy->enqueue(objectKey(*object));
  server->start();
  policy->start();
  serverController_ = std::move(server);
  policyController_ = std::move(policy);
  lock.unlock();
  sidecar::logInfo("controllers started");
}

void ControllerManager::stopControllers() {
  std::unique_ptr<Controller> server, policy;
  {
    std::lock_guard lock(mu_);
    server = std::move(serverController_);
    policy = std::move(policyController_);
  }
  if (!server && !policy) return;
  // Outside the lock: stopping waits for reconciles in flight, and informer handlers must not wait for that.
  if (server) server->stop();
  if (policy) policy->stop();
  sidecar::logInfo("controllers stopped");
}

bool ControllerManager::controllersRunning() const {
  std::lock_guard lock(mu_);
  return serverController_ != nullptr;
}

void ControllerManager::stop() {
  stopControllers();
  for (auto& informer : informers_) informer->stop();
}

void ControllerManager::refreshMetrics() {
  auto& restarts = registry_.counterFamily("warden_operator_watch_restarts_total",
                                           "Watches reopened after the first one, by resource", {"resource"});
  auto& relists = registry_.counterFamily("warden_operator_relists_total",
                                          "Full relists after the first list (410 Gone, unreadable events)",
                                          {"resource"});
  auto& eventsFamily = registry_.counterFamily("warden_operator_events_total", "Kubernetes Events by outcome",
                                               {"outcome"});
  auto catchUp = [](sidecar::Counter& counter, std::uint64_t now) {
    if (now > counter.value()) counter.inc(now - counter.value());
  };
  for (const auto& informer : informers_) {
    const std::string& plural = informer->type().plural;
    // The informers count; the counters catch up to them (both only grow).
    catchUp(restarts.with({plural}), informer->watchRestarts());
    catchUp(relists.with({plural}), informer->relists());
  }
  catchUp(eventsFamily.with({"created"}), events_.createdCount());
  catchUp(eventsFamily.with({"deduplicated"}), events_.deduplicatedCount());
  catchUp(eventsFamily.with({"failed"}), events_.failedCount());
  std::lock_guard lock(mu_);
  for (const auto* c : {serverController_.get(), policyController_.get()})
    if (c) controllerMetrics_.queueDepth.with({c->name()}).set(static_cast<double>(c->depth()));
}

std::vector<std::string> ControllerManager::notReadyReasons() const {
  std::vector<std::string> reasons;
  for (const auto& informer : informers_)
    if (!informer->hasSynced()) reasons.push_back(informer->type().plural + " cache not synced");
  return reasons;
}

}  // namespace warden::op
