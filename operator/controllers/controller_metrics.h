#pragma once

#include <string>

#include "sidecar/metrics/metrics.h"

namespace warden::op {

// The per-controller metric families (registered once per registry; children per controller name).
struct ControllerMetrics {
  explicit ControllerMetrics(sidecar::MetricsRegistry& registry);

  sidecar::CounterFamily& reconciles;        // {controller, result="success"|"error"}
  sidecar::HistogramFamily& durations;       // {controller}
  sidecar::CounterFamily& writes;            // {controller}: API writes made by reconciles
  sidecar::GaugeFamily& queueDepth;          // {controller}
};

}  // namespace warden::op
