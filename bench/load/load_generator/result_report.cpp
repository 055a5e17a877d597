#include "bench/load/load_generator/result_report.h"

#include <fmt/format.h>

namespace warden::bench {
namespace {

double millis(std::uint64_t nanos) { return static_cast<double>(nanos) / 1e6; }

double achievedRate(const RunResult& result) {
  const double seconds = std::chrono::duration<double>(result.measured).count();
  return seconds > 0 ? static_cast<double>(result.stats.latencies().count()) / seconds : 0.0;
}

std::string failureKinds(const RunStats& stats) {
  std::string kinds;
  for (const auto& [kind, count] : stats.failuresByKind()) {
    kinds += (kinds.empty() ? "" : ",") + kind + ":" + std::to_string(count);
  }
  return kinds.empty() ? "none" : kinds;
}

}  // namespace

void printResultLine(std::ostream& out, const std::string& label, const LoadPlan& plan, const RunResult& result) {
  const auto& h = result.stats.latencies();
  out << fmt::format(
      "RESULT label={} mode={} connections={} new_connection_per_request={} target_rps={:.0f} seconds={:.3f} "
      "ok={} errors={} unsent={} rps={:.1f} p50_ms={:.3f} p90_ms={:.3f} p99_ms={:.3f} p999_ms={:.3f} max_ms={:.3f} "
      "mean_ms={:.3f} error_kinds={}\n",
      label.empty() ? "-" : label, plan.mode == LoopMode::Open ? "open" : "closed", plan.connections,
      plan.newConnectionPerRequest ? 1 : 0, plan.mode == LoopMode::Open ? plan.rate : 0.0,
      std::chrono::duration<double>(result.measured).count(), h.count(), result.stats.failures(),
      result.stats.unsent(), achievedRate(result), millis(h.valueAtPercentile(50)), millis(h.valueAtPercentile(90)),
      millis(h.valueAtPercentile(99)), millis(h.valueAtPercentile(99.9)), millis(h.max()), h.mean() / 1e6,
      failureKinds(result.stats));
}

void printSummary(std::ostream& out, const std::string& label, const LoadPlan& plan, const RunResult& result) {
  const auto& h = result.stats.latencies();
  out << fmt::format("{}: {} loop, {} connection(s){}{}: {} right answers in {:.2f} s ({:.1f}/s)\n",
                     label.empty() ? "load" : label, plan.mode == LoopMode::Open ? "open" : "closed",
                     plan.connections, plan.newConnectionPerRequest ? ", a new TLS/TCP connection per request" : "",
                     plan.mode == LoopMode::Open ? fmt::format(", {:.0f} requests/s scheduled", plan.rate) : "",
                     h.count(), std::chrono::duration<double>(result.measured).count(), achievedRate(result));
  out << fmt::format("  latency ms: p50 {:.3f}  p90 {:.3f}  p99 {:.3f}  p99.9 {:.3f}  max {:.3f}  mean {:.3f}\n",
                     millis(h.valueAtPercentile(50)), millis(h.valueAtPercentile(90)), millis(h.valueAtPercentile(99)),
                     millis(h.valueAtPercentile(99.9)), millis(h.max()), h.mean() / 1e6);
  if (result.stats.failures() > 0 || result.stats.unsent() > 0) {
    out << fmt::format("  ERRORS: {} failed ({}), {} due but never sent\n", result.stats.failures(),
                       failureKinds(result.stats), result.stats.unsent());
    for (const auto& sample : result.stats.failureSamples()) out << "    " << sample << "\n";
  }
}

}  // namespace warden::bench
