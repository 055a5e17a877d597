#include "operator/kube/informer.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
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
using testing::ApiServerDoubleOptions;
using testing::GoneStyle;
using testing::Verb;

constexpr milliseconds kPatience = 5000ms;  // bound of every wait on a condition

bool eventually(const std::function<bool()>& condition, milliseconds timeout = kPatience) {
  const auto deadline = steady_clock::now() + timeout;
  while (!condition()) {
    if (steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

const char* typeName(InformerEvent::Type type) {
  switch (type) {
    case InformerEvent::Type::Added: return "Added";
    case InformerEvent::Type::Updated: return "Updated";
    case InformerEvent::Type::Deleted: return "Deleted";
  }
  return "?";
}

// Collects what a handler is given.
class Recorder {
 public:
  Informer::Handler handler() {
    return [this](const InformerEvent& event) {
      std::lock_guard lock(mu_);
      events_.push_back(event);
    };
  }
  std::vector<InformerEvent> events() const {
    std::lock_guard lock(mu_);
    return events_;
  }
  // "Added tools/a", in order.
  std::vector<std::string> described() const {
    std::vector<std::string> out;
    for (const InformerEvent& event : events()) {
      out.push_back(std::string(typeName(event.type)) + " " + objectKey(*event.object));
    }
    return out;
  }
  std::size_t size() const {
    std::lock_guard lock(mu_);
    return events_.size();
  }
  bool waitForSize(std::size_t count) {
    return eventually([&] { return size() >= count; });
  }
  void clear() {
    std::lock_guard lock(mu_);
    events_.clear();
  }

 private:
  mutable std::mutex mu_;
  std::vector<InformerEvent> events_;
};

json configMap(const std::string& ns, const std::string& name, json data = json::object(), json labels = nullptr) {
  json object = {{"apiVersion", "v1"},
                 {"kind", "ConfigMap"},
                 {"metadata", {{"name", name}, {"namespace", ns}}},
                 {"data", std::move(data)}};
  if (!labels.is_null()) object["metadata"]["labels"] = std::move(labels);
  return object;
}

std::vector<std::string> names(const std::vector<ObjectPtr>& objects) {
  std::vector<std::string> out;
  for (const ObjectPtr& object : objects) out.push_back(objectKey(*object));
  return out;
}

class InformerTest : public ::testing::Test {
 protected:
  static InformerOptions fastOptions() {
    InformerOptions options;
    options.initialBackoff = 10ms;
    options.maxBackoff = 50ms;
    return options;
  }

  json create(const std::string& ns, const std::string& name, json data = json::object(), json labels = nullptr) {
    ApiResult result = api_->create(cm_, ns, configMap(ns, name, std::move(data), std::move(labels)));
    EXPECT_EQ(result.status, 201) << result.error;
    return result.body;
  }

  json change(const std::string& ns, const std::string& name, const std::function<void(json&)>& edit) {
    json object = api_->peek(cm_, ns, name).value();
    edit(object);
    ApiResult result = api_->update(cm_, ns, name, object);
    EXPECT_EQ(result.status, 200) << result.error;
    return result.body;
  }

  std::size_t watchCalls(const std::string& caller) const {
    const auto calls = api_->calls();
    return static_cast<std::size_t>(std::count_if(calls.begin(), calls.end(), [&](const testing::CallRecord& c) {
      return c.verb == Verb::Watch && c.caller == caller;
    }));
  }

  std::shared_ptr<ApiServerDouble> api_ = std::make_shared<ApiServerDouble>();
  const ResourceType& cm_ = resources::configMaps();
};

TEST_F(InformerTest, RejectsInvalidConfigurationAndUse) {
  EXPECT_THROW(Informer(nullptr, cm_, fastOptions()), std::invalid_argument);
  InformerOptions zeroBackoff = fastOptions();
  zeroBackoff.initialBackoff = 0ms;
  EXPECT_THROW(Informer(api_, cm_, zeroBackoff), std::invalid_argument);
  InformerOptions inverted = fastOptions();
  inverted.maxBackoff = 5ms;
  EXPECT_THROW(Informer(api_, cm_, inverted), std::invalid_argument);
  InformerOptions noTimeout = fastOptions();
  noTimeout.watchTimeoutSeconds = 0;
  EXPECT_THROW(Informer(api_, cm_, noTimeout), std::invalid_argument);
  InformerOptions negativeResync = fastOptions();
  negativeResync.resyncPeriod = -1ms;
  EXPECT_THROW(Informer(api_, cm_, negativeResync), std::invalid_argument);
  InformerOptions namespacedCrds = fastOptions();
  namespacedCrds.ns = "tools";
  EXPECT_THROW(Informer(api_, resources::customResourceDefinitions(), namespacedCrds), std::invalid_argument);

  Informer informer(api_, cm_, fastOptions());
  EXPECT_EQ(informer.type().plural, "configmaps");
  informer.start();
  EXPECT_THROW(informer.start(), std::logic_error);
  EXPECT_THROW(informer.addHandler([](const InformerEvent&) {}), std::logic_error);
  informer.stop();
  informer.stop();  // idempotent
}

TEST_F(InformerTest, InitialListFillsTheCacheAndReportsEveryObject) {
  create("tools", "b", {{"k", "1"}});
  create("tools", "a");
  create("apps", "z");
  api_->resetCalls();
  Informer informer(api_, cm_, fastOptions());
  Recorder recorder;
  informer.addHandler(recorder.handler());
  EXPECT_FALSE(informer.hasSynced());
  EXPECT_EQ(informer.lastSyncResourceVersion(), "");
  informer.start();
  ASSERT_TRUE(informer.waitForSync(kPatience));
  EXPECT_TRUE(informer.hasSynced());
  EXPECT_EQ(informer.lastSyncResourceVersion(), api_->resourceVersion());

  EXPECT_EQ(names(informer.list()), (std::vector<std::string>{"apps/z", "tools/a", "tools/b"}));
  EXPECT_EQ(names(informer.list("tools")), (std::vector<std::string>{"tools/a", "tools/b"}));
  EXPECT_TRUE(informer.list("nowhere").empty());
  auto b = informer.get("tools", "b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(*b, api_->peek(cm_, "tools", "b").value());
  EXPECT_FALSE((informer.get("apps", "b") != nullptr));

  ASSERT_TRUE(recorder.waitForSize(3));
  EXPECT_EQ(recorder.described(), (std::vector<std::string>{"Added apps/z", "Added tools/a", "Added tools/b"}));
  EXPECT_EQ(api_->callCount(Verb::List), 1u);
  EXPECT_TRUE(api_->waitForOpenWatches(1, kPatience));
  const auto calls = api_->calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1].verb, Verb::Watch);
  EXPECT_EQ(calls[1].resourceVersion, informer.lastSyncResourceVersion()) << "the watch starts from the list";
}

TEST_F(InformerTest, AnEmptyListSyncs) {
  Informer informer(api_, cm_, fastOptions());
  informer.start();
  ASSERT_TRUE(informer.waitForSync(kPatience));
  EXPECT_TRUE(informer.list().empty());
}

TEST_F(InformerTest, WatchesOnlyItsNamespaceAndLabels) {
  InformerOptions options = fastOptions();
  options.ns = "tools";
  options.labelSelector = "app=files";
  create("tools", "match", {}, {{"app", "files"}});
  create("tools", "other-label", {}, {{"app", "db"}});
  create("apps", "other-namespace", {}, {{"app", "files"}});
  Informer informer(api_, cm_, options);
  Recorder recorder;
  informer.addHandler(recorder.handler());
  informer.start();
  ASSERT_TRUE(informer.waitForSync(kPatience));
  EXPECT_EQ(names(informer.list()), (std::vector<std::string>{"tools/match"}));
  ASSERT_TRUE(api_->waitForOpenWatches(1, kPatience));

  // An object that starts matching arrives as Added, one that stops matching leaves as Deleted.
  change("tools", "other-label", [](json& o) { o["metadata"]["labels"]["app"] = "files"; });
  change("tools", "match", [](json& o) { o["metadata"]["labels"]["app"] = "none"; });
  create("apps", "ignored", {}, {{"app", "files"}});
  create("tools", "last", {}, {{"app", "files"}});
  ASSERT_TRUE(recorder.waitForSize(4));
  EXPECT_EQ(recorder.described(), (std::vector<std::string>{"Added tools/match", "Added tools/other-label",
                                                            "Deleted tools/match", "Added tools/last"}));
  EXPECT_EQ(names(informer.list()), (std::vector<std::string>{"tools/last", "tools/other-label"}));
}

TEST_F(InformerTest, WatchEventsReachEveryHandlerAfterTheCacheChanged) {
  Informer informer(api_, cm_, fastOptions());
  Recorder first;
  Recorder second;
  std::atomic<int> cacheBehind{0};
  informer.addHandler(first.handler());
  informer.addHandler(second.handler());
  informer.addHandler([&](const InformerEvent& event) {
    const auto cached = informer.get((*event.object)["metadata"]["namespace"], (*event.object)["metadata"]["name"]);
    const bool current = event.type == InformerEvent::Type::Deleted ? cached == nullptr
                                                                     : cached != nullptr && *cached == *event.object;
    if (!current) ++cacheBehind;
  });
  informer.start();
  ASSERT_TRUE(informer.waitForSync(kPatience));
  ASSERT_TRUE(api_->waitForOpenWatches(1, kPatience));

  const json created = create("tools", "a", {{"k", "1"}});
  const json updated = change("tools", "a", [](json& o) { o["data"]["k"] = "2"; });
  ApiResult deleted = api_->remove(cm_, "tools", "a");
  ASSERT_EQ(deleted.status, 200);

  ASSERT_TRUE(first.waitForSize(3));
  ASSERT_TRUE(second.waitForSize(3));
  const auto events = first.events();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].type, InformerEvent::Type::Added);
  EXPECT_EQ(*events[0].object, created);
  EXPECT_EQ(events[1].type, InformerEvent::Type::Updated);
  EXPECT_EQ(*events[1].object, updated);
  EXPECT_EQ(*events[1].oldObject, created);
  EXPECT_EQ(events[2].type, InformerEvent::Type::Deleted);
  EXPECT_EQ(*events[2].object, deleted.body) << "Deleted carries the server's last state";
  EXPECT_EQ(second.described(), first.described());
  EXPECT_EQ(cacheBehind.load(), 0) << "handlers must run after the cache changed";
  EXPECT_FALSE((informer.get("tools", "a") != nullptr));
  EXPECT_EQ(informer.lastSyncResourceVersion(), deleted.body["metadata"]["resourceVersion"]);
}

