#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sidecar/metrics/counter.h"
#include "sidecar/metrics/gauge.h"
#include "sidecar/metrics/histogram.h"
#include "sidecar/metrics/metric_family.h"

namespace warden::sidecar {

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

// The sidecar's Prometheus metrics (design D6), rendered in text exposition format 0.0.4 at /metrics.
//
// Registration is configuration: it validates names, label names and buckets and throws std::invalid_argument on
// a bad definition, or when a name (or a sample name a histogram derives: _bucket, _sum, _count) is already taken
// by a different definition; registering the same definition again returns the existing family. Families live as
// long as the registry, so references to families and children may be kept.
//
// Thread-safe: registration and render() take a mutex; updates never do (see Family for resolving children).
// render() may run concurrently with any update and sees each value at some moment during the call.
class MetricsRegistry {
 public:
  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  CounterFamily& counterFamily(std::string name, std::string help, std::vector<std::string> labelNames,
                               FamilyOptions options = {});
  GaugeFamily& gaugeFamily(std::string name, std::string help, std::vector<std::string> labelNames,
                           FamilyOptions options = {});
  // `le` is not a valid label name here; `buckets` as for checkBucketBounds.
  HistogramFamily& histogramFamily(std::string name, std::string help, std::vector<std::string> labelNames,
                                   std::vector<double> buckets = defaultLatencyBuckets(), FamilyOptions options = {});

  // Metrics without labels.
  Counter& counter(std::string name, std::string help);
  Gauge& gauge(std::string name, std::string help);
  Histogram& histogram(std::string name, std::string help, std::vector<double> buckets = defaultLatencyBuckets());

  // Every family sorted by name, children sorted by label values.
  std::string render() const;

 private:
  struct Entry {
    std::unique_ptr<MetricFamily> family;
    std::vector<double> buckets;  // histograms
  };

  // The existing family when the definition is identical, null when the name is free; throws otherwise.
  MetricFamily* checkDefinition(MetricType type, const std::string& name, const std::string& help,
                                const std::vector<std::string>& labelNames, const std::vector<double>& buckets,
                                const FamilyOptions& options) const;
  void add(Entry entry);
  template <typename Metric>
  Family<Metric>& family(MetricType type, std::string name, std::string help, std::vector<std::string> labelNames,
                         std::vector<double> buckets, FamilyOptions options, typename Family<Metric>::Factory make);

  mutable std::mutex mu_;
  std::map<std::string, Entry> families_;       // by name: render order
  std::map<std::string, std::string> samples_;  // sample name -> family name, to refuse collisions
};

}  // namespace warden::sidecar
