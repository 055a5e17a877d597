#pragma once

// One tools/call as a driver sends it: (re)open the connection if needed, send, read, check the answer, and count
// the outcome. Latency runs from `latencyOrigin` (the send time in a closed loop, the scheduled time in an open
// one) to the checked answer.

#include <cstdint>

#include "bench/load/load_generator/load_plan.h"
#include "bench/load/load_generator/mcp_connection.h"
#include "bench/load/load_generator/run_stats.h"

namespace warden::bench {

asio::awaitable<void> sendToolsCall(const RunContext& context, McpConnection& connection, std::uint32_t connectionIndex,
                                    std::uint64_t sequence, Clock::time_point latencyOrigin, bool measured,
                                    RunStats& stats);

}  // namespace warden::bench