TEST_F(InformerTest, ResumesAfterACleanEndWithoutRelisting) {
  Informer informer(api_, cm_, fastOptions());
  Recorder recorder;
  informer.addHandler(recorder.handler());
  informer.start();
  ASSERT_TRUE(informer.waitForSync(kPatience));
  ASSERT_TRUE(api_->waitForOpenWatches(1, kPatience));
  const json x = create("tools", "x");
  ASSERT_TRUE(recorder.waitForSize(1));

  api_->endAllWatches();  // as an API server restart does
  ASSERT_TRUE(eventually([&] { return watchCalls("default") >= 2 && api_->openWatches() == 1; }));
  const auto calls = api_->calls();
  auto watches = std::vector<testing::CallRecord>();
  std::copy_if(calls.begin(), calls.end(), std::back_inserter(watches),
               [](const testing::CallRecord& c) { return c.verb == Verb::Watch; });
  ASSERT_GE(watches.size(), 2u);
  EXPECT_EQ(watches[1].resourceVersion, x["metadata"]["resourceVersion"]) << "resumed from the last event seen";

  create("tools", "y");
  ASSERT_TRUE(recorder.waitForSize(2));
  EXPECT_EQ(recorder.described(), (std::vector<std::string>{"Added tools/x", "Added tools/y"}));
  EXPECT_EQ(api_->callCount(Verb::List), 1u);
  EXPECT_EQ(informer.relists(), 0u);
  EXPECT_GE(informer.watchRestarts(), 1u);
}

