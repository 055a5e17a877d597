#include "sidecar/metrics/histogram.h"

#include <algorithm>
#include <cmath>

#include "sidecar/metrics/exposition.h"
#include "sidecar/metrics/sample_line.h"

namespace warden::sidecar {

const std::vector<double>& defaultLatencyBuckets() {
  static const std::vector<double> kBuckets{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                            0.05,    0.1,    0.25,    0.5,    1,     2.5,    5,     10};
  return kBuckets;
}

std::string checkBucketBounds(const std::vector<double>& bounds) {
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i])) return "bucket bound " + std::to_string(i) + " is not finite";
    if (i > 0 && !(bounds[i - 1] < bounds[i])) {
      return "bucket bounds are not strictly increasing at " + std::to_string(i);
    }
  }
  return {};
}

Histogram::Histogram(std::shared_ptr<const std::vector<double>> bounds)
    : bounds_(std::move(bounds)), buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_->size() + 1)) {}

void Histogram::observe(double value) {
  if (std::isnan(value)) return;
  // `le` is inclusive: the first bound >= value.
  const auto it = std::lower_bound(bounds_->begin(), bounds_->end(), value);
  buckets_[static_cast<std::size_t>(it - bounds_->begin())].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.cumulative.resize(bounds_->size() + 1);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_->size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative[i] = running;
  }
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

void Histogram::appendSamples(std::string& out, std::string_view name, std::string_view labels) const {
  const Snapshot s = snapshot();
  std::string bucketLabels(labels);
  if (!bucketLabels.empty()) bucketLabels += ',';
  const std::size_t prefix = bucketLabels.size();
  for (std::size_t i = 0; i < s.cumulative.size(); ++i) {
    bucketLabels.resize(prefix);
    bucketLabels += "le=\"";
    if (i < bounds_->size()) {
      appendDouble(bucketLabels, (*bounds_)[i]);
    } else {
      bucketLabels += "+Inf";
    }
    bucketLabels += '"';
    appendSampleName(out, name, "_bucket", bucketLabels);
    out += std::to_string(s.cumulative[i]);
    out += '\n';
  }
  appendSampleName(out, name, "_sum", labels);
  appendDouble(out, s.sum);
  out += '\n';
  appendSampleName(out, name, "_count", labels);
  out += std::to_string(s.count());
  out += '\n';
}

}  // namespace warden::sidecar
