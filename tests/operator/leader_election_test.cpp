#include "operator/kube/leader_election.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/operator/api_server_double.h"

namespace warden::op {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::steady_clock;
using testing::ApiServerDouble;
using testing::CallRecord;
using testing::Verb;

constexpr milliseconds kPatience = 5000ms;  // bound of every wait on a condition
const char* const kNamespace = "warden-system";
const char* const kLease = "warden-operator";

bool eventually(const std::function<bool()>& condition, milliseconds timeout = kPatience) {
  const auto deadline = steady_clock::now() + timeout;
  while (!condition()) {
    if (steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

// Short durations, valid for the elector: leaseDuration > renewDeadline > 1.2 * retryPeriod.
LeaderElectionConfig fastConfig(const std::string& identity) {
  LeaderElectionConfig config;
  config.leaseNamespace = kNamespace;
  config.leaseName = kLease;
  config.identity = identity;
  config.leaseDuration = 300ms;
  config.renewDeadline = 200ms;
  config.retryPeriod = 50ms;
  return config;
}

// One operator replica: an elector on its own connection to the API server (so outages can partition it).
class Replica {
 public:
  Replica(ApiServerDouble& api, LeaderElectionConfig config, std::function<void()> onStarted = {})
      : elector_(api.connection(config.identity), config,
                 LeaderElector::Callbacks{[this, onStarted] {
                                            ++started_;
                                            if (onStarted) onStarted();
                                          },
                                          [this] { ++stopped_; }}) {}

  LeaderElector& elector() { return elector_; }
  bool isLeader() const { return elector_.isLeader(); }
  int started() const { return started_.load(); }
  int stopped() const { return stopped_.load(); }

 private:
  std::atomic<int> started_{0};
  std::atomic<int> stopped_{0};
  LeaderElector elector_;  // last: destroyed (stopped) first, while the counters still exist
};

// Samples two replicas on a thread of its own and remembers whether both ever claimed leadership at once.
class ExclusionWatch {
 public:
  ExclusionWatch(const Replica& a, const Replica& b)
      : thread_([this, &a, &b] {
          while (!done_.load()) {
            if (a.isLeader() && b.isLeader()) both_ = true;
            std::this_thread::sleep_for(1ms);
          }
        }) {}
  ~ExclusionWatch() { finish(); }
  bool bothLed() {
    finish();
    return both_.load();
  }

 private:
  void finish() {
    done_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::atomic<bool> done_{false};
  std::atomic<bool> both_{false};
  std::thread thread_;
};

bool isMicroTime(const json& value) {
  if (!value.is_string()) return false;
  const std::string text = value;
  if (text.size() != 27 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text[19] != '.' || text[26] != 'Z') {
    return false;
  }
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22, 23, 24, 25}) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  return true;
}

class LeaderElectionTest : public ::testing::Test {
 protected:
  std::optional<json> leaseSpec() const {
    auto lease = api_.peek(resources::leases(), kNamespace, kLease);
    if (!lease) return std::nullopt;
    return lease->value("spec", json::object());
  }
  std::string holder() const {
    auto spec = leaseSpec();
    return spec ? spec->value("holderIdentity", "") : "";
  }
  // Writes the lease as another replica would: held by `identity`, renewed now.
  void writeLease(const std::string& identity, int durationSeconds, int transitions) {
    const std::string now = formatMicroTime(std::chrono::system_clock::now());
    json spec = {{"holderIdentity", identity},
                 {"leaseDurationSeconds", durationSeconds},
                 {"acquireTime", now},
                 {"renewTime", now},
                 {"leaseTransitions", transitions}};
    auto lease = api_.peek(resources::leases(), kNamespace, kLease);
    if (lease) {
      (*lease)["spec"] = spec;
      ASSERT_EQ(api_.update(resources::leases(), kNamespace, kLease, *lease).status, 200);
    } else {
      const json created = {{"apiVersion", "coordination.k8s.io/v1"},
                            {"kind", "Lease"},
                            {"metadata", {{"name", kLease}, {"namespace", kNamespace}}},
                            {"spec", spec}};
      ASSERT_EQ(api_.create(resources::leases(), kNamespace, created).status, 201);
    }
  }
  std::size_t callsBy(const std::string& caller, Verb verb, int status = -1) const {
    const auto calls = api_.calls();
    return static_cast<std::size_t>(std::count_if(calls.begin(), calls.end(), [&](const CallRecord& c) {
      return c.caller == caller && c.verb == verb && (status < 0 || c.status == status);
    }));
  }

  ApiServerDouble api_;
};

TEST(FormatMicroTimeTest, UtcWithMicroseconds) {
  const auto base = std::chrono::system_clock::from_time_t(1714564800);  // 2024-05-01T12:00:00Z
  EXPECT_EQ(formatMicroTime(base), "2024-05-01T12:00:00.000000Z");
  EXPECT_EQ(formatMicroTime(base + 123456us), "2024-05-01T12:00:00.123456Z");
  EXPECT_EQ(formatMicroTime(base + 1999ns), "2024-05-01T12:00:00.000001Z") << "sub-microseconds are cut";
  EXPECT_EQ(formatMicroTime(std::chrono::system_clock::from_time_t(0)), "1970-01-01T00:00:00.000000Z");
  EXPECT_TRUE(isMicroTime(json(formatMicroTime(std::chrono::system_clock::now()))));
}

TEST_F(LeaderElectionTest, RejectsInvalidConfigurations) {
  const LeaderElector::Callbacks none;
  EXPECT_THROW(LeaderElector(nullptr, fastConfig("a"), none), std::invalid_argument);
  KubeClientPtr client = api_.connection("a");
  auto with = [&](const std::function<void(LeaderElectionConfig&)>& edit) {
    LeaderElectionConfig config = fastConfig("a");
    edit(config);
    return config;
  };
  EXPECT_THROW(LeaderElector(client, with([](auto& c) { c.identity = ""; }), none), std::invalid_argument);
  EXPECT_THROW(LeaderElector(client, with([](auto& c) { c.leaseNamespace = ""; }), none), std::invalid_argument);
  EXPECT_THROW(LeaderElector(client, with([](auto& c) { c.leaseName = ""; }), none), std::invalid_argument);
  EXPECT_THROW(LeaderElector(client, with([](auto& c) { c.leaseDuration = 200ms; }), none), std::invalid_argument);
  EXPECT_THROW(LeaderElector(client, with([](auto& c) { c.renewDeadline = 60ms; }), none), std::invalid_argument)
      << "renewDeadline must exceed 1.2 * retryPeriod";
  EXPECT_THROW(LeaderElector(client, with([](auto& c) { c.retryPeriod = 0ms; }), none), std::invalid_argument);
  EXPECT_NO_THROW(LeaderElector(client, fastConfig("a"), none));

  LeaderElector elector(client, fastConfig("a"), none);
  elector.start();
  EXPECT_THROW(elector.start(), std::logic_error);
  elector.stop();
  elector.stop();  // idempotent
}

TEST_F(LeaderElectionTest, AloneItCreatesTheLeaseAndLeads) {
  Replica a(api_, fastConfig("a"));
  EXPECT_FALSE(a.isLeader());
  a.elector().start();
  // isLeader() turns true just before the callback runs on the elector's thread: wait for both.
  ASSERT_TRUE(eventually([&] { return a.isLeader() && a.started() == 1; }));
  EXPECT_EQ(a.stopped(), 0);

  auto lease = api_.peek(resources::leases(), kNamespace, kLease);
  ASSERT_TRUE(lease.has_value());
  EXPECT_EQ((*lease)["apiVersion"], "coordination.k8s.io/v1");
  EXPECT_EQ((*lease)["kind"], "Lease");
  const json spec = (*lease)["spec"];
  EXPECT_EQ(spec["holderIdentity"], "a");
  EXPECT_EQ(spec["leaseDurationSeconds"], 1) << "300 ms rounded up to whole seconds";
  EXPECT_EQ(spec["leaseTransitions"], 0);
  EXPECT_TRUE(isMicroTime(spec["acquireTime"])) << spec.dump();
  EXPECT_TRUE(isMicroTime(spec["renewTime"])) << spec.dump();

  // It renews: renewTime moves, acquireTime and leaseTransitions stay.
  ASSERT_TRUE(eventually([&] { return leaseSpec().value()["renewTime"] != spec["renewTime"]; }));
  const json renewed = leaseSpec().value();
  EXPECT_EQ(renewed["holderIdentity"], "a");
  EXPECT_EQ(renewed["acquireTime"], spec["acquireTime"]);
  EXPECT_EQ(renewed["leaseTransitions"], 0);
  EXPECT_GE(callsBy("a", Verb::Update, 200), 1u);
  EXPECT_TRUE(a.isLeader());
}

TEST_F(LeaderElectionTest, OneOfTwoElectorsLeads) {
  Replica a(api_, fastConfig("a"));
  Replica b(api_, fastConfig("b"));
  ExclusionWatch exclusion(a, b);
  a.elector().start();
  b.elector().start();
  ASSERT_TRUE(eventually([&] { return a.isLeader() || b.isLeader(); }));
  std::this_thread::sleep_for(500ms);  // several renewals
  const std::string leaseHolder = holder();
  EXPECT_TRUE(leaseHolder == "a" || leaseHolder == "b") << leaseHolder;
  EXPECT_GE((leaseHolder == "a" ? a : b).started(), 1);
  EXPECT_EQ(callsBy("a", Verb::Create, 201) + callsBy("b", Verb::Create, 201), 1u) << "the lease is created once";
  EXPECT_FALSE(exclusion.bothLed()) << "two replicas must never lead at once";
}

TEST_F(LeaderElectionTest, StopWhileLeadingReleasesTheLease) {
  Replica a(api_, fastConfig("a"));
  a.elector().start();
  ASSERT_TRUE(eventually([&] { return a.isLeader(); }));
  const json before = leaseSpec().value();
  a.elector().stop();
  EXPECT_FALSE(a.isLeader());
  EXPECT_EQ(a.stopped(), 1);
  const json released = leaseSpec().value();
  EXPECT_EQ(released["holderIdentity"], "");
  EXPECT_EQ(released["leaseDurationSeconds"], 1);
  EXPECT_EQ(released["leaseTransitions"], before["leaseTransitions"]);
  EXPECT_TRUE(isMicroTime(released["renewTime"]));
}

TEST_F(LeaderElectionTest, StopWithoutReleaseOnCancelLeavesTheLeaseHeld) {
  LeaderElectionConfig config = fastConfig("a");
  config.releaseOnCancel = false;
  Replica a(api_, config);
  a.elector().start();
  ASSERT_TRUE(eventually([&] { return a.isLeader(); }));
  a.elector().stop();
  EXPECT_EQ(a.stopped(), 1);
  EXPECT_EQ(holder(), "a");
}

TEST_F(LeaderElectionTest, ReleaseOnStopLetsAnotherReplicaTakeOverAtOnce) {
  // A lease of 30 s: without the release, the takeover would wait that long.
  auto slow = [](const std::string& identity) {
    LeaderElectionConfig config = fastConfig(identity);
    config.leaseDuration = 30'000ms;
    config.renewDeadline = 20'000ms;
    return config;
  };
  Replica a(api_, slow("a"));
  a.elector().start();
  ASSERT_TRUE(eventually([&] { return a.isLeader(); }));
  Replica b(api_, slow("b"));
  b.elector().start();
  ASSERT_TRUE(eventually([&] { return callsBy("b", Verb::Get) >= 2; }));
  EXPECT_FALSE(b.isLeader());
  EXPECT_EQ(b.started(), 0);

  a.elector().stop();
  ASSERT_TRUE(eventually([&] { return b.isLeader(); })) << "b takes the released lease at its next attempt";
  EXPECT_EQ(holder(), "b");
  EXPECT_EQ(leaseSpec().value()["leaseTransitions"], 1);
  EXPECT_EQ(leaseSpec().value()["leaseDurationSeconds"], 30);
}

TEST_F(LeaderElectionTest, FailoverAfterTheLeaderDiesWithoutReleasing) {
  LeaderElectionConfig config = fastConfig("a");
  config.releaseOnCancel = false;  // as a crashed replica
  Replica a(api_, config);
  Replica b(api_, fastConfig("b"));
  ExclusionWatch exclusion(a, b);
  a.elector().start();
  ASSERT_TRUE(eventually([&] { return a.isLeader(); }));
  b.elector().start();
  ASSERT_TRUE(eventually([&] { return callsBy("b", Verb::Get) >= 2; }));

  a.elector().stop();
  EXPECT_EQ(a.stopped(), 1);
  EXPECT_EQ(holder(), "a") << "not released";
  ASSERT_TRUE(eventually([&] { return b.isLeader() && b.started() == 1; }))
      << "b takes over once the lease expired (300 ms)";
  EXPECT_EQ(holder(), "b");
  EXPECT_EQ(leaseSpec().value()["leaseTransitions"], 1);
  EXPECT_FALSE(exclusion.bothLed());
}

TEST_F(LeaderElectionTest, TheLeaderStepsDownWhenItCannotRenew) {
  Replica a(api_, fastConfig("a"));
  Replica b(api_, fastConfig("b"));
  ExclusionWatch exclusion(a, b);
  a.elector().start();
  ASSERT_TRUE(eventually([&] { return a.isLeader(); }));
  b.elector().start();
  ASSERT_TRUE(eventually([&] { return callsBy("b", Verb::Get) >= 2; }));

  api_.startOutage(0, "a");  // a is partitioned from the API server
  ASSERT_TRUE(eventually([&] { return !a.isLeader(); })) << "a gives up at renewDeadline (200 ms)";
  ASSERT_TRUE(eventually([&] { return a.stopped() == 1; }));
  ASSERT_TRUE(eventually([&] { return b.isLeader(); })) << "b takes over once a's lease expired";
  EXPECT_EQ(holder(), "b");

  const std::size_t readsBefore = callsBy("a", Verb::Get, 200);
  api_.endOutage("a");
  ASSERT_TRUE(eventually([&] { return callsBy("a", Verb::Get, 200) >= readsBefore + 2; }));
  std::this_thread::sleep_for(150ms);
  EXPECT_EQ(a.started(), 1) << "a, back, finds the lease held by b";
  EXPECT_FALSE(exclusion.bothLed());
}

TEST_F(LeaderElectionTest, IsLeaderTurnsFalseAtTheDeadlineWhileStuckInAnApiCall) {
  std::mutex mu;
  std::condition_variable cv;
  bool block = false;
  api_.setBeforeCall([&](const CallRecord& call) {
    if (call.caller != "a") return;
    std::unique_lock lock(mu);
    cv.wait_for(lock, 10s, [&] { return !block; });  // bounded, in case the test fails
  });
  auto unblock = [&] {
    {
      std::lock_guard lock(mu);
      block = false;
    }
    cv.notify_all();
  };
  Replica a(api_, fastConfig("a"));
  a.elector().start();
  ASSERT_TRUE(eventually([&] { return a.isLeader(); }));
  {
    std::lock_guard lock(mu);
    block = true;
  }
  ASSERT_TRUE(eventually([&] { return !a.isLeader(); }));
  EXPECT_EQ(a.stopped(), 0) << "the elector's thread is still stuck: the callback follows when it gets back";
  unblock();
  ASSERT_TRUE(eventually([&] { return a.stopped() == 1; }));
  ASSERT_TRUE(eventually([&] { return a.isLeader() && a.started() == 2; })) << "the lease is still a's: it leads again";
}

TEST_F(LeaderElectionTest, AConflictOnRenewalMeansAnotherReplicaWrote) {
  std::atomic<bool> stolen{false};
  api_.setBeforeCall([&](const CallRecord& call) {
    if (call.caller != "a" || call.verb != Verb::Update || stolen.exchange(true)) return;
    writeLease("c", 1, 1);  // replica c gets in first: a's write is then stale
  });
  Replica a(api_, fastConfig("a"));
  a.elector().start();
  ASSERT_TRUE(eventually([&] { return a.stopped() == 1; })) << "a re-reads, finds c holding the lease, steps down";
  EXPECT_EQ(callsBy("a", Verb::Update, 409), 1u);
  EXPECT_EQ(a.started(), 1);
  // c never renews: after the lease duration, a takes it back.
  ASSERT_TRUE(eventually([&] { return a.isLeader() && a.started() == 2; }));
  EXPECT_EQ(holder(), "a");
  EXPECT_EQ(leaseSpec().value()["leaseTransitions"], 2);
}

TEST_F(LeaderElectionTest, AConflictOnAcquiringMeansLosingTheRace) {
  writeLease("", 1, 4);  // a released lease
  std::atomic<bool> raced{false};
  api_.setBeforeCall([&](const CallRecord& call) {
    if (call.caller != "a" || call.verb != Verb::Update || raced.exchange(true)) return;
    writeLease("c", 1, 5);
  });
  Replica a(api_, fastConfig("a"));
  a.elector().start();
  ASSERT_TRUE(eventually([&] { return callsBy("a", Verb::Update, 409) == 1; }));
  EXPECT_FALSE(a.isLeader());
  ASSERT_TRUE(eventually([&] { return a.isLeader() && a.started() == 1; })) << "c's lease expires unrenewed";
  EXPECT_EQ(a.stopped(), 0) << "a never led before, so it never stopped leading";
  EXPECT_EQ(leaseSpec().value()["leaseTransitions"], 6);
}

TEST_F(LeaderElectionTest, AConflictOnCreatingTheLeaseMeansAnotherCreatedIt) {
  std::atomic<bool> raced{false};
  api_.setBeforeCall([&](const CallRecord& call) {
    if (call.caller != "a" || call.verb != Verb::Create || raced.exchange(true)) return;
    writeLease("c", 1, 0);
  });
  Replica a(api_, fastConfig("a"));
  a.elector().start();
  ASSERT_TRUE(eventually([&] { return callsBy("a", Verb::Create, 409) == 1; }));
  ASSERT_TRUE(eventually([&] { return a.isLeader() && a.started() == 1; }));
  EXPECT_EQ(holder(), "a");
  EXPECT_EQ(leaseSpec().value()["leaseTransitions"], 1);
}

TEST_F(LeaderElectionTest, AHolderWithALongerLeaseIsRespected) {
  writeLease("other", 2, 0);  // the holder declares 2 s; our own leaseDuration is 300 ms
  const auto started = steady_clock::now();
  Replica a(api_, fastConfig("a"));
  a.elector().start();
  ASSERT_TRUE(eventually([&] { return callsBy("a", Verb::Get) >= 3; }));
  std::this_thread::sleep_until(started + 1000ms);
  EXPECT_FALSE(a.isLeader()) << "2 s have not passed since a first saw the lease";
  EXPECT_EQ(holder(), "other");
  ASSERT_TRUE(eventually([&] { return a.isLeader(); }, 10'000ms));
  EXPECT_EQ(holder(), "a");
}

TEST_F(LeaderElectionTest, OnStartedLeadingThrowingGivesUpAndReleases) {
  std::atomic<int> attempts{0};
  Replica a(api_, fastConfig("a"), [&] {
    if (attempts.fetch_add(1) == 0) throw std::runtime_error("controllers failed to start");
  });
  a.elector().start();
  ASSERT_TRUE(eventually([&] { return a.started() == 2 && a.isLeader(); }));
  EXPECT_EQ(a.stopped(), 1) << "the failed start counted as leading, then stopped";
  // The release in between shows in the calls: an update that cleared the holder.
  EXPECT_GE(callsBy("a", Verb::Update, 200), 2u);
  EXPECT_EQ(holder(), "a");
}

TEST_F(LeaderElectionTest, StopIsPromptWhileWaitingBetweenAttempts) {
  writeLease("other", 3600, 0);
  LeaderElectionConfig config = fastConfig("a");
  config.leaseDuration = 60'000ms;
  config.renewDeadline = 40'000ms;
  config.retryPeriod = 20'000ms;
  Replica a(api_, config);
  a.elector().start();
  ASSERT_TRUE(eventually([&] { return callsBy("a", Verb::Get) >= 1; }));
  auto stopped = std::async(std::launch::async, [&] { a.elector().stop(); });
  ASSERT_EQ(stopped.wait_for(kPatience), std::future_status::ready) << "the 20 s wait must not delay stop()";
  EXPECT_EQ(a.started(), 0);
  EXPECT_EQ(a.stopped(), 0) << "onStoppedLeading only after onStartedLeading";
  EXPECT_EQ(holder(), "other") << "a candidate releases nothing";
  EXPECT_EQ(callsBy("a", Verb::Update), 0u);
}

TEST_F(LeaderElectionTest, StopFromACallbackDoesNotDeadlock) {
  std::unique_ptr<LeaderElector> elector;
  std::atomic<bool> stoppedLeading{false};
  elector = std::make_unique<LeaderElector>(api_.connection("a"), fastConfig("a"),
                                            LeaderElector::Callbacks{[&] { elector->stop(); },
                                                                     [&] { stoppedLeading = true; }});
  elector->start();
  ASSERT_TRUE(eventually([&] { return stoppedLeading.load(); })) << "the thread ends, stopping leadership first";
  auto destroyed = std::async(std::launch::async, [&] { elector.reset(); });
  ASSERT_EQ(destroyed.wait_for(kPatience), std::future_status::ready);
  EXPECT_EQ(holder(), "") << "released on the way out";
}

}  // namespace
}  // namespace warden::op
