#include "bench/load/load_generator/latency_histogram.h"

#include <algorithm>
#include <bit>

namespace warden::bench {
namespace {

constexpr unsigned kSubBucketBits = 11;                             // 2,048 exact values in the first bucket
constexpr std::uint64_t kSubBuckets = std::uint64_t{1} << kSubBucketBits;
constexpr std::uint64_t kHalfSubBuckets = kSubBuckets / 2;          // sub-buckets per later power of two

// How far a value is shifted right to fall in [kHalfSubBuckets, kSubBuckets): 0 for values below kSubBuckets.
unsigned shiftOf(std::uint64_t nanos) {
  if (nanos < kSubBuckets) return 0;
  const unsigned msb = 63u - static_cast<unsigned>(std::countl_zero(nanos));
  return msb - (kSubBucketBits - 1);
}

}  // namespace

LatencyHistogram::LatencyHistogram(std::uint64_t highestTrackable)
    : highestTrackable_(std::max<std::uint64_t>(highestTrackable, kSubBuckets)),
      counts_(bucketIndex(highestTrackable_) + 1, 0) {}

std::size_t LatencyHistogram::bucketIndex(std::uint64_t nanos) {
  const unsigned shift = shiftOf(nanos);
  if (shift == 0) return static_cast<std::size_t>(nanos);
  return static_cast<std::size_t>(kSubBuckets + (shift - 1) * kHalfSubBuckets + ((nanos >> shift) - kHalfSubBuckets));
}

std::uint64_t LatencyHistogram::bucketLowest(std::size_t index) {
  if (index < kSubBuckets) return index;
  const std::uint64_t beyond = index - kSubBuckets;
  const unsigned shift = static_cast<unsigned>(beyond / kHalfSubBuckets) + 1;
  return (kHalfSubBuckets + beyond % kHalfSubBuckets) << shift;
}

std::uint64_t LatencyHistogram::bucketHighest(std::size_t index) {
  if (index < kSubBuckets) return index;
  const unsigned shift = static_cast<unsigned>((index - kSubBuckets) / kHalfSubBuckets) + 1;
  return bucketLowest(index) + (std::uint64_t{1} << shift) - 1;
}

void LatencyHistogram::record(std::uint64_t nanos) {
  if (nanos > highestTrackable_) {
    nanos = highestTrackable_;
    ++clamped_;
  }
  ++counts_[bucketIndex(nanos)];
  min_ = count_ == 0 ? nanos : std::min(min_, nanos);
  max_ = std::max(max_, nanos);
  sum_ += static_cast<long double>(nanos);
  ++count_;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  if (other.count_ == 0) return;
  if (other.counts_.size() > counts_.size()) counts_.resize(other.counts_.size(), 0);
  for (std::size_t i = 0; i < other.counts_.size(); ++i) counts_[i] += other.counts_[i];
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  highestTrackable_ = std::max(highestTrackable_, other.highestTrackable_);
  sum_ += other.sum_;
  count_ += other.count_;
  clamped_ += other.clamped_;
}

void LatencyHistogram::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = clamped_ = min_ = max_ = 0;
  sum_ = 0;
}

double LatencyHistogram::mean() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_ / static_cast<long double>(count_));
}

std::uint64_t LatencyHistogram::valueAtPercentile(double percent) const {
  if (count_ == 0) return 0;
  const double clampedPercent = std::clamp(percent, 0.0, 100.0);
  // The rank of the value asked for (1-based), rounded to the nearest as HdrHistogram does, so that floating-point
  // noise in percent * count cannot push it one value further; at least the first value.
  auto rank = static_cast<std::uint64_t>(clampedPercent / 100.0 * static_cast<double>(count_) + 0.5);
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(bucketHighest(i), max_);
  }
  return max_;
}

}  // namespace warden::bench