void relistsAfterGone(GoneStyle style) {
  ApiServerDoubleOptions doubleOptions;
  doubleOptions.goneStyle = style;
  auto api = std::make_shared<ApiServerDouble>(doubleOptions);
  const ResourceType& cm = resources::configMaps();
  for (const char* name : {"a", "b", "c"}) {
    ASSERT_EQ(api->create(cm, "tools", configMap("tools", name, {{"k", "1"}})).status, 201);
  }

  InformerOptions options;
  options.initialBackoff = 10ms;
  options.maxBackoff = 50ms;
  Informer informer(api->connection("informer"), cm, options);
  Recorder recorder;
  informer.addHandler(recorder.handler());
  informer.start();
  ASSERT_TRUE(informer.waitForSync(kPatience));
  ASSERT_TRUE(recorder.waitForSize(3));
  ASSERT_TRUE(api->waitForOpenWatches(1, kPatience));
  recorder.clear();
  const json oldB = api->peek(cm, "tools", "b").value();
  const json oldC = api->peek(cm, "tools", "c").value();

  // While the informer cannot reach the server, history it has not seen is compacted away.
  api->startOutage(0, "informer");
  ASSERT_TRUE(eventually([&] { return api->openWatches() == 0; }));
  json b = oldB;
  b["data"]["k"] = "2";
  ASSERT_EQ(api->update(cm, "tools", "b", b).status, 200);
  ASSERT_EQ(api->remove(cm, "tools", "c").status, 200);
  ASSERT_EQ(api->create(cm, "tools", configMap("tools", "d")).status, 201);
  api->compact();
  api->endOutage("informer");

  ASSERT_TRUE(eventually([&] { return informer.relists() == 1 && recorder.size() >= 3; }));
  ASSERT_TRUE(api->waitForOpenWatches(1, kPatience));
  const auto events = recorder.events();
  ASSERT_EQ(events.size(), 3u) << "the unchanged object is not reported";
  EXPECT_EQ(recorder.described(), (std::vector<std::string>{"Updated tools/b", "Deleted tools/c", "Added tools/d"}));
  EXPECT_EQ(*events[0].oldObject, oldB);
  EXPECT_EQ(*events[0].object, api->peek(cm, "tools", "b").value());
  EXPECT_EQ(*events[1].object, oldC) << "a vanished object is reported with its last cached state";
  EXPECT_EQ(names(informer.list()), (std::vector<std::string>{"tools/a", "tools/b", "tools/d"}));
  EXPECT_EQ(informer.lastSyncResourceVersion(), api->resourceVersion());
  EXPECT_EQ(api->callCount(Verb::List), 2u);

  // And it goes on watching from the new list.
  ASSERT_EQ(api->create(cm, "tools", configMap("tools", "e")).status, 201);
  ASSERT_TRUE(recorder.waitForSize(4));
  EXPECT_EQ(recorder.described().back(), "Added tools/e");
}

