#include "operator/controllers/event_recorder.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "operator/kube/resource_type.h"
#include "tests/operator/fake_objects.h"
#include "tests/operator/reconcile_fixture.h"

namespace warden::op {
namespace {

using nlohmann::json;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::FakeStore;
using testing::kStart;
using testing::RecordingKubeClient;

class EventRecorderTest : public ::testing::Test {
 protected:
  EventRecorderTest() : client_(std::make_shared<RecordingKubeClient>(store_)) {
    server_ = testing::mcpServerJson();
    server_["metadata"]["resourceVersion"] = "42";
  }

  EventRecorder makeRecorder(std::string instance = "warden-operator-7d9f-abcde") {
    EventRecorder::Options options;
    options.reportingInstance = std::move(instance);
    options.clock = [this] { return now_; };
    return EventRecorder(client_, options);
  }

  std::vector<RecordingKubeClient::Call> creates() const {
    std::vector<RecordingKubeClient::Call> out;
    for (auto& c : client_->calls()) {
      if (c.verb == "create") out.push_back(c);
    }
    return out;
  }

  FakeStore store_;
  std::shared_ptr<RecordingKubeClient> client_;
  json server_;
  std::chrono::system_clock::time_point now_ = kStart + std::chrono::microseconds(250);
};

TEST_F(EventRecorderTest, CreatesAnEventsV1Event) {
  auto recorder = makeRecorder();
  const auto result = recorder.record(server_, EventType::Warning, "InvalidPolicy", "Reconcile", "bad regex");
  EXPECT_EQ(result.outcome, EventRecorder::Outcome::Created);
  ASSERT_EQ(creates().size(), 1u);
  const auto call = creates()[0];
  EXPECT_EQ(call.plural, "events");
  EXPECT_EQ(call.ns, "tools");
  json event = call.object;
  const std::string name = event["metadata"]["name"];
  EXPECT_EQ(name.rfind("files.", 0), 0u) << name;
  event["metadata"].erase("name");
  EXPECT_EQ(event, json({{"apiVersion", "events.k8s.io/v1"},
                         {"kind", "Event"},
                         {"metadata", {{"namespace", "tools"}}},
                         {"eventTime", "2026-03-04T05:06:07.000250Z"},
                         {"reportingController", "mcpwarden.io/operator"},
                         {"reportingInstance", "warden-operator-7d9f-abcde"},
                         {"action", "Reconcile"},
                         {"reason", "InvalidPolicy"},
                         {"note", "bad regex"},
                         {"type", "Warning"},
                         {"regarding",
                          {{"apiVersion", "mcpwarden.io/v1alpha1"},
                           {"kind", "MCPServer"},
                           {"name", "files"},
                           {"namespace", "tools"},
                           {"uid", "uid-server-files"},
                           {"resourceVersion", "42"}}}}));
  EXPECT_EQ(recorder.createdCount(), 1u);
}

TEST_F(EventRecorderTest, TheSameEventWithinTenMinutesIsNotCreatedAgain) {
  auto recorder = makeRecorder();
  EXPECT_TRUE(recorder.record(server_, EventType::Normal, "PolicyPublished", "Reconcile", "v1").created());
  now_ += minutes(9);
  EXPECT_EQ(recorder.record(server_, EventType::Normal, "PolicyPublished", "Reconcile", "v1").outcome,
            EventRecorder::Outcome::Deduplicated);
  // Another note, reason or object is another event.
  EXPECT_TRUE(recorder.record(server_, EventType::Normal, "PolicyPublished", "Reconcile", "v2").created());
  EXPECT_TRUE(recorder.record(server_, EventType::Warning, "InvalidPolicy", "Reconcile", "v1").created());
  json other = server_;
  other["metadata"]["uid"] = "uid-other";
  EXPECT_TRUE(recorder.record(other, EventType::Normal, "PolicyPublished", "Reconcile", "v1").created());
  EXPECT_EQ(creates().size(), 4u);
  EXPECT_EQ(recorder.deduplicatedCount(), 1u);

  now_ += minutes(1);  // ten minutes after the first
  EXPECT_TRUE(recorder.record(server_, EventType::Normal, "PolicyPublished", "Reconcile", "v1").created());
  EXPECT_EQ(creates().size(), 5u);
}

TEST_F(EventRecorderTest, EventsInTheSameInstantGetDistinctNames) {
  auto recorder = makeRecorder();
  ASSERT_TRUE(recorder.record(server_, EventType::Normal, "A", "Reconcile", "1").created());
  ASSERT_TRUE(recorder.record(server_, EventType::Normal, "A", "Reconcile", "2").created());
  const auto calls = creates();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_NE(calls[0].object["metadata"]["name"], calls[1].object["metadata"]["name"]);
}

TEST_F(EventRecorderTest, AFailedCreateIsReportedAndNotRemembered) {
  auto recorder = makeRecorder();
  client_->fail("create", "events", 500);
  const auto failed = recorder.record(server_, EventType::Normal, "PolicyPublished", "Reconcile", "v1");
  EXPECT_EQ(failed.outcome, EventRecorder::Outcome::Failed);
  EXPECT_NE(failed.error.find("HTTP 500"), std::string::npos) << failed.error;
  EXPECT_EQ(recorder.failedCount(), 1u);
  EXPECT_TRUE(recorder.record(server_, EventType::Normal, "PolicyPublished", "Reconcile", "v1").created());
}

TEST_F(EventRecorderTest, FieldsAreCutToTheApiLimits) {
  auto recorder = makeRecorder("");
  const std::string longNote(5000, 'n');
  const std::string longReason(300, 'R');
  ASSERT_TRUE(recorder.record(server_, EventType::Warning, longReason, "Reconcile", longNote).created());
  const json event = creates().at(0).object;
  EXPECT_EQ(event["note"].get<std::string>().size(), 1024u);
  EXPECT_EQ(event["reason"].get<std::string>().size(), 128u);
  EXPECT_EQ(event["reportingInstance"], "mcp-warden-operator");

  json longName = server_;
  longName["metadata"]["name"] = std::string(253, 'a');
  ASSERT_TRUE(recorder.record(longName, EventType::Normal, "A", "Reconcile", "x").created());
  EXPECT_LE(creates().at(1).object["metadata"]["name"].get<std::string>().size(), 253u);
}

TEST_F(EventRecorderTest, MemoryIsBounded) {
  EventRecorder::Options options;
  options.reportingInstance = "pod";
  options.maxRemembered = 2;
  options.clock = [this] { return now_; };
  EventRecorder recorder(client_, options);
  for (const char* note : {"a", "b", "c"}) {
    ASSERT_TRUE(recorder.record(server_, EventType::Normal, "R", "Reconcile", note).created());
    now_ += seconds(1);
  }
  // "a" was forgotten (the oldest), "c" is remembered.
  EXPECT_TRUE(recorder.record(server_, EventType::Normal, "R", "Reconcile", "a").created());
  EXPECT_FALSE(recorder.record(server_, EventType::Normal, "R", "Reconcile", "a").created());
}

TEST_F(EventRecorderTest, ConcurrentRecordsOfOneEventCreateItOnce) {
  auto recorder = makeRecorder();
  std::atomic<int> created{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 50; ++j) {
        if (recorder.record(server_, EventType::Warning, "InvalidPolicy", "Reconcile", "same").created()) ++created;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(creates().size(), 1u);
  EXPECT_EQ(recorder.deduplicatedCount(), 399u);
}

TEST(ObjectReferenceTest, TakesThePresentFields) {
  EXPECT_EQ(objectReference(json({{"kind", "X"}, {"metadata", {{"name", "n"}}}})),
            json({{"kind", "X"}, {"name", "n"}}));
  EXPECT_EQ(objectReference(json()), json::object());
}

}  // namespace
}  // namespace warden::op
