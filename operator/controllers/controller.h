#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "operator/controllers/controller_metrics.h"
#include "operator/controllers/reconcile_result.h"
#include "operator/controllers/work_queue.h"

namespace warden::op {

struct ControllerOptions {
  std::string name;  // the `controller` label of its metrics and logs: "mcpserver", "toolpolicy"
  int workers = 2;
  WorkQueueOptions queue;
};

// A work queue and the threads that drain it with one reconcile function (kubebuilder's controller): a key is
// reconciled by one worker at a time; a failed reconcile is retried with per-key backoff, a successful one
// forgets the backoff and is looked at again after requeueAfter when it asks. A reconcile that throws counts as
// failed (the worker goes on). One run: start() once, stop() ends it (the leader loses its lease: a new
// Controller is made when it leads again).
class Controller {
 public:
  using Reconcile = std::function<ReconcileResult(const std::string& key)>;

  Controller(ControllerOptions options, Reconcile reconcile, ControllerMetrics& metrics);
  ~Controller();  // stops
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  void start();
  // Stops handing out keys at once; returns when the reconciles in flight have ended.
  void stop();
  void enqueue(const std::string& key);
  std::size_t depth() const { return queue_.depth(); }
  const std::string& name() const { return options_.name; }

 private:
  void work();

  ControllerOptions options_;
  Reconcile reconcile_;
  ControllerMetrics& metrics_;
  WorkQueue queue_;
  std::vector<std::thread> workers_;
  std::atomic<bool> started_{false};
};

}  // namespace warden::op
