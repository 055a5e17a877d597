#pragma once

// The per-connection loops of a run. Each owns one McpConnection and sends one request at a time on it (HTTP/1.1
// without pipelining), until the run's measurement window has passed.

#include <cstdint>

#include "bench/load/load_generator/load_plan.h"
#include "bench/load/load_generator/run_stats.h"

namespace warden::bench {

// Closed loop: the next request goes out as soon as the previous answer is checked; latency from the send.
asio::awaitable<void> runClosedLoopConnection(const RunContext& context, std::uint32_t connectionIndex,
                                              RunStats& stats);

// Open loop at rate/connections per connection (wrk2's scheme): request k of connection c is due at
// start + (c + k * connections) / rate. A request sent late (the previous answer was slow) is still timed from when
// it was due, so a stall shows in the latencies of every request it delayed (no coordinated omission). Requests
// still unsent `drainLimit` after the window are counted as unsent.
asio::awaitable<void> runOpenLoopConnection(const RunContext& context, std::uint32_t connectionIndex, RunStats& stats);

}  // namespace warden::bench
