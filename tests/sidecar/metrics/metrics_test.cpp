#include "sidecar/metrics/metrics.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace warden::sidecar {
namespace {

TEST(MetricsRegistry, RendersTheTextFormatExactly) {
  MetricsRegistry r;
  auto& decisions =
      r.counterFamily("warden_decisions_total", "Decisions by method and outcome.", {"method", "decision"});
  decisions.with({"tools/call", "allow"}).inc(3);
  decisions.with({"tools/call", "deny"}).inc();
  decisions.with({"initialize", "allow"}).inc();
  r.gauge("warden_connections", "Open connections.").set(2);
  auto& latency = r.histogram("warden_latency_seconds", "Latency.", {0.001, 0.5});
  latency.observe(0.0009765625);
  latency.observe(0.0625);
  latency.observe(0.5);
  latency.observe(4);
  auto& upstream = r.histogramFamily("warden_upstream_seconds", "Upstream latency.", {"status"}, {0.1});
  upstream.with({"200"}).observe(0.0625);
  r.counterFamily("warden_unused_total", "Never resolved: not rendered.", {"x"});

  EXPECT_EQ(r.render(),
            "# HELP warden_connections Open connections.\n"
            "# TYPE warden_connections gauge\n"
            "warden_connections 2\n"
            "# HELP warden_decisions_total Decisions by method and outcome.\n"
            "# TYPE warden_decisions_total counter\n"
            "warden_decisions_total{method=\"initialize\",decision=\"allow\"} 1\n"
            "warden_decisions_total{method=\"tools/call\",decision=\"allow\"} 3\n"
            "warden_decisions_total{method=\"tools/call\",decision=\"deny\"} 1\n"
            "# HELP warden_latency_seconds Latency.\n"
            "# TYPE warden_latency_seconds histogram\n"
            "warden_latency_seconds_bucket{le=\"0.001\"} 1\n"
            "warden_latency_seconds_bucket{le=\"0.5\"} 3\n"
            "warden_latency_seconds_bucket{le=\"+Inf\"} 4\n"
            "warden_latency_seconds_sum 4.5634765625\n"
            "warden_latency_seconds_count 4\n"
            "# HELP warden_upstream_seconds Upstream latency.\n"
            "# TYPE warden_upstream_seconds histogram\n"
            "warden_upstream_seconds_bucket{status=\"200\",le=\"0.1\"} 1\n"
            "warden_upstream_seconds_bucket{status=\"200\",le=\"+Inf\"} 1\n"
            "warden_upstream_seconds_sum{status=\"200\"} 0.0625\n"
            "warden_upstream_seconds_count{status=\"200\"} 1\n");
}

TEST(MetricsRegistry, EscapesHelpAndLabelValues) {
  MetricsRegistry r;
  r.counterFamily("calls_total", "Calls by tool.\nSecond line with a \\ backslash.", {"tool"})
      .with({"we\"ird\\na\nme"})
      .inc();
  EXPECT_EQ(r.render(),
            "# HELP calls_total Calls by tool.\\nSecond line with a \\\\ backslash.\n"
            "# TYPE calls_total counter\n"
            "calls_total{tool=\"we\\\"ird\\\\na\\nme\"} 1\n");
}

TEST(MetricsRegistry, EmptyHelpOmitsTheHelpLine) {
  MetricsRegistry r;
  r.counter("c_total", "").inc();
  EXPECT_EQ(r.render(), "# TYPE c_total counter\nc_total 1\n");
}

TEST(MetricsRegistry, UnrepresentableLabelValuesBecomeOther) {
  MetricsRegistry r;
  auto& f = r.counterFamily("calls_total", "h", {"tool", "decision"});
  f.with({"bad\xff utf8", "allow"}).inc();
  f.with({std::string(kMaxLabelValueBytes + 1, 'x'), "allow"}).inc();
  f.with({std::string(kMaxLabelValueBytes, 'y'), "allow"}).inc();
  const std::string out = r.render();
  EXPECT_NE(out.find("calls_total{tool=\"_other_\",decision=\"allow\"} 2\n"), std::string::npos) << out;
  EXPECT_NE(out.find("calls_total{tool=\"" + std::string(kMaxLabelValueBytes, 'y') + "\",decision=\"allow\"} 1\n"),
            std::string::npos);
  EXPECT_EQ(out.find('\xff'), std::string::npos);
}

TEST(MetricsRegistry, ResolvingTheSameLabelsGivesTheSameChild) {
  MetricsRegistry r;
  auto& f = r.gaugeFamily("g", "h", {"a"});
  Gauge& g1 = f.with({"x"});
  const std::vector<std::string> values{"x"};
  Gauge& g2 = f.with(values);
  EXPECT_EQ(&g1, &g2);
  g1.inc();
  g2.add(1.5);
  g1.dec();
  EXPECT_DOUBLE_EQ(g2.value(), 1.5);
}

TEST(MetricsRegistry, CardinalityCapCollapsesNewLabelSetsIntoOther) {
  MetricsRegistry r;
  auto& f = r.counterFamily("tool_calls_total", "h", {"tool", "decision"}, FamilyOptions{3});
  for (int i = 0; i < 10; ++i) f.with({"tool_" + std::to_string(i), "allow"}).inc();
  // The first three label sets are kept, then one overflow child with every label `_other_`.
  EXPECT_EQ(f.size(), 4u);
  f.with({"tool_1", "allow"}).inc();  // existing children still resolve to themselves
  EXPECT_EQ(r.render(),
            "# HELP tool_calls_total h\n"
            "# TYPE tool_calls_total counter\n"
            "tool_calls_total{tool=\"_other_\",decision=\"_other_\"} 7\n"
            "tool_calls_total{tool=\"tool_0\",decision=\"allow\"} 1\n"
            "tool_calls_total{tool=\"tool_1\",decision=\"allow\"} 2\n"
            "tool_calls_total{tool=\"tool_2\",decision=\"allow\"} 1\n");
}

TEST(MetricsRegistry, CallerSuppliedOtherNeverDuplicatesTheOverflowSeries) {
  MetricsRegistry r;
  auto& f = r.counterFamily("t_total", "h", {"tool"}, FamilyOptions{1});
  f.with({"_other_"}).inc();  // a caller naming its tool `_other_`: the overflow child itself
  f.with({"a"}).inc();
  f.with({"b"}).inc();  // over the cap
  EXPECT_EQ(f.size(), 2u);
  EXPECT_EQ(r.render(),
            "# HELP t_total h\n# TYPE t_total counter\nt_total{tool=\"_other_\"} 2\nt_total{tool=\"a\"} 1\n");
}

TEST(MetricsRegistry, DefaultCapIsAThousandChildren) {
  MetricsRegistry r;
  auto& f = r.counterFamily("many_total", "h", {"tool"});
  for (int i = 0; i < 1500; ++i) f.with({std::to_string(i)}).inc();
  EXPECT_EQ(f.size(), kDefaultMaxChildren + 1);
  EXPECT_EQ(f.with({std::string(kOverflowLabelValue)}).value(), 500u);
}

TEST(MetricsRegistry, WrongNumberOfLabelValuesLandsInOther) {
  MetricsRegistry r;
  auto& f = r.counterFamily("w_total", "h", {"a", "b"});
  f.with({"only-one"}).inc();
  f.with({"x", "y", "z"}).inc();
  EXPECT_EQ(f.with({"_other_", "_other_"}).value(), 2u);
  EXPECT_EQ(f.size(), 1u);
}

TEST(MetricsRegistry, RegistrationIsValidated) {
  MetricsRegistry r;
  EXPECT_THROW(r.counter("bad-name", "h"), std::invalid_argument);
  EXPECT_THROW(r.counterFamily("c_total", "h", {"__reserved"}), std::invalid_argument);
  EXPECT_THROW(r.counterFamily("c_total", "h", {"a", "a"}), std::invalid_argument);
  EXPECT_THROW(r.histogramFamily("h_seconds", "h", {"le"}), std::invalid_argument);
  EXPECT_THROW(r.histogram("h_seconds", "h", {1, 0.5}), std::invalid_argument);
  EXPECT_THROW(r.counterFamily("c_total", "h", {"a"}, FamilyOptions{0}), std::invalid_argument);
}

TEST(MetricsRegistry, SameDefinitionReturnsTheSameFamilyAndAConflictThrows) {
  MetricsRegistry r;
  auto& a = r.counterFamily("c_total", "help", {"tool"});
  auto& b = r.counterFamily("c_total", "help", {"tool"});
  EXPECT_EQ(&a, &b);
  EXPECT_THROW(r.counterFamily("c_total", "other help", {"tool"}), std::invalid_argument);
  EXPECT_THROW(r.counterFamily("c_total", "help", {"method"}), std::invalid_argument);
  EXPECT_THROW(r.gauge("c_total", "help"), std::invalid_argument);
  auto& h1 = r.histogram("lat_seconds", "h", {0.1, 1});
  auto& h2 = r.histogram("lat_seconds", "h", {0.1, 1});
  EXPECT_EQ(&h1, &h2);
  EXPECT_THROW(r.histogram("lat_seconds", "h", {0.1, 2}), std::invalid_argument);
}

TEST(MetricsRegistry, HistogramSampleNamesMayNotCollide) {
  MetricsRegistry r;
  r.counter("lat_count", "h");
  EXPECT_THROW(r.histogram("lat", "h"), std::invalid_argument);
  r.histogram("other", "h");
  EXPECT_THROW(r.gauge("other_sum", "h"), std::invalid_argument);
}

TEST(MetricsRegistry, ConcurrentUpdatesGiveExactTotals) {
  MetricsRegistry r;
  auto& calls = r.counterFamily("calls_total", "h", {"tool"});
  auto& latency = r.histogramFamily("lat_seconds", "h", {"tool"}, {0.5});
  auto& inFlight = r.gauge("in_flight", "h");
  constexpr int kThreads = 8;
  constexpr int kPerThread = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        // Resolve every time, as the proxy does for caller-supplied tool names, on shared and own children.
        const std::string tool = (i % 2 == 0) ? "shared" : "tool_" + std::to_string(t);
        calls.with({tool}).inc();
        latency.with({tool}).observe(i % 4 == 0 ? 1.0 : 0.25);
        inFlight.inc();
        inFlight.dec();
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(calls.with({"shared"}).value(), std::uint64_t{kThreads} * kPerThread / 2);
  std::uint64_t total = 0;
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(calls.with({"tool_" + std::to_string(t)}).value(), std::uint64_t{kPerThread} / 2);
    total += calls.with({"tool_" + std::to_string(t)}).value();
  }
  EXPECT_EQ(total + calls.with({"shared"}).value(), std::uint64_t{kThreads} * kPerThread);
  const auto shared = latency.with({"shared"}).snapshot();
  EXPECT_EQ(shared.count(), std::uint64_t{kThreads} * kPerThread / 2);
  // Even i: half of them are multiples of 4 (1.0, above the bound), half are not (0.25).
  EXPECT_EQ(shared.cumulative[0], std::uint64_t{kThreads} * kPerThread / 4);
  EXPECT_DOUBLE_EQ(shared.sum, kThreads * (kPerThread / 4) * 1.0 + kThreads * (kPerThread / 4) * 0.25);
  EXPECT_DOUBLE_EQ(inFlight.value(), 0.0);
}

