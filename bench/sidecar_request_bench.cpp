// The sidecar's in-process work for one tools/call, step by step (docs/benchmarks.md, "Sidecar profile and
// optimizations"): strict parsing, the plan (policy decision, argument hash, receipt input), the receipt line the
// writer thread chains and hashes, and the body forwarded upstream. TLS, sockets and fdatasync are not in here.
#include <benchmark/benchmark.h>

#include <chrono>
#include <stdexcept>
#include <string>

#include "policy/bundle_loader.h"
#include "policy/compiler.h"
#include "sidecar/mcp/jsonrpc.h"
#include "sidecar/proxy/message_plan.h"
#include "sidecar/receipts/receipt.h"

namespace {

using namespace warden;

constexpr std::string_view kBody =
    R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"read_file",)"
    R"("arguments":{"path":"/workspace/notes/today.txt","encoding":"utf-8"}}})";
constexpr std::string_view kPrincipal = "spiffe://bench.example/ns/agents/sa/reader";

// A realistic small policy: a Deny glob, an Allow glob for reads, and twenty name-only rules for other tools.
policy::CompiledPolicyPtr benchPolicy() {
  policy::MCPServer server;
  server.metadata.name = "files";
  server.metadata.namespace_ = "tools";
  server.spec.spiffeID = "spiffe://bench.example/ns/tools/sa/files";
  policy::ToolPolicy p;
  p.metadata.name = "files-read";
  p.metadata.namespace_ = "tools";
  p.spec.targetName = "files";
  policy::Rule deny;
  deny.name = "no-admin";
  deny.targets = {"admin_*"};
  deny.effect = policy::Effect::Deny;
  policy::Rule reads;
  reads.name = "reads";
  reads.targets = {"read_*"};
  reads.principals = {"spiffe://bench.example/ns/agents/**"};
  reads.effect = policy::Effect::Allow;
  p.spec.rules = {deny, reads};
  for (int i = 0; i < 20; ++i) {
    policy::Rule r;
    r.name = "tool-" + std::to_string(i);
    r.targets = {"tool_" + std::to_string(i)};
    r.effect = policy::Effect::Allow;
    p.spec.rules.push_back(r);
  }
  auto loaded = policy::loadBundle(policy::compileBundle(server, {p}).bytes);
  if (!loaded.ok()) throw std::runtime_error(loaded.error);
  return loaded.policy;
}

struct Fixture {
  policy::CompiledPolicyPtr policy = benchPolicy();
  policy::RateLimiter limiter;

  sidecar::BodyPlan plan(const sidecar::mcp::ParsedBody& body) {
    sidecar::PlanContext context{policy, std::string(kPrincipal), "session-1", &limiter,
                                 std::chrono::system_clock::now()};
    return sidecar::planBody(body, context);
  }
};

void BM_ParseToolsCall(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(sidecar::mcp::parseClientBody(kBody));
}
BENCHMARK(BM_ParseToolsCall);

void BM_PlanToolsCall(benchmark::State& state) {
  Fixture f;
  const auto body = sidecar::mcp::parseClientBody(kBody);
  for (auto _ : state) benchmark::DoNotOptimize(f.plan(body));
}
BENCHMARK(BM_PlanToolsCall);

void BM_BuildReceiptLine(benchmark::State& state) {
  Fixture f;
  const auto plan = f.plan(sidecar::mcp::parseClientBody(kBody));
  const auto& input = plan.messages.front().receipt;
  const std::string prev(64, 'a');
  std::uint64_t seq = 1;
  for (auto _ : state) benchmark::DoNotOptimize(sidecar::buildReceiptLine(input, seq++, prev));
}
BENCHMARK(BM_BuildReceiptLine);

void BM_ForwardBody(benchmark::State& state) {
  Fixture f;
  const auto body = sidecar::mcp::parseClientBody(kBody);
  const auto plan = f.plan(body);
  for (auto _ : state) benchmark::DoNotOptimize(plan.forwardBody(body));
}
BENCHMARK(BM_ForwardBody);

// Everything above for one request, as the proxy runs it (parse, plan, receipt line, forwarded body).
void BM_RequestPathInProcess(benchmark::State& state) {
  Fixture f;
  const std::string prev(64, 'a');
  std::uint64_t seq = 1;
  for (auto _ : state) {
    const auto body = sidecar::mcp::parseClientBody(kBody);
    const auto plan = f.plan(body);
    if (!plan.messages.front().forward) state.SkipWithError("the benchmark's call was not allowed");
    benchmark::DoNotOptimize(sidecar::buildReceiptLine(plan.messages.front().receipt, seq++, prev));
    benchmark::DoNotOptimize(plan.forwardBody(body));
  }
}
BENCHMARK(BM_RequestPathInProcess);

}  // namespace

BENCHMARK_MAIN();
