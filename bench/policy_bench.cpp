// Cost of policy decisions (design D4 "Cost"): evaluation for 10 / 100 / 1,000 / 10,000 rules, name-only and with
// argument conditions on the called tool, plus the pieces around it on the sidecar's path (strict JSON parsing of
// a ~1 KB tools/call body, content detectors) and bundle loading.
//
//   build/release/bench/policy_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "policy/bundle_loader.h"
#include "policy/compiler.h"
#include "policy/evaluator.h"
#include "policy/strict_json.h"

namespace {

using namespace warden::policy;

constexpr int kAgents = 50;

std::string agent(int i) { return "ns/agents/sa/agent-" + std::to_string(i % kAgents); }

MCPServer benchServer() {
  MCPServer server;
  server.metadata.name = "bench";
  server.metadata.namespace_ = "bench";
  server.spec.spiffeID = "spiffe://bench.example/ns/bench/sa/server";
  return server;
}

ToolPolicy benchPolicy(std::string name) {
  ToolPolicy p;
  p.metadata.name = std::move(name);
  p.metadata.namespace_ = "bench";
  p.spec.targetName = "bench";
  return p;
}
std::string agentId(int i) { return "spiffe://bench.example/ns/agents/sa/agent-" + std::to_string(i % kAgents); }

// `rules` Allow rules, one per tool, spread over policies of at most 1,000 rules (the CRD's limit), plus the
// guardrails every real policy set has: a Deny glob and a glob Allow.
CompiledPolicyPtr buildPolicy(int rules, bool withConditions) {
  std::vector<ToolPolicy> policies;
  for (int i = 0; i < rules; ++i) {
    if (i % 1000 == 0) policies.push_back(benchPolicy("policy-" + std::to_string(i / 1000)));
    Rule r;
    r.name = "rule-" + std::to_string(i);
    r.targets = {"tool_" + std::to_string(i)};
    r.principals = {agent(i)};
    r.effect = Effect::Allow;
    if (withConditions) {
      r.when = {Condition{"path", Operator::PathUnder, {"/workspace/project-" + std::to_string(i)}},
                Condition{"mode", Operator::In, {"read", "write"}},
                Condition{"query", Operator::Matches, {"^[a-z0-9 ]{1,64}$"}},
                Condition{"limit", Operator::LessThan, {"1000"}}};
    }
    policies.back().spec.rules.push_back(std::move(r));
  }
  Rule deny;
  deny.name = "no-admin";
  deny.targets = {"admin_*"};
  deny.effect = Effect::Deny;
  Rule reads;
  reads.name = "reads";
  reads.targets = {"read_*"};
  reads.effect = Effect::Allow;
  policies.front().spec.rules.push_back(deny);
  policies.front().spec.rules.push_back(reads);

  auto bundle = compileBundle(benchServer(), policies);
  auto loaded = loadBundle(bundle.bytes);
  if (!loaded.ok()) throw std::runtime_error(loaded.error);
  return loaded.policy;
}

nlohmann::json arguments(int i) {
  return {{"path", "/workspace/project-" + std::to_string(i) + "/src/main.cpp"},
          {"mode", "read"},
          {"query", "find the config loader"},
          {"limit", 100}};
}

void runEvaluate(benchmark::State& state, bool withConditions) {
  const int rules = static_cast<int>(state.range(0));
  const auto policy = buildPolicy(rules, withConditions);
  const int i = rules / 2;
  const std::string tool = "tool_" + std::to_string(i);
  const std::string principal = agentId(i);
  const auto args = arguments(i);
  RateLimiter limiter;
  Request request;
  request.principal = principal;
  request.method = "tools/call";
  request.target = tool;
  request.arguments = &args;
  request.now = std::chrono::system_clock::now();
  for (auto _ : state) {
    auto d = evaluate(*policy, request, limiter);
    if (d.effect != Effect::Allow) state.SkipWithError("expected Allow");
    benchmark::DoNotOptimize(d);
  }
  state.counters["rules"] = rules + 2;
}

void BM_EvaluateNameOnly(benchmark::State& state) { runEvaluate(state, false); }
void BM_EvaluateWithArgumentConditions(benchmark::State& state) { runEvaluate(state, true); }
BENCHMARK(BM_EvaluateNameOnly)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000);
BENCHMARK(BM_EvaluateWithArgumentConditions)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000);

// A deny that scans every argument for secrets, on ~1 KB of ordinary arguments (the common, no-finding case).
void BM_EvaluateSecretScan1KB(benchmark::State& state) {
  ToolPolicy p = benchPolicy("p");
  Rule allow;
  allow.name = "all";
  allow.effect = Effect::Allow;
  Rule deny;
  deny.name = "no-secrets";
  deny.effect = Effect::Deny;
  deny.when = {Condition{"", Operator::ContainsSecret, {}}};
  p.spec.rules = {allow, deny};
  auto loaded = loadBundle(compileBundle(benchServer(), {p}).bytes);
  std::string text;
  while (text.size() < 900) text += "Summarize the quarterly report and list the open action items. ";
  const nlohmann::json args = {{"path", "/workspace/reports/q3.md"}, {"instructions", text}, {"max_words", 300}};
  RateLimiter limiter;
  Request request{"spiffe://bench.example/a", "tools/call", "summarize", &args, std::chrono::system_clock::now()};
  for (auto _ : state) {
    auto d = evaluate(*loaded.policy, request, limiter);
    if (d.effect != Effect::Allow) state.SkipWithError("expected Allow");
    benchmark::DoNotOptimize(d);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(text.size()));
}
BENCHMARK(BM_EvaluateSecretScan1KB);

// The sidecar parses every request body strictly (duplicate keys rejected) before evaluating it.
void BM_StrictParseToolsCall1KB(benchmark::State& state) {
  std::string content;
  while (content.size() < 800) content += "The quick brown fox jumps over the lazy dog. ";
  const std::string body = nlohmann::json{{"jsonrpc", "2.0"},
                                          {"id", 42},
                                          {"method", "tools/call"},
                                          {"params",
                                           {{"name", "write_file"},
                                            {"arguments", {{"path", "/workspace/drafts/a.md"}, {"content", content}}},
                                            {"_meta", {{"progressToken", 7}}}}}}
                               .dump();
  for (auto _ : state) {
    auto r = parseStrictJson(body);
    if (!r.ok()) state.SkipWithError(r.error.c_str());
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(body.size()));
}
BENCHMARK(BM_StrictParseToolsCall1KB);

// Loading (validating and compiling) a bundle: what a policy hot swap costs the sidecar.
void BM_LoadBundle(benchmark::State& state) {
  const int rules = static_cast<int>(state.range(0));
  ToolPolicy p = benchPolicy("p");
  for (int i = 0; i < rules; ++i) {
    Rule r;
    r.name = "rule-" + std::to_string(i);
    r.targets = {"tool_" + std::to_string(i)};
    r.principals = {agent(i)};
    r.effect = Effect::Allow;
    r.when = {Condition{"path", Operator::PathUnder, {"/workspace"}}};
    p.spec.rules.push_back(std::move(r));
  }
  const auto bundle = compileBundle(benchServer(), {p});
  for (auto _ : state) {
    auto loaded = loadBundle(bundle.bytes);
    if (!loaded.ok()) state.SkipWithError(loaded.error.c_str());
    benchmark::DoNotOptimize(loaded);
  }
  state.counters["bundle_bytes"] = static_cast<double>(bundle.bytes.size());
}
BENCHMARK(BM_LoadBundle)->Arg(10)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
