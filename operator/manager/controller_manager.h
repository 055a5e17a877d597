#pragma once

// Wires the operator together (kubebuilder's manager): informers for every type the reconcilers read, the
// McpServer and ToolPolicy controllers, and the mapping from watch events to work-queue keys. Informers run on
// every replica (a standby has warm caches); controllers run only while this replica leads.

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "operator/controllers/controller.h"
#include "operator/controllers/event_recorder.h"
#include "operator/controllers/mcpserver_reconciler.h"
#include "operator/controllers/toolpolicy_reconciler.h"
#include "operator/kube/informer.h"
#include "operator/kube/kube_client.h"
#include "operator/manager/informer_reader.h"
#include "policy/compiler.h"
#include "sidecar/metrics/metrics.h"

namespace warden::op {

struct ControllerManagerOptions {
  std::string watchNamespace;  // "" : all namespaces
  int workers = 2;
  std::chrono::milliseconds resyncPeriod{600'000};
  policy::CompileOptions compile;
  std::string reportingInstance;  // the pod name in Events
  // Informer backoffs and watch length (tests shorten them).
  std::chrono::milliseconds informerInitialBackoff{200};
  std::chrono::milliseconds informerMaxBackoff{30'000};
  int watchTimeoutSeconds = 300;
  WorkQueueOptions queue;
};

class ControllerManager {
 public:
  ControllerManager(KubeClientPtr client, ControllerManagerOptions options, sidecar::MetricsRegistry& registry);
  ~ControllerManager();  // stops everything
  ControllerManager(const ControllerManager&) = delete;
  ControllerManager& operator=(const ControllerManager&) = delete;

  void startInformers();
  bool waitForSync(std::chrono::milliseconds timeout) const;
  bool synced() const;

  // Leadership: start makes fresh controllers and queues every cached MCPServer and ToolPolicy (level-triggered:
  // the new leader looks at everything); stop ends them at once. Both idempotent; safe from the elector's thread.
  void startControllers();
  void stopControllers();
  bool controllersRunning() const;

  void stop();  // controllers, then informers

  // Updates the gauges read from informers and queues; call before rendering /metrics.
  void refreshMetrics();
  // Why this replica is not ready: caches not synced yet. Empty when ready.
  std::vector<std::string> notReadyReasons() const;

  const ObjectReader& reader() const { return reader_; }

 private:
  void wireHandlers();
  void enqueueServer(const std::string& key);
  void enqueuePolicy(const std::string& key);
  void onChild(const InformerEvent& event, const char* suffix);

  KubeClientPtr client_;
  ControllerManagerOptions options_;
  sidecar::MetricsRegistry& registry_;
  ControllerMetrics controllerMetrics_;
  std::vector<std::unique_ptr<Informer>> informers_;  // servers, policies, configmaps, services, networkpolicies
  InformerReader reader_;
  EventRecorder events_;
  McpServerReconciler serverReconciler_;
  ToolPolicyReconciler policyReconciler_;

  mutable std::mutex mu_;  // guards the controllers (started and stopped by the elector's thread)
  std::unique_ptr<Controller> serverController_;
  std::unique_ptr<Controller> policyController_;
};

}  // namespace warden::op