TEST(InformerGoneTest, RelistsOnAnExpiredErrorEventAndReportsTheDifferences) {
  relistsAfterGone(GoneStyle::ErrorEvent);
}

TEST(InformerGoneTest, RelistsOnA410AnswerAndReportsTheDifferences) { relistsAfterGone(GoneStyle::HttpStatus); }

TEST_F(InformerTest, ReconnectsWithBackoffDuringAnOutageAndResumes) {
  Informer informer(api_->connection("informer"), cm_, fastOptions());
  Recorder recorder;
  informer.addHandler(recorder.handler());
  informer.start();
  ASSERT_TRUE(informer.waitForSync(kPatience));
  ASSERT_TRUE(api_->waitForOpenWatches(1, kPatience));

  api_->startOutage(0, "informer");
  ASSERT_TRUE(eventually([&] { return watchCalls("informer") >= 4; })) << "it keeps trying";
  const std::size_t before = watchCalls("informer");
  std::this_thread::sleep_for(300ms);
  // Backoff between 5 and 50 ms: a few attempts in 300 ms, not a tight loop.
  EXPECT_LT(watchCalls("informer") - before, 70u);
  create("tools", "during-outage");
  EXPECT_FALSE((informer.get("tools", "during-outage") != nullptr));
  api_->endOutage();

  ASSERT_TRUE(recorder.waitForSize(1));
  EXPECT_EQ(recorder.described(), (std::vector<std::string>{"Added tools/during-outage"}));
  EXPECT_EQ(informer.relists(), 0u) << "history was intact: the watch resumes, no relist";
  EXPECT_EQ(api_->callCount(Verb::List), 1u);
  EXPECT_TRUE((informer.get("tools", "during-outage") != nullptr));
}

TEST_F(InformerTest, SyncsOnceTheServerAnswers) {
  create("tools", "a");
  api_->startOutage(503);
  Informer informer(api_, cm_, fastOptions());
  informer.start();
  ASSERT_TRUE(eventually([&] { return api_->callCount(Verb::List) >= 3; }));
  EXPECT_FALSE(informer.hasSynced());
  EXPECT_FALSE(informer.waitForSync(20ms));
  EXPECT_TRUE(informer.list().empty());
  api_->endOutage();
  ASSERT_TRUE(informer.waitForSync(kPatience));
  EXPECT_EQ(names(informer.list()), (std::vector<std::string>{"tools/a"}));
  EXPECT_EQ(informer.relists(), 0u) << "failed lists are not relists";
}

