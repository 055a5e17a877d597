#pragma once

// How a run is reported: one machine-readable line (`RESULT key=value …`, what bench/sidecar_vs_nginx.sh parses)
// and a human summary with the failures spelled out.

#include <ostream>
#include <string>

#include "bench/load/load_generator/load_plan.h"
#include "bench/load/load_generator/load_run.h"

namespace warden::bench {

void printResultLine(std::ostream& out, const std::string& label, const LoadPlan& plan, const RunResult& result);
void printSummary(std::ostream& out, const std::string& label, const LoadPlan& plan, const RunResult& result);

}  // namespace warden::bench
