#include "sidecar/metrics/metrics.h"

#include <set>
#include <stdexcept>

#include "policy/quote.h"
#include "sidecar/metrics/exposition.h"

namespace warden::sidecar {
namespace {

using policy::quoteForMessage;

std::vector<std::string> sampleNames(MetricType type, const std::string& name) {
  if (type == MetricType::Histogram) return {name + "_bucket", name + "_sum", name + "_count"};
  return {name};
}

}  // namespace

MetricFamily* MetricsRegistry::checkDefinition(MetricType type, const std::string& name, const std::string& help,
                                               const std::vector<std::string>& labelNames,
                                               const std::vector<double>& buckets,
                                               const FamilyOptions& options) const {
  const std::string what = std::string(toString(type)) + " " + quoteForMessage(name);
  if (!isValidMetricName(name)) throw std::invalid_argument(what + ": invalid metric name");
  std::set<std::string> seen;
  for (const auto& label : labelNames) {
    if (!isValidLabelName(label)) throw std::invalid_argument(what + ": invalid label name " + quoteForMessage(label));
    if (type == MetricType::Histogram && label == "le") {
      throw std::invalid_argument(what + ": label name \"le\" is reserved for histogram buckets");
    }
    if (!seen.insert(label).second) {
      throw std::invalid_argument(what + ": duplicate label name " + quoteForMessage(label));
    }
  }
  if (const std::string error = checkBucketBounds(buckets); !error.empty()) {
    throw std::invalid_argument(what + ": " + error);
  }
  if (options.maxChildren == 0) throw std::invalid_argument(what + ": maxChildren must be at least 1");

  if (const auto it = families_.find(name); it != families_.end()) {
    const MetricFamily& f = *it->second.family;
    if (f.type() == type && f.help() == help && f.labelNames() == labelNames && it->second.buckets == buckets &&
        f.options().maxChildren == options.maxChildren) {
      return it->second.family.get();
    }
    throw std::invalid_argument(what + ": already registered with a different definition");
  }
  for (const auto& sample : sampleNames(type, name)) {
    if (const auto it = samples_.find(sample); it != samples_.end()) {
      throw std::invalid_argument(what + ": sample name " + quoteForMessage(sample) + " is already used by " +
                                  quoteForMessage(it->second));
    }
  }
  return nullptr;
}

void MetricsRegistry::add(Entry entry) {
  const std::string name = entry.family->name();
  for (auto& sample : sampleNames(entry.family->type(), name)) samples_.emplace(std::move(sample), name);
  families_.emplace(name, std::move(entry));
}

template <typename Metric>
Family<Metric>& MetricsRegistry::family(MetricType type, std::string name, std::string help,
                                        std::vector<std::string> labelNames, std::vector<double> buckets,
                                        FamilyOptions options, typename Family<Metric>::Factory make) {
  std::lock_guard lock(mu_);
  if (auto* existing = checkDefinition(type, name, help, labelNames, buckets, options)) {
    return static_cast<Family<Metric>&>(*existing);  // checkDefinition matched the type
  }
  auto created = std::make_unique<Family<Metric>>(type, std::move(name), std::move(help), std::move(labelNames),
                                                  options, std::move(make));
  auto& ref = *created;
  add({std::move(created), std::move(buckets)});
  return ref;
}

CounterFamily& MetricsRegistry::counterFamily(std::string name, std::string help, std::vector<std::string> labelNames,
                                              FamilyOptions options) {
  return family<Counter>(MetricType::Counter, std::move(name), std::move(help), std::move(labelNames), {}, options,
                         [] { return std::make_unique<Counter>(); });
}

GaugeFamily& MetricsRegistry::gaugeFamily(std::string name, std::string help, std::vector<std::string> labelNames,
                                          FamilyOptions options) {
  return family<Gauge>(MetricType::Gauge, std::move(name), std::move(help), std::move(labelNames), {}, options,
                       [] { return std::make_unique<Gauge>(); });
}

HistogramFamily& MetricsRegistry::histogramFamily(std::string name, std::string help,
                                                  std::vector<std::string> labelNames, std::vector<double> buckets,
                                                  FamilyOptions options) {
  auto bounds = std::make_shared<const std::vector<double>>(buckets);
  return family<Histogram>(MetricType::Histogram, std::move(name), std::move(help), std::move(labelNames),
                           std::move(buckets), options, [bounds] { return std::make_unique<Histogram>(bounds); });
}

Counter& MetricsRegistry::counter(std::string name, std::string help) {
  return counterFamily(std::move(name), std::move(help), {}).with({});
}

Gauge& MetricsRegistry::gauge(std::string name, std::string help) {
  return gaugeFamily(std::move(name), std::move(help), {}).with({});
}

Histogram& MetricsRegistry::histogram(std::string name, std::string help, std::vector<double> buckets) {
  return histogramFamily(std::move(name), std::move(help), {}, std::move(buckets)).with({});
}

std::string MetricsRegistry::render() const {
  std::string out;
  std::lock_guard lock(mu_);
  for (const auto& [name, entry] : families_) entry.family->render(out);
  return out;
}

}  // namespace warden::sidecar