TEST(InformerBookmarkTest, BookmarksAdvanceTheVersionSoACompactionNeedsNoRelist) {
  ApiServerDoubleOptions doubleOptions;
  doubleOptions.bookmarkInterval = 20ms;
  auto api = std::make_shared<ApiServerDouble>(doubleOptions);
  const ResourceType& cm = resources::configMaps();
  ASSERT_EQ(api->create(cm, "tools", configMap("tools", "a")).status, 201);
  InformerOptions options;
  options.initialBackoff = 10ms;
  options.maxBackoff = 50ms;
  Informer informer(api, cm, options);
  Recorder recorder;
  informer.addHandler(recorder.handler());
  informer.start();
  ASSERT_TRUE(informer.waitForSync(kPatience));
  const std::string listed = informer.lastSyncResourceVersion();

  // Writes to another resource move the server's version; bookmarks bring the informer along.
  const json lease = {{"apiVersion", "coordination.k8s.io/v1"}, {"kind", "Lease"}, {"metadata", {{"name", "l"}}}};
  ASSERT_EQ(api->create(resources::leases(), "tools", lease).status, 201);
  ASSERT_TRUE(eventually([&] { return informer.lastSyncResourceVersion() == api->resourceVersion(); }));
  EXPECT_NE(informer.lastSyncResourceVersion(), listed);

  api->compact();
  api->endAllWatches();
  ASSERT_EQ(api->create(cm, "tools", configMap("tools", "b")).status, 201);
  ASSERT_TRUE(recorder.waitForSize(2));
  EXPECT_EQ(recorder.described(), (std::vector<std::string>{"Added tools/a", "Added tools/b"}));
  EXPECT_EQ(informer.relists(), 0u);
  EXPECT_EQ(api->callCount(Verb::List), 1u);
}

TEST_F(InformerTest, WithoutBookmarksTheSameCompactionForcesARelist) {
  create("tools", "a");
  Informer informer(api_, cm_, fastOptions());
  Recorder recorder;
  informer.addHandler(recorder.handler());
  informer.start();
  ASSERT_TRUE(informer.waitForSync(kPatience));
  ASSERT_TRUE(api_->waitForOpenWatches(1, kPatience));
  const json lease = {{"apiVersion", "coordination.k8s.io/v1"}, {"kind", "Lease"}, {"metadata", {{"name", "l"}}}};
  ASSERT_EQ(api_->create(resources::leases(), "tools", lease).status, 201);
  api_->compact();
  api_->endAllWatches();
  ASSERT_TRUE(eventually([&] { return informer.relists() == 1; }));
  ASSERT_TRUE(recorder.waitForSize(1));
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(recorder.described(), (std::vector<std::string>{"Added tools/a"})) << "nothing changed: no events";
}

TEST(InformerResyncTest, ResyncHandsEveryCachedObjectToTheHandlers) {
  ApiServerDoubleOptions doubleOptions;
  doubleOptions.bookmarkInterval = 10ms;  // a busy watch: resync runs between its events
  auto api = std::make_shared<ApiServerDouble>(doubleOptions);
  const ResourceType& cm = resources::configMaps();
  ASSERT_EQ(api->create(cm, "tools", configMap("tools", "a")).status, 201);
  ASSERT_EQ(api->create(cm, "tools", configMap("tools", "b")).status, 201);
  InformerOptions options;
  options.initialBackoff = 10ms;
  options.maxBackoff = 50ms;
  options.resyncPeriod = 50ms;
  Informer informer(api, cm, options);
  Recorder recorder;
  informer.addHandler(recorder.handler());
  informer.start();
  ASSERT_TRUE(informer.waitForSync(kPatience));

  auto resyncs = [&] {
    std::size_t count = 0;
    for (const InformerEvent& event : recorder.events()) {
      if (event.type == InformerEvent::Type::Updated && event.object == event.oldObject) ++count;
    }
    return count;
  };
  ASSERT_TRUE(eventually([&] { return resyncs() >= 4; })) << "two rounds over both objects";
  for (const InformerEvent& event : recorder.events()) {
    if (event.type != InformerEvent::Type::Updated) continue;
    EXPECT_EQ(event.object, event.oldObject) << "a resync hands out the cached object itself";
    EXPECT_EQ(*event.object, api->peek(cm, "tools", (*event.object)["metadata"]["name"]).value());
  }
  EXPECT_EQ(api->callCount(Verb::List), 1u) << "a resync replays the cache; it does not list";
}

