#include "tests/operator/api_server_double.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace warden::op::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using std::chrono::milliseconds;

json configMap(const std::string& ns, const std::string& name, json data = json::object(), json labels = nullptr) {
  json object = {{"apiVersion", "v1"},
                 {"kind", "ConfigMap"},
                 {"metadata", {{"name", name}, {"namespace", ns}}},
                 {"data", std::move(data)}};
  if (!labels.is_null()) object["metadata"]["labels"] = std::move(labels);
  return object;
}

json server(const std::string& name, json spec) {
  return {{"apiVersion", "mcpwarden.io/v1alpha1"},
          {"kind", "MCPServer"},
          {"metadata", {{"name", name}, {"namespace", "tools"}}},
          {"spec", std::move(spec)}};
}

std::string rvOf(const json& object) { return object["metadata"]["resourceVersion"].get<std::string>(); }
std::uint64_t rvNumber(const json& object) { return std::stoull(rvOf(object)); }

// Whether `manager`'s entry (for `subresource`) in metadata.managedFields lists the field path.
bool owns(const json& object, const std::string& manager, const std::vector<std::string>& path,
          const std::string& subresource = "") {
  for (const json& entry : object["metadata"].value("managedFields", json::array())) {
    if (entry.value("manager", "") != manager || entry.value("subresource", "") != subresource) continue;
    const json* node = &entry["fieldsV1"];
    bool found = true;
    for (const std::string& segment : path) {
      auto it = node->find("f:" + segment);
      if (it == node->end()) {
        found = false;
        break;
      }
      node = &*it;
    }
    if (found) return true;
  }
  return false;
}

struct Watched {
  WatchResult result;
  std::vector<WatchEvent> events;
};

// Watches until `count` events arrived, the watch ended, or `timeout` passed (then the stop flag ends it).
Watched watchFor(KubeClient& client, const ResourceType& type, const std::string& ns, WatchOptions options,
                 std::size_t count, milliseconds timeout = 5000ms) {
  Watched out;
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::condition_variable cv;
  bool finished = false;
  std::thread watchdog([&] {
    std::unique_lock lock(mu);
    if (!cv.wait_for(lock, timeout, [&] { return finished; })) stop = true;
  });
  out.result = client.watch(
      type, ns, options,
      [&](const WatchEvent& event) {
        out.events.push_back(event);
        return out.events.size() < count;
      },
      stop);
  {
    std::lock_guard lock(mu);
    finished = true;
  }
  cv.notify_all();
  watchdog.join();
  return out;
}

WatchOptions from(const std::string& resourceVersion) {
  WatchOptions options;
  options.resourceVersion = resourceVersion;
  return options;
}

std::vector<std::string> names(const json& list) {
  std::vector<std::string> out;
  for (const json& item : list.value("items", json::array())) {
    out.push_back(item["metadata"]["name"].get<std::string>());
  }
  return out;
}

class ApiServerDoubleTest : public ::testing::Test {
 protected:
  ApiServerDouble api_;
  const ResourceType& cm_ = resources::configMaps();
  const ResourceType& servers_ = resources::mcpServers();
};

// ---- Objects, versions, errors ----

TEST(ApiServerDoubleStandaloneTest, CreateFillsTheServerFields) {
  ApiServerDoubleOptions options;
  options.wallClock = [] { return std::chrono::system_clock::from_time_t(1714564800) + 250ms; };  // 2024-05-01 12:00
  ApiServerDouble api(options);
  const std::string before = api.resourceVersion();
  ApiResult created = api.create(resources::configMaps(), "tools", configMap("tools", "a", {{"k", "v"}}));
  ASSERT_EQ(created.status, 201) << created.error;
  const json& metadata = created.body["metadata"];
  EXPECT_EQ(created.body["apiVersion"], "v1");
  EXPECT_EQ(created.body["kind"], "ConfigMap");
  EXPECT_EQ(metadata["name"], "a");
  EXPECT_EQ(metadata["namespace"], "tools");
  EXPECT_EQ(metadata["generation"], 1);
  EXPECT_EQ(metadata["creationTimestamp"], "2024-05-01T12:00:00Z");
  EXPECT_EQ(rvNumber(created.body), std::stoull(before) + 1);
  EXPECT_EQ(rvOf(created.body), api.resourceVersion());
  EXPECT_EQ(metadata["uid"].get<std::string>().size(), 36u);
  EXPECT_EQ(created.body["data"]["k"], "v");
  EXPECT_TRUE(owns(created.body, "default", {"data", "k"})) << created.body.dump();

  ApiResult other = api.create(resources::configMaps(), "tools", configMap("tools", "b"));
  ASSERT_EQ(other.status, 201);
  EXPECT_NE(other.body["metadata"]["uid"], metadata["uid"]);
  EXPECT_EQ(rvNumber(other.body), rvNumber(created.body) + 1);

  ApiResult got = api.get(resources::configMaps(), "tools", "a");
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.body, created.body);
}

TEST_F(ApiServerDoubleTest, ServerSetFieldsInACreateBodyAreReplaced) {
  json body = configMap("tools", "a");
  body["metadata"]["uid"] = "mine";
  body["metadata"]["generation"] = 7;
  body["metadata"]["creationTimestamp"] = "1999-01-01T00:00:00Z";
  ApiResult created = api_.create(cm_, "tools", body);
  ASSERT_EQ(created.status, 201);
  EXPECT_NE(created.body["metadata"]["uid"], "mine");
  EXPECT_EQ(created.body["metadata"]["generation"], 1);
  EXPECT_NE(created.body["metadata"]["creationTimestamp"], "1999-01-01T00:00:00Z");
}

TEST_F(ApiServerDoubleTest, CreateErrors) {
  ASSERT_EQ(api_.create(cm_, "tools", configMap("tools", "a")).status, 201);
  const std::string version = api_.resourceVersion();

  ApiResult exists = api_.create(cm_, "tools", configMap("tools", "a"));
  EXPECT_EQ(exists.status, 409);
  EXPECT_TRUE(exists.conflict());
  EXPECT_EQ(exists.body["kind"], "Status");
  EXPECT_EQ(exists.body["reason"], "AlreadyExists");
  EXPECT_EQ(exists.body["message"], "configmaps \"a\" already exists");

  json withVersion = configMap("tools", "b");
  withVersion["metadata"]["resourceVersion"] = "5";
  EXPECT_EQ(api_.create(cm_, "tools", withVersion).status, 500);

  json unnamed = configMap("tools", "");
  unnamed["metadata"].erase("name");
  EXPECT_EQ(api_.create(cm_, "tools", unnamed).status, 422);

  EXPECT_EQ(api_.create(cm_, "", configMap("", "c")).status, 400) << "a namespaced resource needs a namespace";
  EXPECT_EQ(api_.create(cm_, "other", configMap("tools", "d")).status, 400) << "namespace mismatch";
  json wrongKind = configMap("tools", "e");
  wrongKind["kind"] = "Secret";
  EXPECT_EQ(api_.create(cm_, "tools", wrongKind).status, 400);
  json wrongVersion = configMap("tools", "f");
  wrongVersion["apiVersion"] = "v2";
  EXPECT_EQ(api_.create(cm_, "tools", wrongVersion).status, 400);

  EXPECT_EQ(api_.resourceVersion(), version) << "failed writes change nothing";
  EXPECT_EQ(api_.peekAll(cm_).size(), 1u);
}

