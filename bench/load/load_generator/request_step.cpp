#include "bench/load/load_generator/request_step.h"

#include "bench/load/load_generator/response_check.h"

namespace warden::bench {

asio::awaitable<void> sendToolsCall(const RunContext& context, McpConnection& connection, std::uint32_t connectionIndex,
                                    std::uint64_t sequence, Clock::time_point latencyOrigin, bool measured,
                                    RunStats& stats) {
  const LoadPlan& plan = context.plan;
  if (plan.newConnectionPerRequest) connection.close();
  if (!connection.isOpen()) {
    if (const auto failure = co_await connection.open(plan.timeout); !failure.empty()) {
      stats.recordFailure(failure, "connection " + std::to_string(connectionIndex));
      co_return;
    }
  }
  // Unique across the run: the connection in the high bits, its sequence number in the low 32 (below 2^53).
  const std::uint64_t id = (std::uint64_t{connectionIndex} << 32) | (sequence & 0xffffffffu);
  const std::string message = echoMessage(connectionIndex, sequence, plan.messageBytes);
  const auto request = mcpPost(context.target, toolsCallBody(id, plan.tool, message), context.headers);
  http::response<http::string_body> response;
  if (const auto failure = co_await connection.roundTrip(request, response, plan.timeout); !failure.empty()) {
    stats.recordFailure(failure, "connection " + std::to_string(connectionIndex) + " request " + std::to_string(id));
    co_return;
  }
  if (plan.newConnectionPerRequest) connection.close();
  const auto answered = Clock::now();
  const auto contentType = response[http::field::content_type];
  if (auto failure = checkEchoAnswer(response.result_int(), {contentType.data(), contentType.size()},
                                     response.body(), id, expectedEchoText(message))) {
    stats.recordFailure(failure->kind, std::move(failure->detail));
    co_return;
  }
  if (measured) {
    stats.recordSuccess(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(answered - latencyOrigin).count()));
  }
}

}  // namespace warden::bench
