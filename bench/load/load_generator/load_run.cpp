#include "bench/load/load_generator/load_run.h"

#include <algorithm>
#include <memory>
#include <thread>
#include <vector>

#include "bench/load/load_generator/connection_drivers.h"

namespace warden::bench {

RunResult runLoad(const LoadPlan& plan, const Target& target, asio::ssl::context* tls, const McpHeaders& headers,
                  unsigned threads) {
  threads = std::clamp(threads, 1u, std::max(1u, plan.connections));
  std::atomic<std::uint64_t> remaining{plan.maxRequests};
  // A short lead so that every thread is running before the first request is due.
  const auto start = Clock::now() + std::chrono::milliseconds(20);
  const RunContext context{plan,
                           target,
                           tls,
                           headers,
                           start,
                           start + plan.warmup,
                           start + plan.warmup + plan.duration,
                           plan.mode == LoopMode::Closed && plan.maxRequests > 0 ? &remaining : nullptr};

  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<RunStats> stats(threads);
  for (unsigned t = 0; t < threads; ++t) contexts.push_back(std::make_unique<asio::io_context>(1));
  for (std::uint32_t c = 0; c < plan.connections; ++c) {
    auto& io = *contexts[c % threads];
    RunStats& threadStats = stats[c % threads];
    auto driver = [&context, c, &threadStats]() -> asio::awaitable<void> {
      asio::steady_timer timer{co_await asio::this_coro::executor};
      timer.expires_at(context.start);
      error_code ignored;
      co_await timer.async_wait(awaitWith(ignored));
      if (context.plan.mode == LoopMode::Open) {
        co_await runOpenLoopConnection(context, c, threadStats);
      } else {
        co_await runClosedLoopConnection(context, c, threadStats);
      }
    };
    asio::co_spawn(io, std::move(driver), asio::detached);
  }
  std::vector<std::thread> workers;
  for (unsigned t = 1; t < threads; ++t) workers.emplace_back([&io = *contexts[t]] { io.run(); });
  contexts[0]->run();
  for (auto& worker : workers) worker.join();
  const auto finished = Clock::now();

  RunResult result;
  for (const auto& threadStats : stats) result.stats.merge(threadStats);
  // A closed loop with a request budget may end before the window does.
  result.measured = std::max(Clock::duration::zero(), std::min(finished, context.measureEnd) - context.measureStart);
  return result;
}

}  // namespace warden::bench