TEST_F(ApiServerDoubleTest, GenerateNameGivesFreshNames) {
  json body = configMap("tools", "");
  body["metadata"].erase("name");
  body["metadata"]["generateName"] = "bundle-";
  ApiResult first = api_.create(cm_, "tools", body);
  ApiResult second = api_.create(cm_, "tools", body);
  ASSERT_EQ(first.status, 201);
  ASSERT_EQ(second.status, 201);
  const std::string a = first.body["metadata"]["name"];
  const std::string b = second.body["metadata"]["name"];
  EXPECT_EQ(a.rfind("bundle-", 0), 0u);
  EXPECT_EQ(a.size(), std::string("bundle-").size() + 5);
  EXPECT_NE(a, b);
}

TEST_F(ApiServerDoubleTest, GetOfAMissingObjectIsNotFound) {
  ApiResult missing = api_.get(cm_, "tools", "nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_TRUE(missing.notFound());
  EXPECT_EQ(missing.body["kind"], "Status");
  EXPECT_EQ(missing.body["status"], "Failure");
  EXPECT_EQ(missing.body["reason"], "NotFound");
  EXPECT_EQ(missing.body["code"], 404);
  EXPECT_EQ(missing.body["message"], "configmaps \"nope\" not found");
  EXPECT_EQ(missing.body["details"]["name"], "nope");
  EXPECT_EQ(api_.get(servers_, "tools", "nope").body["message"], "mcpservers.mcpwarden.io \"nope\" not found");
}

TEST_F(ApiServerDoubleTest, ResourceVersionChangesOnlyWhenAnObjectChanges) {
  ApiResult created = api_.create(cm_, "tools", configMap("tools", "a", {{"k", "1"}}));
  ASSERT_EQ(created.status, 201);
  const std::string version = api_.resourceVersion();

  ApiResult same = api_.update(cm_, "tools", "a", created.body);
  ASSERT_EQ(same.status, 200);
  EXPECT_EQ(rvOf(same.body), rvOf(created.body));
  EXPECT_EQ(api_.resourceVersion(), version);

  api_.get(cm_, "tools", "a");
  api_.list(cm_, "tools", {});
  EXPECT_EQ(api_.resourceVersion(), version) << "reads never bump the version";

  json changed = created.body;
  changed["data"]["k"] = "2";
  ApiResult updated = api_.update(cm_, "tools", "a", changed);
  ASSERT_EQ(updated.status, 200);
  EXPECT_EQ(rvNumber(updated.body), rvNumber(created.body) + 1);
  EXPECT_EQ(api_.resourceVersion(), rvOf(updated.body));
  EXPECT_EQ(updated.body["metadata"]["uid"], created.body["metadata"]["uid"]);
  EXPECT_EQ(updated.body["metadata"]["creationTimestamp"], created.body["metadata"]["creationTimestamp"]);

  // The version is global: a write to another resource bumps it too.
  ASSERT_EQ(api_.create(servers_, "tools", server("s", {{"port", 1}})).status, 201);
  EXPECT_EQ(std::stoull(api_.resourceVersion()), rvNumber(updated.body) + 1);
}

TEST_F(ApiServerDoubleTest, StaleUpdateIsAConflict) {
  ApiResult created = api_.create(cm_, "tools", configMap("tools", "a", {{"k", "1"}}));
  json fresh = created.body;
  fresh["data"]["k"] = "2";
  ASSERT_EQ(api_.update(cm_, "tools", "a", fresh).status, 200);

  json stale = created.body;
  stale["data"]["k"] = "3";
  ApiResult conflict = api_.update(cm_, "tools", "a", stale);
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(conflict.body["reason"], "Conflict");
  EXPECT_EQ(conflict.body["message"],
            "Operation cannot be fulfilled on configmaps \"a\": the object has been modified; please apply your "
            "changes to the latest version and try again");
  EXPECT_EQ(api_.peek(cm_, "tools", "a")->at("data")["k"], "2");

  stale["metadata"].erase("resourceVersion");
  ApiResult unconditional = api_.update(cm_, "tools", "a", stale);
  EXPECT_EQ(unconditional.status, 200) << "without a resourceVersion an update is unconditional";
  EXPECT_EQ(unconditional.body["data"]["k"], "3");

  json otherUid = unconditional.body;
  otherUid["metadata"]["uid"] = "00000000-0000-4000-8000-ffffffffffff";
  EXPECT_EQ(api_.update(cm_, "tools", "a", otherUid).status, 409);

  EXPECT_EQ(api_.update(cm_, "tools", "missing", configMap("tools", "missing")).status, 404)
      << "PUT does not create";
  EXPECT_EQ(api_.update(cm_, "tools", "a", configMap("tools", "b")).status, 400) << "name differs from the URL";
}

TEST_F(ApiServerDoubleTest, GenerationFollowsSpecChangesOnly) {
  ApiResult created = api_.create(cm_, "tools", configMap("tools", "a", {{"k", "1"}}));
  json object = created.body;
  object["metadata"]["labels"] = {{"team", "x"}};
  ApiResult labelled = api_.update(cm_, "tools", "a", object);
  EXPECT_EQ(labelled.body["metadata"]["generation"], 1) << "metadata changes do not count";
  EXPECT_NE(rvOf(labelled.body), rvOf(created.body));

  object = labelled.body;
  object["data"]["k"] = "2";
  ApiResult changed = api_.update(cm_, "tools", "a", object);
  EXPECT_EQ(changed.body["metadata"]["generation"], 2);

  // With a status subresource, .status does not count either.
  ASSERT_EQ(api_.apply(servers_, "tools", "s", server("s", {{"port", 1}}), "warden", false).status, 201);
  ApiResult status = api_.applyStatus(servers_, "tools", "s",
                                      {{"apiVersion", "mcpwarden.io/v1alpha1"},
                                       {"kind", "MCPServer"},
                                       {"metadata", {{"name", "s"}, {"namespace", "tools"}}},
                                       {"status", {{"phase", "Ready"}}}},
                                      "warden", false);
  ASSERT_EQ(status.status, 200) << status.error;
  EXPECT_EQ(status.body["metadata"]["generation"], 1);
  ApiResult spec = api_.apply(servers_, "tools", "s", server("s", {{"port", 2}}), "warden", false);
  EXPECT_EQ(spec.body["metadata"]["generation"], 2);
}

TEST_F(ApiServerDoubleTest, StatusSubresourceIsIsolated) {
  json body = server("s", {{"port", 1}});
  body["status"] = {{"phase", "Forged"}};
  ApiResult created = api_.create(servers_, "tools", body);
  ASSERT_EQ(created.status, 201);
  EXPECT_FALSE(created.body.contains("status")) << "create drops .status";

  const json statusIntent = {{"apiVersion", "mcpwarden.io/v1alpha1"},
                             {"kind", "MCPServer"},
                             {"metadata", {{"name", "s"}, {"namespace", "tools"}}},
                             {"spec", {{"port", 99}}},
                             {"status", {{"phase", "Ready"}}}};
  ApiResult status = api_.applyStatus(servers_, "tools", "s", statusIntent, "warden-status", false);
  ASSERT_EQ(status.status, 200) << status.error;
  EXPECT_EQ(status.body["status"]["phase"], "Ready");
  EXPECT_EQ(status.body["spec"]["port"], 1) << "the status subresource changes only .status";
  EXPECT_TRUE(owns(status.body, "warden-status", {"status", "phase"}, "status"));

  json update = status.body;
  update["status"]["phase"] = "Overwritten";
  update["spec"]["port"] = 2;
  ApiResult updated = api_.update(servers_, "tools", "s", update);
  ASSERT_EQ(updated.status, 200);
  EXPECT_EQ(updated.body["status"]["phase"], "Ready") << "update of the main resource keeps the stored status";
  EXPECT_EQ(updated.body["spec"]["port"], 2);

  json applied = server("s", {{"port", 2}});
  applied["status"] = {{"phase", "FromApply"}};
  ApiResult mainApply = api_.apply(servers_, "tools", "s", applied, "other", false);
  ASSERT_EQ(mainApply.status, 200) << mainApply.error;
  EXPECT_EQ(mainApply.body["status"]["phase"], "Ready") << "apply of the main resource ignores .status";

  EXPECT_EQ(api_.applyStatus(servers_, "tools", "missing", server("missing", {}), "warden", false).status, 404);
  EXPECT_EQ(api_.applyStatus(cm_, "tools", "a", configMap("tools", "a"), "warden", false).status, 404)
      << "configmaps have no status subresource";
}

TEST_F(ApiServerDoubleTest, StatusIsPartOfTheObjectWithoutASubresource) {
  api_.setStatusSubresource(servers_, false);
  json body = server("s", {{"port", 1}});
  body["status"] = {{"phase", "Kept"}};
  ApiResult created = api_.create(servers_, "tools", body);
  ASSERT_EQ(created.status, 201);
  EXPECT_EQ(created.body["status"]["phase"], "Kept");
  json update = created.body;
  update["status"]["phase"] = "Changed";
  ApiResult updated = api_.update(servers_, "tools", "s", update);
  EXPECT_EQ(updated.body["status"]["phase"], "Changed");
  EXPECT_EQ(updated.body["metadata"]["generation"], 2);
}

// ---- Watch ----

TEST_F(ApiServerDoubleTest, WatchFromAVersionReplaysLaterChangesInOrder) {
  ASSERT_EQ(api_.create(cm_, "tools", configMap("tools", "b")).status, 201);
  const std::string start = api_.resourceVersion();
  ApiResult a = api_.create(cm_, "tools", configMap("tools", "a", {{"k", "1"}}));
  json changed = a.body;
  changed["data"]["k"] = "2";
  ApiResult modified = api_.update(cm_, "tools", "a", changed);
  ApiResult deleted = api_.remove(cm_, "tools", "b");
  ASSERT_EQ(deleted.status, 200);
  ASSERT_EQ(api_.create(servers_, "tools", server("s", {})).status, 201);  // another resource: not in this watch

  Watched w = watchFor(api_, cm_, "tools", from(start), 3);
  EXPECT_EQ(w.result.status, 200);
  EXPECT_FALSE(w.result.gone);
  ASSERT_EQ(w.events.size(), 3u);
  EXPECT_EQ(w.events[0].type, "ADDED");
  EXPECT_EQ(w.events[0].object, a.body);
  EXPECT_EQ(w.events[1].type, "MODIFIED");
  EXPECT_EQ(w.events[1].object, modified.body);
  EXPECT_EQ(w.events[2].type, "DELETED");
  EXPECT_EQ(w.events[2].object["metadata"]["name"], "b");
  EXPECT_EQ(w.events[2].object, deleted.body) << "DELETED carries the last state with the deletion's version";
  EXPECT_LT(rvNumber(w.events[0].object), rvNumber(w.events[1].object));
  EXPECT_LT(rvNumber(w.events[1].object), rvNumber(w.events[2].object));
  EXPECT_EQ(w.result.lastResourceVersion, rvOf(deleted.body));
}

TEST_F(ApiServerDoubleTest, WatchFromTheCurrentVersionSeesOnlyNewChanges) {
  ASSERT_EQ(api_.create(cm_, "tools", configMap("tools", "old")).status, 201);
  const std::string now = api_.resourceVersion();
  auto watched = std::async(std::launch::async, [&] { return watchFor(api_, cm_, "tools", from(now), 1); });
  ASSERT_TRUE(api_.waitForOpenWatches(1, 5000ms));
  ASSERT_EQ(api_.create(cm_, "tools", configMap("tools", "new")).status, 201);
  Watched w = watched.get();
  ASSERT_EQ(w.events.size(), 1u);
  EXPECT_EQ(w.events[0].type, "ADDED");
  EXPECT_EQ(w.events[0].object["metadata"]["name"], "new");
}

TEST_F(ApiServerDoubleTest, WatchFromAFutureVersionWaitsForIt) {
  const std::string future = std::to_string(std::stoull(api_.resourceVersion()) + 2);
  auto watched = std::async(std::launch::async, [&] { return watchFor(api_, cm_, "tools", from(future), 1); });
  ASSERT_TRUE(api_.waitForOpenWatches(1, 5000ms));
  ASSERT_EQ(api_.create(cm_, "tools", configMap("tools", "x")).status, 201);
  ASSERT_EQ(api_.create(cm_, "tools", configMap("tools", "y")).status, 201);
  ASSERT_EQ(rvOf(api_.peek(cm_, "tools", "y").value()), future);
  ASSERT_EQ(api_.create(cm_, "tools", configMap("tools", "z")).status, 201);
  Watched w = watched.get();
  ASSERT_EQ(w.events.size(), 1u);
  EXPECT_EQ(w.events[0].object["metadata"]["name"], "z") << "only changes after the version asked for";
}

TEST_F(ApiServerDoubleTest, WatchFromNoVersionStartsWithAnAddedForEveryObject) {
  ASSERT_EQ(api_.create(cm_, "tools", configMap("tools", "b")).status, 201);
  ASSERT_EQ(api_.create(cm_, "tools", configMap("tools", "a")).status, 201);
  ASSERT_EQ(api_.create(cm_, "elsewhere", configMap("elsewhere", "c")).status, 201);
  for (const std::string version : {"", "0"}) {
    SCOPED_TRACE("resourceVersion \"" + version + "\"");
    auto watched = std::async(std::launch::async, [&] { return watchFor(api_, cm_, "tools", from(version), 3); });
    // The initial events come at once; the third is a change made once the watch is open.
    ASSERT_TRUE(api_.waitForOpenWatches(1, 5000ms));
    ApiResult created = api_.create(cm_, "tools", configMap("tools", "d" + version));
    Watched w = watched.get();
    ASSERT_EQ(w.events.size(), 3u);
    EXPECT_EQ(w.events[0].type, "ADDED");
    EXPECT_EQ(w.events[0].object["metadata"]["name"], "a");
    EXPECT_EQ(w.events[1].type, "ADDED");
    EXPECT_EQ(w.events[1].object["metadata"]["name"], "b");
    EXPECT_EQ(w.events[2].type, "ADDED");
    EXPECT_EQ(w.events[2].object, created.body);
    ASSERT_EQ(api_.remove(cm_, "tools", "d" + version).status, 200);
  }
}

TEST_F(ApiServerDoubleTest, WritesThatChangeNothingSendNoEvent) {
  ApiResult created = api_.create(cm_, "tools", configMap("tools", "a", {{"k", "1"}}));
  ASSERT_EQ(api_.apply(cm_, "tools", "b", configMap("tools", "b", {{"k", "1"}}), "warden", false).status, 201);
  const std::string now = api_.resourceVersion();
  auto watched = std::async(std::launch::async, [&] { return watchFor(api_, cm_, "tools", from(now), 1); });
  ASSERT_TRUE(api_.waitForOpenWatches(1, 5000ms));

  EXPECT_EQ(api_.update(cm_, "tools", "a", created.body).status, 200);
  EXPECT_EQ(api_.apply(cm_, "tools", "b", configMap("tools", "b", {{"k", "1"}}), "warden", false).status, 200);
  EXPECT_EQ(api_.resourceVersion(), now);
  json changed = created.body;
  changed["data"]["k"] = "2";
  ApiResult real = api_.update(cm_, "tools", "a", changed);

  Watched w = watched.get();
  ASSERT_EQ(w.events.size(), 1u);
  EXPECT_EQ(w.events[0].type, "MODIFIED");
  EXPECT_EQ(w.events[0].object, real.body) << "the first event must be the real change";
}

TEST(ApiServerDoubleStandaloneTest, BookmarksCarryTheCurrentVersion) {
  ApiServerDoubleOptions options;
  options.bookmarkInterval = 20ms;
  ApiServerDouble api(options);
  ASSERT_EQ(api.create(resources::configMaps(), "tools", configMap("tools", "a")).status, 201);
  // A change to another resource moves the version; the bookmark reports it.
  ASSERT_EQ(api.create(resources::leases(), "tools",
                       {{"apiVersion", "coordination.k8s.io/v1"}, {"kind", "Lease"}, {"metadata", {{"name", "l"}}}})
                .status,
            201);
  Watched w = watchFor(api, resources::configMaps(), "tools", from(api.resourceVersion()), 2);
  ASSERT_EQ(w.events.size(), 2u);
  for (const WatchEvent& event : w.events) {
    EXPECT_EQ(event.type, "BOOKMARK");
    EXPECT_EQ(event.object["kind"], "ConfigMap");
    EXPECT_EQ(rvOf(event.object), api.resourceVersion());
    EXPECT_FALSE(event.object["metadata"].contains("name")) << "a bookmark carries only the version";
  }
  EXPECT_EQ(w.result.lastResourceVersion, api.resourceVersion());
}

TEST(ApiServerDoubleStandaloneTest, NoBookmarksUnlessTheWatchAllowsThem) {
  ApiServerDoubleOptions options;
  options.bookmarkInterval = 10ms;
  options.maxWatchDuration = 150ms;
  ApiServerDouble api(options);
  WatchOptions watchOptions = from(api.resourceVersion());
  watchOptions.allowBookmarks = false;
  Watched w = watchFor(api, resources::configMaps(), "tools", watchOptions, 1);
  EXPECT_EQ(w.result.status, 200);
  EXPECT_TRUE(w.result.error.empty());
  EXPECT_TRUE(w.events.empty()) << "the watch ends at maxWatchDuration without any event";
}

TEST_F(ApiServerDoubleTest, WatchFromACompactedVersionIsGoneAsAnErrorEvent) {
  ApiResult created = api_.create(cm_, "tools", configMap("tools", "a", {{"k", "1"}}));
  const std::string old = rvOf(created.body);
  json changed = created.body;
  changed["data"]["k"] = "2";
  ASSERT_EQ(api_.update(cm_, "tools", "a", changed).status, 200);
  api_.compact();

  Watched w = watchFor(api_, cm_, "tools", from(old), 10);
  EXPECT_EQ(w.result.status, 200) << "the watch cache accepts the request, then sends the error";
  EXPECT_TRUE(w.result.gone);
  ASSERT_EQ(w.events.size(), 1u);
  EXPECT_EQ(w.events[0].type, "ERROR");
  EXPECT_EQ(w.events[0].object["kind"], "Status");
  EXPECT_EQ(w.events[0].object["code"], 410);
  EXPECT_EQ(w.events[0].object["reason"], "Expired");

  // From the compaction point on, watching works.
  const std::string current = api_.resourceVersion();
  auto watched = std::async(std::launch::async, [&] { return watchFor(api_, cm_, "tools", from(current), 1); });
  ASSERT_TRUE(api_.waitForOpenWatches(1, 5000ms));
  ASSERT_EQ(api_.remove(cm_, "tools", "a").status, 200);
  Watched after = watched.get();
  EXPECT_FALSE(after.result.gone);
  ASSERT_EQ(after.events.size(), 1u);
  EXPECT_EQ(after.events[0].type, "DELETED");
}

TEST(ApiServerDoubleStandaloneTest, WatchFromACompactedVersionIsGoneAsAnHttpStatus) {
  ApiServerDoubleOptions options;
  options.goneStyle = GoneStyle::HttpStatus;
  ApiServerDouble api(options);
  const std::string old = api.resourceVersion();
  ASSERT_EQ(api.create(resources::configMaps(), "tools", configMap("tools", "a")).status, 201);
  api.compact();
  Watched w = watchFor(api, resources::configMaps(), "tools", from(old), 10);
  EXPECT_EQ(w.result.status, 410);
  EXPECT_TRUE(w.result.gone);
  EXPECT_TRUE(w.events.empty());
  EXPECT_EQ(api.calls().back().status, 410);
}

TEST(ApiServerDoubleStandaloneTest, HistoryBeyondTheLimitIsCompactedAway) {
  ApiServerDoubleOptions options;
  options.historyLimit = 2;
  ApiServerDouble api(options);
  std::vector<std::string> versions{api.resourceVersion()};
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(api.create(resources::configMaps(), "tools", configMap("tools", "c" + std::to_string(i))).status, 201);
    versions.push_back(api.resourceVersion());
  }
  // The last two changes are kept: a watch from the version before them replays them.
  Watched recent = watchFor(api, resources::configMaps(), "tools", from(versions[3]), 2);
  EXPECT_FALSE(recent.result.gone);
  ASSERT_EQ(recent.events.size(), 2u);
  EXPECT_EQ(recent.events[0].object["metadata"]["name"], "c3");
  EXPECT_EQ(recent.events[1].object["metadata"]["name"], "c4");

  Watched old = watchFor(api, resources::configMaps(), "tools", from(versions[1]), 5);
  EXPECT_TRUE(old.result.gone);
}