TEST_F(InformerTest, IdleWatchesAreShortenedSoResyncIsOnTime) {
  InformerOptions options = fastOptions();
  options.resyncPeriod = 200ms;
  create("tools", "a");
  Informer informer(api_, cm_, options);
  Recorder recorder;
  informer.addHandler(recorder.handler());
  informer.start();
  ASSERT_TRUE(informer.waitForSync(kPatience));
  // No events and no bookmarks: the watch (1 s, the shortest the server counts) ends, then the resync runs.
  ASSERT_TRUE(eventually([&] { return recorder.size() >= 2; }, 10'000ms));
  const auto described = recorder.described();
  EXPECT_EQ(described[0], "Added tools/a");
  EXPECT_EQ(described[1], "Updated tools/a");
}

TEST_F(InformerTest, AHandlerThatThrowsDoesNotStopTheInformer) {
  Informer informer(api_, cm_, fastOptions());
  Recorder recorder;
  std::atomic<int> thrown{0};
  informer.addHandler([&](const InformerEvent&) {
    ++thrown;
    throw std::runtime_error("handler failure");
  });
  informer.addHandler([&](const InformerEvent&) {
    ++thrown;
    throw 42;  // not even a std::exception
  });
  informer.addHandler(recorder.handler());
  informer.start();
  ASSERT_TRUE(informer.waitForSync(kPatience));
  ASSERT_TRUE(api_->waitForOpenWatches(1, kPatience));
  create("tools", "a");
  create("tools", "b");
  ASSERT_TRUE(recorder.waitForSize(2));
  EXPECT_EQ(recorder.described(), (std::vector<std::string>{"Added tools/a", "Added tools/b"}));
  EXPECT_EQ(thrown.load(), 4);
  EXPECT_EQ(informer.relists(), 0u);
  EXPECT_EQ(names(informer.list()), (std::vector<std::string>{"tools/a", "tools/b"}));
}

TEST_F(InformerTest, StopsPromptlyWhileWatching) {
  auto informer = std::make_unique<Informer>(api_, cm_, fastOptions());
  informer->start();
  ASSERT_TRUE(informer->waitForSync(kPatience));
  ASSERT_TRUE(api_->waitForOpenWatches(1, kPatience));
  auto stopped = std::async(std::launch::async, [&] { informer->stop(); });
  ASSERT_EQ(stopped.wait_for(kPatience), std::future_status::ready) << "the watch (300 s) must not delay stop()";
  EXPECT_EQ(api_->openWatches(), 0u);
  informer.reset();
}

TEST_F(InformerTest, StopsPromptlyDuringABackoffDelay) {
  InformerOptions options;
  options.initialBackoff = 60'000ms;
  options.maxBackoff = 60'000ms;
  api_->startOutage(0);
  Informer informer(api_, cm_, options);
  informer.start();
  ASSERT_TRUE(eventually([&] { return api_->callCount(Verb::List) >= 1; }));
  auto stopped = std::async(std::launch::async, [&] { informer.stop(); });
  ASSERT_EQ(stopped.wait_for(kPatience), std::future_status::ready) << "the delay (30 to 60 s) must not delay stop()";
  EXPECT_EQ(api_->callCount(Verb::List), 1u);
  EXPECT_FALSE(informer.waitForSync(0ms));
}

TEST_F(InformerTest, StopFromAHandlerEndsTheThread) {
  create("tools", "a");
  create("tools", "b");
  auto informer = std::make_unique<Informer>(api_, cm_, fastOptions());
  std::atomic<int> calls{0};
  informer->addHandler([&](const InformerEvent&) {
    ++calls;
    informer->stop();
  });
  informer->start();
  ASSERT_TRUE(eventually([&] { return calls.load() >= 1; }));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(api_->callCount(Verb::Watch), 0u) << "the thread ended after the list";
  auto destroyed = std::async(std::launch::async, [&] { informer.reset(); });
  ASSERT_EQ(destroyed.wait_for(kPatience), std::future_status::ready);
}

TEST_F(InformerTest, ClusterScopedResources) {
  const ResourceType& crds = resources::customResourceDefinitions();
  const json crd = {{"apiVersion", "apiextensions.k8s.io/v1"},
                    {"kind", "CustomResourceDefinition"},
                    {"metadata", {{"name", "mcpservers.mcpwarden.io"}}},
                    {"spec", {{"group", "mcpwarden.io"}}}};
  ASSERT_EQ(api_->create(crds, "", crd).status, 201);
  Informer informer(api_, crds, fastOptions());
  informer.start();
  ASSERT_TRUE(informer.waitForSync(kPatience));
  EXPECT_TRUE((informer.get("", "mcpservers.mcpwarden.io") != nullptr));
  EXPECT_TRUE((informer.get("ignored", "mcpservers.mcpwarden.io") != nullptr));
  EXPECT_EQ(names(informer.list()), (std::vector<std::string>{"mcpservers.mcpwarden.io"}));
}

// The index used below: ConfigMaps by their "app" label.
std::vector<std::string> appLabel(const json& object) {
  const json labels = object["metadata"].value("labels", json::object());
  if (!labels.contains("app")) return {};
  return {labels["app"].get<std::string>()};
}

TEST_F(InformerTest, IndexFollowsListsWatchEventsAndRelists) {
  auto api = api_->connection("informer");
  create("tools", "b", {}, {{"app", "files"}});
  create("tools", "a", {}, {{"app", "files"}});
  create("tools", "c", {}, {{"app", "git"}});
  create("tools", "unlabelled");
  InformerOptions options = fastOptions();
  options.indexers = {{"app", appLabel}};
  Informer informer(api, cm_, options);
  EXPECT_TRUE(informer.hasIndex("app"));
  EXPECT_FALSE(informer.hasIndex("owner"));
  EXPECT_THROW(informer.byIndex("owner", "x"), std::invalid_argument);
  informer.start();
  ASSERT_TRUE(informer.waitForSync(kPatience));
  ASSERT_TRUE(api_->waitForOpenWatches(1, kPatience));
  EXPECT_EQ(names(informer.byIndex("app", "files")), (std::vector<std::string>{"tools/a", "tools/b"}));
  EXPECT_EQ(names(informer.byIndex("app", "git")), (std::vector<std::string>{"tools/c"}));
  EXPECT_TRUE(informer.byIndex("app", "none").empty());
  // The index hands out the cached objects themselves.
  EXPECT_EQ(informer.byIndex("app", "git").front(), informer.get("tools", "c"));

  // A label change moves the object; a deletion and an addition are seen.
  change("tools", "b", [](json& o) { o["metadata"]["labels"]["app"] = "git"; });
  ASSERT_EQ(api_->remove(cm_, "tools", "a").status, 200);
  create("tools", "d", {}, {{"app", "files"}});
  ASSERT_TRUE(eventually([&] { return names(informer.byIndex("app", "files")) == std::vector<std::string>{"tools/d"}; }));
  EXPECT_EQ(names(informer.byIndex("app", "git")), (std::vector<std::string>{"tools/b", "tools/c"}));

  // A relist (history compacted while the informer was away) rebuilds it.
  api_->startOutage(0, "informer");
  ASSERT_TRUE(eventually([&] { return api_->openWatches() == 0; }));
  change("tools", "c", [](json& o) { o["metadata"]["labels"]["app"] = "files"; });
  ASSERT_EQ(api_->remove(cm_, "tools", "d").status, 200);
  api_->compact();
  api_->endOutage("informer");
  ASSERT_TRUE(eventually([&] { return informer.relists() == 1; }));
  EXPECT_EQ(names(informer.byIndex("app", "files")), (std::vector<std::string>{"tools/c"}));
  EXPECT_EQ(names(informer.byIndex("app", "git")), (std::vector<std::string>{"tools/b"}));
}

TEST_F(InformerTest, TransformAppliesToEveryObjectCachedOrReported) {
  create("tools", "listed", {{"keep", "1"}, {"drop", "x"}});
  InformerOptions options = fastOptions();
  options.transform = [](json& object) { object["data"].erase("drop"); };
  Informer informer(api_, cm_, options);
  Recorder recorder;
  informer.addHandler(recorder.handler());
  informer.start();
  ASSERT_TRUE(informer.waitForSync(kPatience));
  ASSERT_TRUE(api_->waitForOpenWatches(1, kPatience));
  create("tools", "watched", {{"keep", "2"}, {"drop", "y"}});
  change("tools", "listed", [](json& o) { o["data"]["drop"] = "z"; });
  ASSERT_EQ(api_->remove(cm_, "tools", "watched").status, 200);
  ASSERT_TRUE(recorder.waitForSize(4));

  EXPECT_EQ(recorder.described(), (std::vector<std::string>{"Added tools/listed", "Added tools/watched",
                                                            "Updated tools/listed", "Deleted tools/watched"}));
  for (const InformerEvent& event : recorder.events()) {
    EXPECT_FALSE(event.object->at("data").contains("drop")) << objectKey(*event.object);
    EXPECT_TRUE(event.object->at("data").contains("keep")) << objectKey(*event.object);
    if (event.oldObject) {
      EXPECT_FALSE(event.oldObject->at("data").contains("drop"));
    }
  }
  const auto listed = informer.get("tools", "listed");
  ASSERT_NE(listed, nullptr);
  EXPECT_EQ((*listed)["data"], (json{{"keep", "1"}}));
}

TEST_F(InformerTest, ReadersAndHandlersShareTheCachedObject) {
  create("tools", "a", {{"k", "1"}});
  Informer informer(api_, cm_, fastOptions());
  std::mutex mu;
  std::vector<ObjectPtr> handed;
  informer.addHandler([&](const InformerEvent& event) {
    std::lock_guard lock(mu);
    handed.push_back(event.object);
  });
  informer.start();
  ASSERT_TRUE(informer.waitForSync(kPatience));
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mu);
    return handed.size() == 1;
  }));
  const ObjectPtr cached = informer.get("tools", "a");
  EXPECT_EQ(informer.get("tools", "a"), cached) << "get() does not copy";
  EXPECT_EQ(informer.list().front(), cached);
  std::lock_guard lock(mu);
  EXPECT_EQ(handed.front(), cached) << "the event carries the cached object";
}

