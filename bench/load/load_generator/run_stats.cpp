#include "bench/load/load_generator/run_stats.h"

namespace warden::bench {

void RunStats::recordFailure(std::string_view kind, std::string detail) {
  auto it = failuresByKind_.find(kind);
  if (it == failuresByKind_.end()) it = failuresByKind_.emplace(std::string(kind), 0).first;
  ++it->second;
  if (failureSamples_.size() < kSamplesKept) failureSamples_.push_back(std::string(kind) + ": " + std::move(detail));
}

void RunStats::merge(const RunStats& other) {
  latencies_.merge(other.latencies_);
  for (const auto& [kind, count] : other.failuresByKind_) failuresByKind_[kind] += count;
  for (const auto& sample : other.failureSamples_) {
    if (failureSamples_.size() < kSamplesKept) failureSamples_.push_back(sample);
  }
  unsent_ += other.unsent_;
}

std::uint64_t RunStats::failures() const {
  std::uint64_t total = 0;
  for (const auto& [kind, count] : failuresByKind_) total += count;
  return total;
}

}  // namespace warden::bench