TEST_F(ApiServerDoubleTest, AnOpenWatchKeepsItsEventsAcrossACompaction) {
  const std::string start = api_.resourceVersion();
  std::atomic<bool> stop{false};
  std::promise<void> firstSeen;
  std::promise<void> compacted;
  std::vector<WatchEvent> events;
  auto watched = std::async(std::launch::async, [&] {
    bool first = true;
    return api_.watch(
        cm_, "tools", from(start),
        [&](const WatchEvent& event) {
          events.push_back(event);
          if (first) {
            first = false;
            firstSeen.set_value();
            compacted.get_future().wait();  // the rest arrives after the compaction
          }
          return events.size() < 3;
        },
        stop);
  });
  ASSERT_EQ(api_.create(cm_, "tools", configMap("tools", "a")).status, 201);
  ASSERT_EQ(firstSeen.get_future().wait_for(5s), std::future_status::ready);
  ASSERT_EQ(api_.create(cm_, "tools", configMap("tools", "b")).status, 201);
  ASSERT_EQ(api_.create(cm_, "tools", configMap("tools", "c")).status, 201);
  api_.compact();
  compacted.set_value();
  ASSERT_EQ(watched.wait_for(5s), std::future_status::ready);
  WatchResult result = watched.get();
  EXPECT_FALSE(result.gone);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[2].object["metadata"]["name"], "c");
}