TEST_F(InformerTest, ListIsTakenPageByPage) {
  // The double's answer handed over in pages of one object; list() must not be used.
  class PagingClient : public KubeClient {
   public:
    explicit PagingClient(std::shared_ptr<ApiServerDouble> api) : api_(std::move(api)) {}
    ApiResult get(const ResourceType& t, const std::string& ns, const std::string& n) override { return api_->get(t, ns, n); }
    ApiResult list(const ResourceType&, const std::string&, const ListOptions&) override {
      ADD_FAILURE() << "the informer lists page by page";
      return {500, nullptr, "unexpected"};
    }
    ApiResult listPages(const ResourceType& t, const std::string& ns, const ListOptions& o,
                        const std::function<void(json& items)>& onPage) override {
      ApiResult all = api_->list(t, ns, o);
      for (auto& item : all.body["items"]) {
        json page = json::array({item});
        onPage(page);
        EXPECT_TRUE(page.empty() || page.is_null()) << "the informer takes each page's items over";
        ++pages;
      }
      all.body.erase("items");
      return all;
    }
    WatchResult watch(const ResourceType& t, const std::string& ns, const WatchOptions& o,
                      const std::function<bool(const WatchEvent&)>& onEvent, const std::atomic<bool>& stop) override {
      return api_->watch(t, ns, o, onEvent, stop);
    }
    ApiResult apply(const ResourceType& t, const std::string& ns, const std::string& n, const json& b,
                    const std::string& m, bool f) override { return api_->apply(t, ns, n, b, m, f); }
    ApiResult applyStatus(const ResourceType& t, const std::string& ns, const std::string& n, const json& b,
                          const std::string& m, bool f) override { return api_->applyStatus(t, ns, n, b, m, f); }
    ApiResult create(const ResourceType& t, const std::string& ns, const json& b) override { return api_->create(t, ns, b); }
    ApiResult update(const ResourceType& t, const std::string& ns, const std::string& n, const json& b) override {
      return api_->update(t, ns, n, b);
    }
    ApiResult remove(const ResourceType& t, const std::string& ns, const std::string& n) override {
      return api_->remove(t, ns, n);
    }
    std::atomic<int> pages{0};

   private:
    std::shared_ptr<ApiServerDouble> api_;
  };
  for (const char* name : {"a", "b", "c"}) create("tools", name);
  auto client = std::make_shared<PagingClient>(api_);
  Informer informer(client, cm_, fastOptions());
  informer.start();
  ASSERT_TRUE(informer.waitForSync(kPatience));
  EXPECT_EQ(client->pages.load(), 3);
  EXPECT_EQ(names(informer.list()), (std::vector<std::string>{"tools/a", "tools/b", "tools/c"}));
}

TEST(ObjectKeyTest, NamespaceSlashNameOrName) {
  EXPECT_EQ(objectKey(configMap("tools", "a")), "tools/a");
  EXPECT_EQ(objectKey(json{{"metadata", {{"name", "cluster-wide"}}}}), "cluster-wide");
  EXPECT_EQ(objectKey(json::object()), "");
  EXPECT_EQ(objectKey(json("not an object")), "");
}

}  // namespace
}  // namespace warden::op
