#pragma once

// Latency histogram with HdrHistogram-style log-linear buckets: values below 2,048 ns are counted exactly; above,
// every power-of-two range is split into 1,024 equal sub-buckets, so any recorded value is known to within 1/1,024
// (0.1%) of itself at constant memory. Not thread-safe: one histogram per driver thread, merged at the end.

#include <cstdint>
#include <vector>

namespace warden::bench {

class LatencyHistogram {
 public:
  // Values above `highestTrackable` (nanoseconds) are recorded as that value and counted in clamped().
  explicit LatencyHistogram(std::uint64_t highestTrackable = kDefaultHighestTrackable);

  void record(std::uint64_t nanos);
  void merge(const LatencyHistogram& other);
  void reset();

  std::uint64_t count() const { return count_; }
  std::uint64_t clamped() const { return clamped_; }
  std::uint64_t min() const { return count_ == 0 ? 0 : min_; }
  std::uint64_t max() const { return max_; }
  double mean() const;

  // The value of rank round(percent/100 * count) (at least 1) in sorted order, reported (as HdrHistogram does) as
  // the highest value equivalent to its bucket, but never above the largest value recorded. 0 when empty.
  std::uint64_t valueAtPercentile(double percent) const;

  // Bucket geometry, exposed for tests: the bucket a value falls in and the range of values that bucket holds.
  static std::size_t bucketIndex(std::uint64_t nanos);
  static std::uint64_t bucketLowest(std::size_t index);
  static std::uint64_t bucketHighest(std::size_t index);

  static constexpr std::uint64_t kDefaultHighestTrackable = std::uint64_t{1} << 37;  // ~137 s

 private:
  std::uint64_t highestTrackable_;
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::uint64_t clamped_ = 0;
  std::uint64_t min_ = 0;
  std::uint64_t max_ = 0;
  long double sum_ = 0;
};

}  // namespace warden::bench
