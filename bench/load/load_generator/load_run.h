#pragma once

// Runs a plan: spreads the connections over driver threads (one io_context each), starts them together, and
// merges what the threads observed.

#include <chrono>

#include "bench/load/load_generator/load_plan.h"
#include "bench/load/load_generator/run_stats.h"

namespace warden::bench {

struct RunResult {
  RunStats stats;
  std::chrono::nanoseconds measured{};  // the measurement window as it actually ran
};

RunResult runLoad(const LoadPlan& plan, const Target& target, asio::ssl::context* tls, const McpHeaders& headers,
                  unsigned threads);

}  // namespace warden::bench
