#pragma once

// What one driver thread observed: latencies of the requests in the measurement window, answers judged right,
// and every failure (in or out of the window) counted by kind, with the first few failures kept for the log.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "bench/load/load_generator/latency_histogram.h"

namespace warden::bench {

class RunStats {
 public:
  void recordSuccess(std::uint64_t latencyNanos) { latencies_.record(latencyNanos); }
  void recordFailure(std::string_view kind, std::string detail);
  void recordUnsent(std::uint64_t count) { unsent_ += count; }
  void merge(const RunStats& other);

  const LatencyHistogram& latencies() const { return latencies_; }
  std::uint64_t failures() const;
  std::uint64_t unsent() const { return unsent_; }
  const std::map<std::string, std::uint64_t, std::less<>>& failuresByKind() const { return failuresByKind_; }
  const std::vector<std::string>& failureSamples() const { return failureSamples_; }

 private:
  static constexpr std::size_t kSamplesKept = 5;

  LatencyHistogram latencies_;
  std::map<std::string, std::uint64_t, std::less<>> failuresByKind_;
  std::vector<std::string> failureSamples_;
  std::uint64_t unsent_ = 0;
};

}  // namespace warden::bench
