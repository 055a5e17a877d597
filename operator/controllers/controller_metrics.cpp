#include "operator/controllers/controller_metrics.h"

namespace warden::op {
namespace {

// Reconciles run from a millisecond (nothing to do) to seconds (API retries): 1ms .. 30s.
std::vector<double> reconcileBuckets() { return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}; }

}  // namespace

ControllerMetrics::ControllerMetrics(sidecar::MetricsRegistry& registry)
    : reconciles(registry.counterFamily("warden_operator_reconcile_total", "Reconciles by controller and result",
                                        {"controller", "result"})),
      durations(registry.histogramFamily("warden_operator_reconcile_duration_seconds",
                                         "Time taken by one reconcile", {"controller"}, reconcileBuckets())),
      writes(registry.counterFamily("warden_operator_reconcile_writes_total",
                                    "API writes made by reconciles (zero while nothing changes)", {"controller"})),
      queueDepth(registry.gaugeFamily("warden_operator_workqueue_depth", "Keys waiting to be reconciled",
                                      {"controller"})) {}

}  // namespace warden::op