TEST_F(ApiServerDoubleTest, WatchEndsCleanlyWhenTheServerEndsIt) {
  auto watched =
      std::async(std::launch::async, [&] { return watchFor(api_, cm_, "tools", from(api_.resourceVersion()), 1); });
  ASSERT_TRUE(api_.waitForOpenWatches(1, 5000ms));
  api_.endAllWatches();
  ASSERT_EQ(watched.wait_for(5s), std::future_status::ready);
  Watched w = watched.get();
  EXPECT_EQ(w.result.status, 200);
  EXPECT_TRUE(w.result.error.empty());
  EXPECT_FALSE(w.result.gone);
  EXPECT_TRUE(w.events.empty());
  EXPECT_EQ(api_.openWatches(), 0u);
}

TEST_F(ApiServerDoubleTest, WatchEndsWhenTheStopFlagIsSet) {
  std::atomic<bool> stop{false};
  auto watched = std::async(std::launch::async, [&] {
    return api_.watch(cm_, "tools", from(api_.resourceVersion()), [](const WatchEvent&) { return true; }, stop);
  });
  ASSERT_TRUE(api_.waitForOpenWatches(1, 5000ms));
  stop = true;
  ASSERT_EQ(watched.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(watched.get().status, 200);
}

TEST_F(ApiServerDoubleTest, WatchRejectsInvalidRequests) {
  Watched invalid = watchFor(api_, cm_, "tools", from("abc"), 1);
  EXPECT_EQ(invalid.result.status, 400);
  WatchOptions badSelector = from("");
  badSelector.labelSelector = "a in b";
  EXPECT_EQ(watchFor(api_, cm_, "tools", badSelector, 1).result.status, 400);
}

TEST_F(ApiServerDoubleTest, WatchWithALabelSelectorSeesObjectsEnterAndLeaveIt) {
  ApiResult created = api_.create(cm_, "tools", configMap("tools", "a", {{"k", "1"}}, {{"app", "other"}}));
  const std::string start = api_.resourceVersion();
  json object = created.body;
  object["metadata"]["labels"]["app"] = "files";  // starts matching
  object = api_.update(cm_, "tools", "a", object).body;
  object["data"]["k"] = "2";  // still matching
  object = api_.update(cm_, "tools", "a", object).body;
  const json lastMatching = object;
  object["metadata"]["labels"]["app"] = "gone";  // stops matching
  ApiResult left = api_.update(cm_, "tools", "a", object);
  object = left.body;
  object["data"]["k"] = "3";  // not matching: nothing
  api_.update(cm_, "tools", "a", object);
  ASSERT_EQ(api_.create(cm_, "tools", configMap("tools", "b", {}, {{"app", "files"}})).status, 201);

  WatchOptions options = from(start);
  options.labelSelector = "app=files";
  Watched w = watchFor(api_, cm_, "tools", options, 4);
  ASSERT_EQ(w.events.size(), 4u);
  EXPECT_EQ(w.events[0].type, "ADDED");
  EXPECT_EQ(w.events[1].type, "MODIFIED");
  EXPECT_EQ(w.events[2].type, "DELETED");
  EXPECT_EQ(w.events[2].object["metadata"]["labels"]["app"], "files") << "the last state that matched";
  EXPECT_EQ(w.events[2].object["data"], lastMatching["data"]);
  EXPECT_EQ(rvOf(w.events[2].object), rvOf(left.body)) << "with the version of the change that made it leave";
  EXPECT_EQ(w.events[3].type, "ADDED");
  EXPECT_EQ(w.events[3].object["metadata"]["name"], "b");
}

// ---- List and selectors ----

TEST_F(ApiServerDoubleTest, ListIsSortedFilteredAndVersioned) {
  ASSERT_EQ(api_.create(cm_, "tools", configMap("tools", "b")).status, 201);
  ASSERT_EQ(api_.create(cm_, "tools", configMap("tools", "a")).status, 201);
  ASSERT_EQ(api_.create(cm_, "apps", configMap("apps", "z")).status, 201);
  ASSERT_EQ(api_.create(servers_, "tools", server("s", {})).status, 201);

  ApiResult all = api_.list(cm_, "", {});
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(all.body["kind"], "ConfigMapList");
  EXPECT_EQ(names(all.body), (std::vector<std::string>{"z", "a", "b"})) << "by namespace, then name";
  EXPECT_EQ(all.body["metadata"]["resourceVersion"], api_.resourceVersion());
  for (const json& item : all.body["items"]) {
    EXPECT_EQ(item["apiVersion"], "v1");
    EXPECT_EQ(item["kind"], "ConfigMap");
  }
  EXPECT_EQ(names(api_.list(cm_, "tools", {}).body), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(api_.list(cm_, "empty", {}).body["items"].empty());

  ListOptions future;
  future.resourceVersion = std::to_string(std::stoull(api_.resourceVersion()) + 10);
  EXPECT_EQ(api_.list(cm_, "", future).status, 504);
  ListOptions older;
  older.resourceVersion = "1";
  EXPECT_EQ(names(api_.list(cm_, "tools", older).body), (std::vector<std::string>{"a", "b"}))
      << "an older version is served from the current state";
  ListOptions invalid;
  invalid.resourceVersion = "x1";
  EXPECT_EQ(api_.list(cm_, "", invalid).status, 400);
}

TEST_F(ApiServerDoubleTest, LabelAndFieldSelectors) {
  ASSERT_EQ(api_.create(cm_, "tools", configMap("tools", "files", {}, {{"app", "files"}, {"tier", "web"}})).status,
            201);
  ASSERT_EQ(api_.create(cm_, "tools", configMap("tools", "db", {}, {{"app", "db"}, {"tier", "db"}})).status, 201);
  ASSERT_EQ(api_.create(cm_, "tools", configMap("tools", "plain")).status, 201);

  auto select = [&](const std::string& labels, const std::string& fields = "") {
    ListOptions options;
    options.labelSelector = labels;
    options.fieldSelector = fields;
    ApiResult result = api_.list(cm_, "tools", options);
    EXPECT_EQ(result.status, 200) << labels << " " << fields << ": " << result.error;
    return names(result.body);
  };
  using Names = std::vector<std::string>;
  EXPECT_EQ(select("app=files"), Names{"files"});
  EXPECT_EQ(select("app==files"), Names{"files"});
  EXPECT_EQ(select("app!=files"), (Names{"db", "plain"})) << "!= matches objects without the label";
  EXPECT_EQ(select("app in (files, db)"), (Names{"db", "files"}));
  EXPECT_EQ(select("tier notin (db)"), (Names{"files", "plain"}));
  EXPECT_EQ(select("app"), (Names{"db", "files"}));
  EXPECT_EQ(select("!app"), Names{"plain"});
  EXPECT_EQ(select("app,tier=web"), Names{"files"});
  EXPECT_EQ(select(""), (Names{"db", "files", "plain"}));
  EXPECT_EQ(select("", "metadata.name=db"), Names{"db"});
  EXPECT_EQ(select("", "metadata.name!=db"), (Names{"files", "plain"}));
  EXPECT_EQ(select("", "metadata.namespace==tools,metadata.name=plain"), Names{"plain"});

  ListOptions badLabel;
  badLabel.labelSelector = "app in files";
  EXPECT_EQ(api_.list(cm_, "tools", badLabel).status, 400);
  ListOptions badField;
  badField.fieldSelector = "spec.port=1";
  EXPECT_EQ(api_.list(cm_, "tools", badField).status, 400);
}

// ---- Server-side apply ----

TEST_F(ApiServerDoubleTest, ApplyCreatesAndRecordsOwnership) {
  ApiResult created =
      api_.apply(servers_, "tools", "s", server("s", {{"port", 8080}, {"image", "x"}}), "warden", false);
  ASSERT_EQ(created.status, 201) << created.error;
  EXPECT_EQ(created.body["metadata"]["generation"], 1);
  EXPECT_FALSE(created.body["metadata"]["uid"].get<std::string>().empty());
  const json& managed = created.body["metadata"]["managedFields"];
  ASSERT_EQ(managed.size(), 1u);
  EXPECT_EQ(managed[0]["manager"], "warden");
  EXPECT_EQ(managed[0]["operation"], "Apply");
  EXPECT_EQ(managed[0]["apiVersion"], "mcpwarden.io/v1alpha1");
  EXPECT_EQ(managed[0]["fieldsType"], "FieldsV1");
  EXPECT_TRUE(owns(created.body, "warden", {"spec", "port"}));
  EXPECT_TRUE(owns(created.body, "warden", {"spec", "image"}));

  ApiResult again = api_.apply(servers_, "tools", "s", server("s", {{"port", 8080}, {"image", "x"}}), "warden", false);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(rvOf(again.body), rvOf(created.body)) << "re-applying the same intent changes nothing";
}

TEST_F(ApiServerDoubleTest, ApplyConflictsWithAnotherManagersField) {
  ASSERT_EQ(api_.apply(servers_, "tools", "s", server("s", {{"port", 1}, {"image", "x"}}), "warden", false).status,
            201);
  const std::string version = api_.resourceVersion();

  ApiResult conflict = api_.apply(servers_, "tools", "s", server("s", {{"port", 2}}), "kubectl", false);
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(conflict.body["reason"], "Conflict");
  EXPECT_EQ(conflict.body["message"], "Apply failed with 1 conflict: conflict with \"warden\": .spec.port");
  ASSERT_EQ(conflict.body["details"]["causes"].size(), 1u);
  EXPECT_EQ(conflict.body["details"]["causes"][0]["reason"], "FieldManagerConflict");
  EXPECT_EQ(conflict.body["details"]["causes"][0]["field"], ".spec.port");
  EXPECT_EQ(api_.resourceVersion(), version);
  EXPECT_EQ(api_.peek(servers_, "tools", "s")->at("spec")["port"], 1);

  // The same value is no conflict: both managers own the field.
  ApiResult shared = api_.apply(servers_, "tools", "s", server("s", {{"port", 1}}), "kubectl", false);
  ASSERT_EQ(shared.status, 200) << shared.error;
  EXPECT_TRUE(owns(shared.body, "warden", {"spec", "port"}));
  EXPECT_TRUE(owns(shared.body, "kubectl", {"spec", "port"}));

  // force takes the field over.
  ApiResult forced = api_.apply(servers_, "tools", "s", server("s", {{"port", 3}}), "kubectl", true);
  ASSERT_EQ(forced.status, 200) << forced.error;
  EXPECT_EQ(forced.body["spec"]["port"], 3);
  EXPECT_TRUE(owns(forced.body, "kubectl", {"spec", "port"}));
  EXPECT_FALSE(owns(forced.body, "warden", {"spec", "port"}));
  EXPECT_TRUE(owns(forced.body, "warden", {"spec", "image"}));

  // Now warden conflicts in its turn.
  ApiResult back = api_.apply(servers_, "tools", "s", server("s", {{"port", 1}, {"image", "x"}}), "warden", false);
  EXPECT_EQ(back.status, 409);
  EXPECT_EQ(back.body["message"], "Apply failed with 1 conflict: conflict with \"kubectl\": .spec.port");
}

TEST_F(ApiServerDoubleTest, ApplyListsEveryConflict) {
  ASSERT_EQ(api_.apply(servers_, "tools", "s", server("s", {{"port", 1}, {"image", "x"}}), "warden", false).status,
            201);
  ApiResult conflict = api_.apply(servers_, "tools", "s", server("s", {{"port", 2}, {"image", "y"}}), "kubectl", false);
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(conflict.body["message"],
            "Apply failed with 2 conflicts: conflicts with \"warden\":\n- .spec.image\n- .spec.port");
  EXPECT_EQ(conflict.body["details"]["causes"].size(), 2u);
}

TEST_F(ApiServerDoubleTest, ApplyRemovesFieldsTheManagerNoLongerApplies) {
  ASSERT_EQ(api_.apply(servers_, "tools", "s", server("s", {{"port", 1}, {"image", "x"}, {"debug", true}}), "warden",
                       false)
                .status,
            201);
  // kubectl shares ownership of spec.debug.
  ASSERT_EQ(api_.apply(servers_, "tools", "s", server("s", {{"debug", true}}), "kubectl", false).status, 200);

  ApiResult trimmed = api_.apply(servers_, "tools", "s", server("s", {{"port", 1}}), "warden", false);
  ASSERT_EQ(trimmed.status, 200) << trimmed.error;
  EXPECT_FALSE(trimmed.body["spec"].contains("image")) << "omitted and owned by nobody else: removed";
  EXPECT_EQ(trimmed.body["spec"]["debug"], true) << "omitted but still owned by kubectl: kept";
  EXPECT_FALSE(owns(trimmed.body, "warden", {"spec", "debug"}));
  EXPECT_EQ(trimmed.body["metadata"]["generation"], 2);

  // Labels and annotations are owned per key.
  json labelled = server("s", {{"port", 1}});
  labelled["metadata"]["labels"] = {{"a", "1"}, {"b", "2"}};
  ASSERT_EQ(api_.apply(servers_, "tools", "s", labelled, "warden", false).status, 200);
  labelled["metadata"]["labels"] = {{"a", "1"}};
  ApiResult lessLabels = api_.apply(servers_, "tools", "s", labelled, "warden", false);
  EXPECT_EQ(lessLabels.body["metadata"]["labels"], (json{{"a", "1"}}));
  labelled["metadata"].erase("labels");
  ApiResult noLabels = api_.apply(servers_, "tools", "s", labelled, "warden", false);
  EXPECT_FALSE(noLabels.body["metadata"].contains("labels")) << "an emptied label map is omitted";
}

TEST_F(ApiServerDoubleTest, StatusManagersAreNamedWithTheirSubresource) {
  ASSERT_EQ(api_.apply(servers_, "tools", "s", server("s", {{"port", 1}}), "warden", false).status, 201);
  json status = server("s", nullptr);
  status["status"] = {{"phase", "Ready"}};
  ASSERT_EQ(api_.applyStatus(servers_, "tools", "s", status, "warden-status", false).status, 200);
  status["status"]["phase"] = "Failed";
  ApiResult conflict = api_.applyStatus(servers_, "tools", "s", status, "intruder", false);
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(conflict.body["message"],
            "Apply failed with 1 conflict: conflict with \"warden-status\" with subresource \"status\": .status.phase");
  ApiResult forced = api_.applyStatus(servers_, "tools", "s", status, "intruder", true);
  ASSERT_EQ(forced.status, 200);
  EXPECT_EQ(forced.body["status"]["phase"], "Failed");
  EXPECT_TRUE(owns(forced.body, "intruder", {"status", "phase"}, "status"));
  EXPECT_FALSE(owns(forced.body, "warden-status", {"status", "phase"}, "status"));
}

TEST_F(ApiServerDoubleTest, ApplyConflictsWithFieldsSetByUpdates) {
  KubeClientPtr kubectl = api_.connection("kubectl-edit");
  ApiResult created = kubectl->create(cm_, "tools", configMap("tools", "a", {{"k", "1"}}));
  ASSERT_EQ(created.status, 201);
  EXPECT_TRUE(owns(created.body, "kubectl-edit", {"data", "k"}));
  ApiResult conflict = api_.apply(cm_, "tools", "a", configMap("tools", "a", {{"k", "2"}}), "warden", false);
  EXPECT_EQ(conflict.status, 409);
  // An Update manager is named with its API version and the time of its write, as the real server does.
  const std::string message = conflict.body["message"];
  EXPECT_THAT(message,
              ::testing::StartsWith("Apply failed with 1 conflict: conflict with \"kubectl-edit\" using v1 at "));
  EXPECT_THAT(message, ::testing::EndsWith(": .data.k"));
  EXPECT_THAT(conflict.body["details"]["causes"][0]["message"].get<std::string>(),
              ::testing::StartsWith("conflict with \"kubectl-edit\" using v1 at "));

  ApiResult forced = api_.apply(cm_, "tools", "a", configMap("tools", "a", {{"k", "2"}}), "warden", true);
  ASSERT_EQ(forced.status, 200);
  // An update that changes the field takes it back from the applier.
  json edited = forced.body;
  edited["data"]["k"] = "3";
  ApiResult updated = kubectl->update(cm_, "tools", "a", edited);
  ASSERT_EQ(updated.status, 200);
  EXPECT_TRUE(owns(updated.body, "kubectl-edit", {"data", "k"}));
  EXPECT_FALSE(owns(updated.body, "warden", {"data", "k"}));
}

TEST_F(ApiServerDoubleTest, ApplyValidatesItsIntent) {
  EXPECT_EQ(api_.apply(servers_, "tools", "s", server("s", {}), "", false).status, 400) << "fieldManager required";
  json noKind = server("s", {});
  noKind.erase("kind");
  EXPECT_EQ(api_.apply(servers_, "tools", "s", noKind, "warden", false).status, 400);
  json wrongKind = server("s", {});
  wrongKind["kind"] = "ToolPolicy";
  EXPECT_EQ(api_.apply(servers_, "tools", "s", wrongKind, "warden", false).status, 400);
  EXPECT_EQ(api_.apply(servers_, "tools", "other", server("s", {}), "warden", false).status, 400);
  EXPECT_EQ(api_.apply(servers_, "apps", "s", server("s", {}), "warden", false).status, 400) << "namespace mismatch";
  EXPECT_TRUE(api_.peekAll(servers_).empty());

  ASSERT_EQ(api_.apply(servers_, "tools", "s", server("s", {{"port", 1}}), "warden", false).status, 201);
  json stale = server("s", {{"port", 2}});
  stale["metadata"]["resourceVersion"] = "1";
  EXPECT_EQ(api_.apply(servers_, "tools", "s", stale, "warden", false).status, 409) << "a stale precondition";
  json missing = server("m", {});
  missing["metadata"]["resourceVersion"] = "1";
  EXPECT_EQ(api_.apply(servers_, "tools", "m", missing, "warden", false).status, 404);
}

// ---- Delete and finalizers ----

TEST_F(ApiServerDoubleTest, DeleteRemovesAtOnceWithoutFinalizers) {
  ApiResult created = api_.create(cm_, "tools", configMap("tools", "a"));
  const std::string start = api_.resourceVersion();
  ApiResult deleted = api_.remove(cm_, "tools", "a");
  ASSERT_EQ(deleted.status, 200);
  EXPECT_EQ(rvNumber(deleted.body), rvNumber(created.body) + 1);
  EXPECT_FALSE(api_.peek(cm_, "tools", "a").has_value());
  EXPECT_EQ(api_.remove(cm_, "tools", "a").status, 404);
  Watched w = watchFor(api_, cm_, "tools", from(start), 1);
  ASSERT_EQ(w.events.size(), 1u);
  EXPECT_EQ(w.events[0].type, "DELETED");

  ApiResult recreated = api_.create(cm_, "tools", configMap("tools", "a"));
  EXPECT_NE(recreated.body["metadata"]["uid"], created.body["metadata"]["uid"]) << "uids are never reused";
}

TEST_F(ApiServerDoubleTest, FinalizersHoldADeletionUntilRemoved) {
  json body = server("s", {{"port", 1}});
  body["metadata"]["finalizers"] = {"mcpwarden.io/cleanup"};
  ApiResult created = api_.create(servers_, "tools", body);
  ASSERT_EQ(created.status, 201);
  const std::string start = api_.resourceVersion();

  ApiResult deleting = api_.remove(servers_, "tools", "s");
  ASSERT_EQ(deleting.status, 200);
  EXPECT_TRUE(deleting.body["metadata"].contains("deletionTimestamp"));
  EXPECT_EQ(deleting.body["metadata"]["generation"], 2) << "starting a deletion bumps the generation";
  ASSERT_TRUE(api_.peek(servers_, "tools", "s").has_value()) << "still there while finalizers remain";
  ApiResult again = api_.remove(servers_, "tools", "s");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(rvOf(again.body), rvOf(deleting.body)) << "a second delete changes nothing";

  json added = deleting.body;
  added["metadata"]["finalizers"].push_back("another/finalizer");
  EXPECT_EQ(api_.update(servers_, "tools", "s", added).status, 422) << "no new finalizers while terminating";

  json finalized = deleting.body;
  finalized["metadata"]["finalizers"] = json::array();
  ApiResult done = api_.update(servers_, "tools", "s", finalized);
  ASSERT_EQ(done.status, 200) << done.error;
  EXPECT_FALSE(api_.peek(servers_, "tools", "s").has_value());

  Watched w = watchFor(api_, servers_, "tools", from(start), 3);
  ASSERT_EQ(w.events.size(), 3u);
  EXPECT_EQ(w.events[0].type, "MODIFIED");
  EXPECT_TRUE(w.events[0].object["metadata"].contains("deletionTimestamp"));
  EXPECT_EQ(w.events[1].type, "MODIFIED");
  EXPECT_TRUE(w.events[1].object["metadata"]["finalizers"].empty());
  EXPECT_EQ(w.events[2].type, "DELETED");
  EXPECT_LT(rvNumber(w.events[1].object), rvNumber(w.events[2].object));
}

// ---- Cluster-scoped resources ----

TEST_F(ApiServerDoubleTest, ClusterScopedResourcesIgnoreTheNamespace) {
  const ResourceType& crds = resources::customResourceDefinitions();
  json crd = {{"apiVersion", "apiextensions.k8s.io/v1"},
              {"kind", "CustomResourceDefinition"},
              {"metadata", {{"name", "mcpservers.mcpwarden.io"}}},
              {"spec", {{"group", "mcpwarden.io"}}}};
  ApiResult created = api_.create(crds, "", crd);
  ASSERT_EQ(created.status, 201) << created.error;
  EXPECT_FALSE(created.body["metadata"].contains("namespace"));
  EXPECT_EQ(api_.get(crds, "ignored", "mcpservers.mcpwarden.io").status, 200);
  EXPECT_EQ(api_.list(crds, "", {}).body["items"].size(), 1u);
}

// ---- Test controls ----

TEST_F(ApiServerDoubleTest, OutagesAnswerNothingOrAnErrorStatus) {
  ASSERT_EQ(api_.create(cm_, "tools", configMap("tools", "a")).status, 201);
  api_.startOutage();
  ApiResult none = api_.get(cm_, "tools", "a");
  EXPECT_EQ(none.status, 0);
  EXPECT_FALSE(none.error.empty());
  EXPECT_EQ(api_.create(cm_, "tools", configMap("tools", "b")).status, 0);
  api_.endOutage();
  EXPECT_FALSE(api_.peek(cm_, "tools", "b").has_value()) << "calls during an outage change nothing";

  api_.startOutage(503);
  ApiResult unavailable = api_.list(cm_, "tools", {});
  EXPECT_EQ(unavailable.status, 503);
  EXPECT_EQ(unavailable.body["reason"], "ServiceUnavailable");
  api_.endOutage();
  EXPECT_EQ(api_.get(cm_, "tools", "a").status, 200);
}

TEST_F(ApiServerDoubleTest, AnOutageOfOneCallerLeavesTheOthersServed) {
  KubeClientPtr replicaA = api_.connection("replica-a");
  KubeClientPtr replicaB = api_.connection("replica-b");
  ASSERT_EQ(api_.create(cm_, "tools", configMap("tools", "a")).status, 201);

  auto watchedA = std::async(std::launch::async,
                             [&] { return watchFor(*replicaA, cm_, "tools", from(api_.resourceVersion()), 1); });
  auto watchedB = std::async(std::launch::async,
                             [&] { return watchFor(*replicaB, cm_, "tools", from(api_.resourceVersion()), 1); });
  ASSERT_TRUE(api_.waitForOpenWatches(2, 5000ms));
  api_.startOutage(0, "replica-a");
  ASSERT_EQ(watchedA.wait_for(5s), std::future_status::ready);
  Watched a = watchedA.get();
  EXPECT_FALSE(a.result.error.empty()) << "an open watch of the partitioned caller ends with an error";
  EXPECT_EQ(replicaA->get(cm_, "tools", "a").status, 0);
  EXPECT_EQ(replicaB->get(cm_, "tools", "a").status, 200);
  EXPECT_EQ(api_.openWatches(), 1u);

  ASSERT_EQ(replicaB->create(cm_, "tools", configMap("tools", "b")).status, 201);
  Watched b = watchedB.get();
  ASSERT_EQ(b.events.size(), 1u) << "the other caller's watch goes on";
  api_.endOutage("replica-a");
  EXPECT_EQ(replicaA->get(cm_, "tools", "b").status, 200);
}

TEST_F(ApiServerDoubleTest, FailNextFailsSingleCalls) {
  ASSERT_EQ(api_.create(cm_, "tools", configMap("tools", "a")).status, 201);
  api_.failNext(Verb::Get, 500, 2);
  EXPECT_EQ(api_.list(cm_, "tools", {}).status, 200) << "other verbs are not affected";
  EXPECT_EQ(api_.get(cm_, "tools", "a").status, 500);
  EXPECT_EQ(api_.get(cm_, "tools", "a").status, 500);
  EXPECT_EQ(api_.get(cm_, "tools", "a").status, 200);
  api_.failNext(Verb::Watch, 0);
  Watched w = watchFor(api_, cm_, "tools", from(""), 1);
  EXPECT_EQ(w.result.status, 0);
  EXPECT_FALSE(w.result.error.empty());
}

TEST_F(ApiServerDoubleTest, CallsAreCountedByVerbResourceAndCaller) {
  KubeClientPtr controller = api_.connection("controller");
  ASSERT_EQ(controller->create(cm_, "tools", configMap("tools", "a")).status, 201);
  controller->get(cm_, "tools", "a");
  controller->get(cm_, "tools", "missing");
  api_.get(servers_, "tools", "s");
  ListOptions listOptions;
  listOptions.resourceVersion = "0";
  api_.list(cm_, "tools", listOptions);
  api_.apply(cm_, "tools", "a", configMap("tools", "a"), "warden", false);
  api_.remove(cm_, "tools", "a");
  api_.peek(cm_, "tools", "a");  // not a call
  api_.peekAll(cm_);

  EXPECT_EQ(api_.callCount(Verb::Get), 3u);
  EXPECT_EQ(api_.callCount(Verb::Get, cm_), 2u);
  EXPECT_EQ(api_.callCount(Verb::Get, servers_), 1u);
  EXPECT_EQ(api_.callCount(Verb::List), 1u);
  EXPECT_EQ(api_.writeCount(), 3u);
  const auto calls = api_.calls();
  ASSERT_EQ(calls.size(), 7u);
  EXPECT_EQ(calls[0].verb, Verb::Create);
  EXPECT_EQ(calls[0].caller, "controller");
  EXPECT_EQ(calls[0].resource, "configmaps");
  EXPECT_EQ(calls[0].ns, "tools");
  EXPECT_EQ(calls[0].name, "a");
  EXPECT_EQ(calls[0].status, 201);
  EXPECT_EQ(calls[2].status, 404);
  EXPECT_EQ(calls[3].caller, "default");
  EXPECT_EQ(calls[3].resource, "mcpservers.mcpwarden.io");
  EXPECT_EQ(calls[4].verb, Verb::List);
  EXPECT_EQ(calls[4].resourceVersion, "0");
  EXPECT_STREQ(verbName(calls[5].verb), "apply");
  EXPECT_TRUE(isWriteVerb(Verb::Delete));
  EXPECT_FALSE(isWriteVerb(Verb::Watch));
  api_.resetCalls();
  EXPECT_TRUE(api_.calls().empty());
}

TEST_F(ApiServerDoubleTest, TheBeforeCallHookInterleavesACompetingWrite) {
  ApiResult created = api_.create(cm_, "tools", configMap("tools", "a", {{"k", "1"}}));
  int hookCalls = 0;
  api_.setBeforeCall([&](const CallRecord& call) {
    ++hookCalls;
    EXPECT_EQ(call.status, 0);
    if (call.verb != Verb::Update || call.caller != "controller") return;
    // Another writer gets in first; its own call does not run the hook again.
    json competing = api_.peek(cm_, "tools", "a").value();
    competing["data"]["k"] = "competitor";
    EXPECT_EQ(api_.update(cm_, "tools", "a", competing).status, 200);
  });
  json mine = created.body;
  mine["data"]["k"] = "mine";
  ApiResult result = api_.connection("controller")->update(cm_, "tools", "a", mine);
  EXPECT_EQ(result.status, 409);
  EXPECT_EQ(hookCalls, 1);
  EXPECT_EQ(api_.peek(cm_, "tools", "a")->at("data")["k"], "competitor");
  api_.setBeforeCall(nullptr);
  api_.get(cm_, "tools", "a");
  EXPECT_EQ(hookCalls, 1);
}

TEST_F(ApiServerDoubleTest, ConnectionsOutliveTheDoubleObject) {
  KubeClientPtr client;
  {
    ApiServerDouble api;
    client = api.connection("late");
    ASSERT_EQ(api.create(cm_, "tools", configMap("tools", "a")).status, 201);
  }
  EXPECT_EQ(client->get(cm_, "tools", "a").status, 200);
}

}  // namespace
}  // namespace warden::op::testing
