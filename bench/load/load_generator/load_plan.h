#pragma once

// What a run does, and the read-only context every connection coroutine of the run shares.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "bench/load/load_generator/mcp_messages.h"
#include "bench/load/load_generator/target.h"
#include "bench/load/net.h"

namespace warden::bench {

using Clock = std::chrono::steady_clock;

enum class LoopMode {
  Closed,  // each connection sends its next request as soon as the previous answer is in
  Open,    // requests are scheduled at a fixed rate whatever the answers do (latency from the scheduled time)
};

struct LoadPlan {
  LoopMode mode = LoopMode::Closed;
  unsigned connections = 1;
  std::chrono::nanoseconds warmup{std::chrono::seconds(1)};
  std::chrono::nanoseconds duration{std::chrono::seconds(10)};
  double rate = 0;                  // Open: requests per second over all connections
  std::uint64_t maxRequests = 0;    // Closed: stop after this many requests in all (0: when the duration ends)
  bool newConnectionPerRequest = false;
  std::size_t messageBytes = 1024;  // the echo tool's `message` argument
  std::string tool = "echo";
  std::chrono::milliseconds timeout{10000};
  std::chrono::nanoseconds drainLimit{std::chrono::seconds(5)};  // Open: how late a request may still be sent
};

struct RunContext {
  const LoadPlan& plan;
  const Target& target;
  asio::ssl::context* tls;  // nullptr for plain HTTP
  McpHeaders headers;       // with the session every request carries
  Clock::time_point start;  // warm-up begins; measurement covers [measureStart, measureEnd)
  Clock::time_point measureStart;
  Clock::time_point measureEnd;
  std::atomic<std::uint64_t>* remainingRequests;  // Closed with maxRequests; nullptr otherwise
};

}  // namespace warden::bench