// The value of the sample line starting with `prefix ` in a rendering; -1 when absent.
double sampleValue(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > prefix.size() && line.compare(0, prefix.size(), prefix) == 0 && line[prefix.size()] == ' ') {
      return std::strtod(line.c_str() + prefix.size() + 1, nullptr);
    }
  }
  return -1;
}

TEST(MetricsRegistry, RenderIsConsistentWhileUpdatesRun) {
  MetricsRegistry r;
  auto& calls = r.counterFamily("calls_total", "h", {"tool"});
  auto& latency = r.histogram("lat_seconds", "h", {0.5});
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20000;
  std::atomic<int> running{kThreads};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        calls.with({"tool_" + std::to_string((t * kPerThread + i) % 50)}).inc();  // creates children while rendering
        latency.observe(i % 2 == 0 ? 0.25 : 1.0);
      }
      running.fetch_sub(1);
    });
  }
  double lastCount = 0;
  double lastTool0 = 0;
  int renders = 0;
  std::string failure;  // the updaters must be joined before the test may end, so no ASSERT in the loop
  // Bounded by the updaters' finite work; at least one render happens after they finish.
  for (bool done = false; !done && failure.empty();) {
    done = running.load() == 0;
    const std::string text = r.render();
    ++renders;
    const double inf = sampleValue(text, "lat_seconds_bucket{le=\"+Inf\"}");
    const double low = sampleValue(text, "lat_seconds_bucket{le=\"0.5\"}");
    const double count = sampleValue(text, "lat_seconds_count");
    const double tool0 = sampleValue(text, "calls_total{tool=\"tool_0\"}");
    if (inf != count) failure = "_count differs from the +Inf bucket";  // _count is the +Inf bucket, always
    if (low > inf) failure = "buckets are not cumulative";
    if (count < lastCount) failure = "_count went backwards";  // never between scrapes
    if (tool0 >= 0 && tool0 < lastTool0) failure = "a counter went backwards";
    if (!failure.empty()) failure += " in:\n" + text;
    lastCount = count;
    if (tool0 >= 0) lastTool0 = tool0;
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(failure, "");
  EXPECT_GE(renders, 1);
  EXPECT_EQ(lastCount, double{kThreads} * kPerThread);
  const std::string final = r.render();
  double sum = 0;
  for (int i = 0; i < 50; ++i) sum += sampleValue(final, "calls_total{tool=\"tool_" + std::to_string(i) + "\"}");
  EXPECT_EQ(sum, double{kThreads} * kPerThread);
}

}  // namespace
}  // namespace warden::sidecar
