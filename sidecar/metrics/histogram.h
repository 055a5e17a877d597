#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace warden::sidecar {

// Upper bounds in seconds for request latencies of a sub-millisecond proxy: 50µs .. 10s, roughly 1-2.5-5 steps.
const std::vector<double>& defaultLatencyBuckets();

// Bucket upper bounds, finite and strictly increasing (the +Inf bucket is implicit); an empty string when valid,
// else what is wrong.
std::string checkBucketBounds(const std::vector<double>& bounds);

// A distribution of observations in fixed buckets. Thread-safe and lock-free: an observation is a search over the
// bounds plus two relaxed atomic adds. Buckets are stored per bucket and summed when rendered, and the rendered
// `_count` is that sum, so `_count` always equals the `+Inf` bucket even while observations race with a render
// (`_sum` may lag or lead them by the observations in flight).
class Histogram {
 public:
  // `bounds` must satisfy checkBucketBounds (the registry checks them once per family).
  explicit Histogram(std::shared_ptr<const std::vector<double>> bounds);

  // NaN is ignored: it would make `_sum` NaN for the rest of the process.
  void observe(double value);
  void observeDuration(std::chrono::nanoseconds d) { observe(std::chrono::duration<double>(d).count()); }

  struct Snapshot {
    std::vector<std::uint64_t> cumulative;  // per bound, then +Inf
    double sum = 0;
    std::uint64_t count() const { return cumulative.empty() ? 0 : cumulative.back(); }
  };
  Snapshot snapshot() const;

  // `name_bucket{labels,le="…"}`, `name_sum{labels}`, `name_count{labels}`; `labels` without braces.
  void appendSamples(std::string& out, std::string_view name, std::string_view labels) const;

 private:
  std::shared_ptr<const std::vector<double>> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // bounds_->size() + 1, the last one +Inf
  std::atomic<double> sum_{0};
};

}  // namespace warden::sidecar
