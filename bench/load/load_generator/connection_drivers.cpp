#include "bench/load/load_generator/connection_drivers.h"

#include "bench/load/load_generator/mcp_connection.h"
#include "bench/load/load_generator/request_step.h"

namespace warden::bench {
namespace {

// Takes one request from the run's budget; false when it is spent.
bool takeFromBudget(std::atomic<std::uint64_t>* remaining) {
  if (remaining == nullptr) return true;
  std::uint64_t left = remaining->load(std::memory_order_relaxed);
  while (left > 0) {
    if (remaining->compare_exchange_weak(left, left - 1, std::memory_order_relaxed)) return true;
  }
  return false;
}

// A short pause after a failed connect, so that a target that is down is not hammered in a tight loop.
asio::awaitable<void> pauseAfterFailure() {
  asio::steady_timer timer{co_await asio::this_coro::executor};
  timer.expires_after(std::chrono::milliseconds(10));
  error_code ignored;
  co_await timer.async_wait(awaitWith(ignored));
}

}  // namespace

asio::awaitable<void> runClosedLoopConnection(const RunContext& context, std::uint32_t connectionIndex,
                                              RunStats& stats) {
  McpConnection connection{co_await asio::this_coro::executor, context.target, context.tls};
  for (std::uint64_t sequence = 0;; ++sequence) {
    const auto sent = Clock::now();
    if (sent >= context.measureEnd || !takeFromBudget(context.remainingRequests)) break;
    const bool measured = sent >= context.measureStart;
    const auto failuresBefore = stats.failures();
    co_await sendToolsCall(context, connection, connectionIndex, sequence, sent, measured, stats);
    if (stats.failures() != failuresBefore && !connection.isOpen()) co_await pauseAfterFailure();
  }
  connection.close();
}

asio::awaitable<void> runOpenLoopConnection(const RunContext& context, std::uint32_t connectionIndex, RunStats& stats) {
  const LoadPlan& plan = context.plan;
  McpConnection connection{co_await asio::this_coro::executor, context.target, context.tls};
  asio::steady_timer timer{co_await asio::this_coro::executor};
  const double nanosPerRequest = 1e9 / plan.rate;
  const auto dueAt = [&](std::uint64_t sequence) {
    const double offset = (static_cast<double>(connectionIndex) + static_cast<double>(sequence) * plan.connections) *
                          nanosPerRequest;
    return context.start + std::chrono::nanoseconds(static_cast<std::int64_t>(offset));
  };
  const auto giveUpAt = context.measureEnd + plan.drainLimit;
  std::uint64_t sequence = 0;
  for (;; ++sequence) {
    const auto due = dueAt(sequence);
    if (due >= context.measureEnd) break;
    if (Clock::now() >= giveUpAt) break;
    if (Clock::now() < due) {
      timer.expires_at(due);
      error_code ignored;
      co_await timer.async_wait(awaitWith(ignored));
    }
    co_await sendToolsCall(context, connection, connectionIndex, sequence, due, due >= context.measureStart, stats);
  }
  // Requests of the window that were due but could not be sent before giving up.
  for (; dueAt(sequence) < context.measureEnd; ++sequence) {
    if (dueAt(sequence) >= context.measureStart) stats.recordUnsent(1);
  }
  connection.close();
}

}  // namespace warden::bench
