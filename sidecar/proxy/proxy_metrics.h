#pragma once

#include <string_view>

#include "sidecar/metrics/metrics.h"

namespace warden::sidecar {

// The sidecar's own metrics (design D6), resolved once so the hot path only touches atomics. Label values that
// callers choose (tool names) are bounded by the registry's per-family cardinality cap. Thread-safe.
class ProxyMetrics {
 public:
  explicit ProxyMetrics(MetricsRegistry& registry);

  void decision(std::string_view method, std::string_view target, std::string_view decision, std::string_view code);
  void decisionLatency(double seconds);
  void requestCompleted(std::string_view httpMethod, unsigned status, double seconds);
  void upstreamError(std::string_view kind);
  void handshakeFailure(std::string_view reason);
  void connectionOpened();
  void connectionClosed();
  void receiptFailure();
  void receiptSync();
  void svidUpdated(double notAfterUnixSeconds);
  void policyLoad(std::string_view outcome);

 private:
  CounterFamily& decisions_;
  Histogram& decisionLatency_;
  HistogramFamily& requestLatency_;
  CounterFamily& requests_;
  CounterFamily& upstreamErrors_;
  CounterFamily& handshakeFailures_;
  Gauge& connections_;
  Counter& receiptFailures_;
  Counter& receiptSyncs_;
  Gauge& svidExpiry_;
  Counter& svidRotations_;
  CounterFamily& policyLoads_;
};

}  // namespace warden::sidecar
