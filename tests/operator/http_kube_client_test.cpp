#include "operator/kube/http_kube_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "https_test_server.h"
#include "kube_test_support.h"

namespace warden::op {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::Gate;
using testing::HttpsServerOptions;
using testing::HttpsTestServer;
using testing::KeyPair;
using testing::RecordedRequest;
using testing::ScriptedReply;
using testing::StreamStep;
using testing::TempDir;
using testing::TestPki;

constexpr auto kBounded = std::chrono::seconds(15);

const TestPki& pki() {
  static const TestPki instance("apiserver");
  return instance;
}
const KeyPair& serverPair() {
  static const KeyPair pair = pki().server();
  return pair;
}
const KeyPair& clientPair() {
  static const KeyPair pair = pki().client("warden-operator");
  return pair;
}

ScriptedReply jsonReply(unsigned status, const json& body) {
  ScriptedReply reply;
  reply.status = status;
  reply.body = body.dump();
  return reply;
}

json statusBody(int code, const std::string& reason, const std::string& message) {
  return json{{"kind", "Status"},  {"apiVersion", "v1"},  {"metadata", json::object()}, {"status", "Failure"},
              {"message", message}, {"reason", reason}, {"code", code}};
}

ScriptedReply statusReply(int code, const std::string& reason, const std::string& message) {
  return jsonReply(static_cast<unsigned>(code), statusBody(code, reason, message));
}

json configMap(const std::string& name, const std::string& resourceVersion) {
  return json{{"metadata", {{"name", name}, {"namespace", "tools"}, {"resourceVersion", resourceVersion}}},
              {"data", {{"k", name}}}};
}

std::string eventLine(const std::string& type, const json& object) {
  return json{{"type", type}, {"object", object}}.dump() + "\n";
}

ScriptedReply stream(std::vector<StreamStep> steps, ScriptedReply::End end = ScriptedReply::End::Finish) {
  ScriptedReply reply;
  reply.streamed = true;
  reply.steps = std::move(steps);
  reply.end = end;
  return reply;
}

StreamStep send(std::string data) { return StreamStep{nullptr, std::move(data)}; }
StreamStep after(std::shared_ptr<Gate> gate, std::string data) { return StreamStep{std::move(gate), std::move(data)}; }

class HttpKubeClientTest : public ::testing::Test {
 protected:
  void start(HttpsTestServer::Handler handler, std::string clientCaPem = "") {
    server_ = std::make_unique<HttpsTestServer>(
        HttpsServerOptions{serverPair().certificatePem, serverPair().keyPem, std::move(clientCaPem)},
        std::move(handler));
  }

  // Answers every request with `reply`.
  void startAnswering(ScriptedReply reply) {
    start([reply](const RecordedRequest&) { return reply; });
  }

  KubeConfig config() const {
    KubeConfig c;
    c.server = server_->url();
    c.caPem = pki().caPem();
    c.token = "t0k3n";
    c.source = "test configuration";
    return c;
  }

  std::shared_ptr<HttpKubeClient> client(KubeConfig c, HttpClientOptions options = {}) {
    if (options.requestTimeout == HttpClientOptions{}.requestTimeout) options.requestTimeout = std::chrono::seconds(10);
    std::string error;
    auto made = makeHttpKubeClient(std::move(c), std::move(options), &error);
    EXPECT_TRUE(made) << error;
    return made;
  }
  std::shared_ptr<HttpKubeClient> client() { return client(config()); }

  std::vector<RecordedRequest> requests() const { return server_->requests(); }

  std::unique_ptr<HttpsTestServer> server_;
};

// ---------------------------------------------------------------------------------------------------------------
// get, paths, errors

TEST_F(HttpKubeClientTest, GetSendsTheBearerTokenAndStampsTypeMeta) {
  startAnswering(jsonReply(200, configMap("settings", "7")));
  auto kube = client();
  ApiResult result = kube->get(resources::configMaps(), "tools", "settings");
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.error, "");
  EXPECT_EQ(result.body["apiVersion"], "v1");
  EXPECT_EQ(result.body["kind"], "ConfigMap");
  EXPECT_EQ(result.body["data"]["k"], "settings");

  const auto sent = requests();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].method, "GET");
  EXPECT_EQ(sent[0].target, "/api/v1/namespaces/tools/configmaps/settings");
  EXPECT_EQ(sent[0].header("authorization"), "Bearer t0k3n");
  EXPECT_EQ(sent[0].header("accept"), "application/json");
  EXPECT_EQ(sent[0].header("user-agent"), "mcp-warden-operator");
  EXPECT_EQ(sent[0].body, "");
  EXPECT_EQ(kube->writeCount(), 0u);
  EXPECT_EQ(kube->server(), server_->url());
  EXPECT_EQ(kube->configSource(), "test configuration");
}

TEST_F(HttpKubeClientTest, GetKeepsTheServersTypeMeta) {
  json object = configMap("x", "1");
  object["apiVersion"] = "v1";
  object["kind"] = "Special";
  startAnswering(jsonReply(200, object));
  ApiResult result = client()->get(resources::configMaps(), "tools", "x");
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.body["kind"], "Special");
}

TEST_F(HttpKubeClientTest, PathsForCoreAndGroupApisNamespacedAndClusterScoped) {
  start([](const RecordedRequest& r) {
    if (r.method == "DELETE") return statusReply(200, "", "");
    if (r.path().ends_with("/configmaps")) return jsonReply(200, json{{"items", json::array()}});
    return jsonReply(200, json{{"metadata", {{"name", "x"}}}});
  });
  auto kube = client();
  EXPECT_TRUE(kube->get(resources::mcpServers(), "tools", "files").ok());
  EXPECT_TRUE(kube->get(resources::customResourceDefinitions(), "", "mcpservers.mcpwarden.io").ok());
  EXPECT_TRUE(kube->list(resources::configMaps(), "", {}).ok());
  EXPECT_TRUE(kube->remove(resources::leases(), "warden-system", "warden-leader").ok());
  EXPECT_TRUE(kube->get(resources::networkPolicies(), "tools", "files-warden").ok());

  const auto sent = requests();
  ASSERT_EQ(sent.size(), 5u);
  EXPECT_EQ(sent[0].target, "/apis/mcpwarden.io/v1alpha1/namespaces/tools/mcpservers/files");
  EXPECT_EQ(sent[1].target, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/mcpservers.mcpwarden.io");
  EXPECT_EQ(sent[2].target, "/api/v1/configmaps?limit=500");
  EXPECT_EQ(sent[3].method, "DELETE");
  EXPECT_EQ(sent[3].target, "/apis/coordination.k8s.io/v1/namespaces/warden-system/leases/warden-leader");
  EXPECT_EQ(sent[4].target, "/apis/networking.k8s.io/v1/namespaces/tools/networkpolicies/files-warden");
}

TEST_F(HttpKubeClientTest, ServerPathPrefixIsKept) {
  startAnswering(jsonReply(200, configMap("x", "1")));
  KubeConfig c = config();
  c.server += "/k8s/clusters/c-1";
  EXPECT_TRUE(client(c)->get(resources::configMaps(), "tools", "x").ok());
  ASSERT_EQ(requests().size(), 1u);
  EXPECT_EQ(requests()[0].target, "/k8s/clusters/c-1/api/v1/namespaces/tools/configmaps/x");
}

TEST_F(HttpKubeClientTest, StatusErrorsBecomeApiResults) {
  start([](const RecordedRequest& r) {
    if (r.path().ends_with("/missing")) return statusReply(404, "NotFound", "configmaps \"missing\" not found");
    if (r.path().ends_with("/secret")) {
      ScriptedReply reply = statusReply(403, "Forbidden", "configmaps \"secret\" is forbidden: User cannot get");
      reply.reason = "Forbidden";
      return reply;
    }
    ScriptedReply html;
    html.status = 502;
    html.contentType = "text/html";
    html.body = "<html><body>Bad Gateway</body></html>";
    return html;
  });
  auto kube = client();
  ApiResult missing = kube->get(resources::configMaps(), "tools", "missing");
  EXPECT_EQ(missing.status, 404);
  EXPECT_TRUE(missing.notFound());
  EXPECT_FALSE(missing.ok());
  EXPECT_EQ(missing.error, "404 Not Found: configmaps \"missing\" not found");
  EXPECT_EQ(missing.body["reason"], "NotFound");

  ApiResult forbidden = kube->get(resources::configMaps(), "tools", "secret");
  EXPECT_EQ(forbidden.status, 403);
  EXPECT_EQ(forbidden.error, "403 Forbidden: configmaps \"secret\" is forbidden: User cannot get");

  ApiResult gateway = kube->get(resources::configMaps(), "tools", "other");
  EXPECT_EQ(gateway.status, 502);
  EXPECT_EQ(gateway.error, "502 Bad Gateway: \"<html><body>Bad Gateway</body></html>\"");
  EXPECT_TRUE(gateway.body.is_null());
}

TEST_F(HttpKubeClientTest, SuccessWithABodyThatIsNotJsonIsAFailure) {
  ScriptedReply reply;
  reply.contentType = "text/html";
  reply.body = "<html>login page</html>";
  startAnswering(reply);
  ApiResult result = client()->get(resources::configMaps(), "tools", "x");
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.status, 0);
  EXPECT_NE(result.error.find("not JSON"), std::string::npos) << result.error;
}

// ---------------------------------------------------------------------------------------------------------------
// list

TEST_F(HttpKubeClientTest, ListFollowsContinueAndStampsItems) {
  start([](const RecordedRequest& r) {
    const auto token = r.query("continue");
    if (!token) {
      return jsonReply(200, json{{"kind", "ConfigMapList"},
                                 {"metadata", {{"resourceVersion", "100"}, {"continue", "page-2"}}},
                                 {"items", {configMap("a", "90"), configMap("b", "91")}}});
    }
    if (*token == "page-2") {
      return jsonReply(200, json{{"metadata", {{"resourceVersion", "100"}, {"continue", "page-3"}}},
                                 {"items", {configMap("c", "92")}}});
    }
    return jsonReply(200, json{{"metadata", {{"resourceVersion", "100"}}}, {"items", {configMap("d", "93")}}});
  });
  ListOptions options;
  options.limit = 2;
  options.labelSelector = "app.kubernetes.io/name in (files, git),tier!=db";
  options.fieldSelector = "metadata.name=x";
  options.resourceVersion = "50";
  ApiResult result = client()->list(resources::configMaps(), "tools", options);
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.body["apiVersion"], "v1");
  EXPECT_EQ(result.body["kind"], "ConfigMapList");
  EXPECT_EQ(result.body["metadata"]["resourceVersion"], "100");
  ASSERT_EQ(result.body["items"].size(), 4u);
  std::vector<std::string> names;
  for (const auto& item : result.body["items"]) {
    names.push_back(item["metadata"]["name"]);
    EXPECT_EQ(item["apiVersion"], "v1");
    EXPECT_EQ(item["kind"], "ConfigMap");
  }
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "c", "d"}));

  const auto sent = requests();
  ASSERT_EQ(sent.size(), 3u);
  for (const auto& r : sent) {
    EXPECT_EQ(r.path(), "/api/v1/namespaces/tools/configmaps");
    EXPECT_EQ(r.query("limit"), "2");
    EXPECT_EQ(r.query("labelSelector"), "app.kubernetes.io/name in (files, git),tier!=db");
    EXPECT_EQ(r.query("fieldSelector"), "metadata.name=x");
  }
  // The snapshot is named once; continue tokens carry it afterwards.
  EXPECT_EQ(sent[0].query("resourceVersion"), "50");
  EXPECT_EQ(sent[0].query("continue"), std::nullopt);
  EXPECT_EQ(sent[1].query("resourceVersion"), std::nullopt);
  EXPECT_EQ(sent[1].query("continue"), "page-2");
  EXPECT_EQ(sent[2].query("continue"), "page-3");
  // Nothing in the query is left unencoded.
  EXPECT_EQ(sent[0].target.find(' '), std::string::npos);
  EXPECT_NE(sent[0].target.find("labelSelector=app.kubernetes.io%2Fname%20in%20%28files%2C%20git%29"),
            std::string::npos)
      << sent[0].target;
}

TEST_F(HttpKubeClientTest, ListOfAnEmptyCollection) {
  startAnswering(jsonReply(200, json{{"metadata", {{"resourceVersion", "7"}}}, {"items", nullptr}}));
  ApiResult result = client()->list(resources::mcpServers(), "", {});
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.body["kind"], "MCPServerList");
  EXPECT_EQ(result.body["apiVersion"], "mcpwarden.io/v1alpha1");
  EXPECT_EQ(result.body["items"], json::array());
  EXPECT_EQ(result.body["metadata"]["resourceVersion"], "7");
  EXPECT_EQ(requests().at(0).target, "/apis/mcpwarden.io/v1alpha1/mcpservers?limit=500");
}

TEST_F(HttpKubeClientTest, ListWithAnExpiredContinueTokenIsGone) {
  start([](const RecordedRequest& r) {
    if (!r.query("continue")) {
      return jsonReply(200, json{{"metadata", {{"resourceVersion", "1"}, {"continue", "old"}}},
                                 {"items", {configMap("a", "1")}}});
    }
    return statusReply(410, "Expired", "The provided continue parameter is too old");
  });
  ApiResult result = client()->list(resources::configMaps(), "tools", {});
  EXPECT_TRUE(result.gone());
  EXPECT_EQ(result.error, "410 Gone: The provided continue parameter is too old");
}

TEST_F(HttpKubeClientTest, ListStopsWhenTheServerRepeatsAContinueToken) {
  startAnswering(jsonReply(200, json{{"metadata", {{"continue", "same"}}}, {"items", json::array()}}));
  ApiResult result = client()->list(resources::configMaps(), "tools", {});
  EXPECT_FALSE(result.ok());
  EXPECT_NE(result.error.find("repeated a continue token"), std::string::npos) << result.error;
  EXPECT_EQ(requests().size(), 2u);
}

TEST_F(HttpKubeClientTest, ListThatIsNotAListIsAFailure) {
  startAnswering(jsonReply(200, json{{"items", "nope"}}));
  ApiResult result = client()->list(resources::configMaps(), "tools", {});
  EXPECT_FALSE(result.ok());
  EXPECT_NE(result.error.find("has no items array"), std::string::npos) << result.error;
}

// ---------------------------------------------------------------------------------------------------------------
// watch

struct WatchRun {
  WatchResult result;
  std::vector<WatchEvent> events;
};

class WatchTest : public HttpKubeClientTest {
 protected:
  WatchOptions options() const {
    WatchOptions o;
    o.resourceVersion = "5";
    o.timeoutSeconds = 30;
    return o;
  }

  // Runs a watch on another thread; `onEvent` sees each event after it is recorded.
  std::future<WatchResult> watchAsync(const WatchOptions& o, std::function<bool(const WatchEvent&)> onEvent = {}) {
    return std::async(std::launch::async, [this, o, onEvent]() {
      return kube_->watch(resources::configMaps(), "tools", o,
                          [this, onEvent](const WatchEvent& event) {
                            {
                              std::lock_guard<std::mutex> lock(mutex_);
                              events_.push_back(event);
                            }
                            return onEvent ? onEvent(event) : true;
                          },
                          stop_);
    });
  }

  WatchResult finish(std::future<WatchResult>& future) {
    if (future.wait_for(kBounded) != std::future_status::ready) {
      stop_ = true;  // let the thread end before the test fails
      ADD_FAILURE() << "the watch did not end";
    }
    return future.get();
  }

  std::vector<WatchEvent> events() {
    std::lock_guard<std::mutex> lock(mutex_);
    return events_;
  }

  std::shared_ptr<HttpKubeClient> kube_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<WatchEvent> events_;
};

TEST_F(WatchTest, EventsAreDeliveredAsTheyArrive) {
  // The server sends the second event only once the client has delivered the first: a client that waited for the
  // end of the stream would stall it, the gate would time out and the connection drop.
  auto firstDelivered = std::make_shared<Gate>();
  const std::string bookmark = eventLine("BOOKMARK", {{"kind", "ConfigMap"},
                                                      {"apiVersion", "v1"},
                                                      {"metadata", {{"resourceVersion", "12"}}}});
  start([&](const RecordedRequest&) {
    return stream({send(eventLine("ADDED", configMap("a", "10"))),
                   after(firstDelivered, eventLine("MODIFIED", configMap("a", "11")) + bookmark.substr(0, 20)),
                   send(bookmark.substr(20)),
                   send("\r\n" + json{{"type", "DELETED"}, {"object", configMap("a", "13")}}.dump() + "\r\n")});
  });
  kube_ = client();
  WatchOptions o = options();
  o.labelSelector = "app=files";
  auto future = watchAsync(o, [&](const WatchEvent& event) {
    if (event.type == "ADDED") firstDelivered->open();
    return true;
  });
  const WatchResult result = finish(future);
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.error, "");
  EXPECT_FALSE(result.gone);
  EXPECT_EQ(result.lastResourceVersion, "13");

  const auto seen = events();
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].type, "ADDED");
  EXPECT_EQ(seen[0].object["metadata"]["resourceVersion"], "10");
  EXPECT_EQ(seen[0].object["apiVersion"], "v1");
  EXPECT_EQ(seen[0].object["kind"], "ConfigMap");
  EXPECT_EQ(seen[1].type, "MODIFIED");
  EXPECT_EQ(seen[2].type, "BOOKMARK");
  EXPECT_EQ(seen[2].object["metadata"]["resourceVersion"], "12");
  EXPECT_EQ(seen[3].type, "DELETED");
  EXPECT_EQ(seen[3].object["kind"], "ConfigMap");

  const auto sent = requests();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].method, "GET");
  EXPECT_EQ(sent[0].path(), "/api/v1/namespaces/tools/configmaps");
  EXPECT_EQ(sent[0].query("watch"), "1");
  EXPECT_EQ(sent[0].query("resourceVersion"), "5");
  EXPECT_EQ(sent[0].query("allowWatchBookmarks"), "true");
  EXPECT_EQ(sent[0].query("timeoutSeconds"), "30");
  EXPECT_EQ(sent[0].query("labelSelector"), "app=files");
  EXPECT_EQ(sent[0].header("authorization"), "Bearer t0k3n");
}

TEST_F(WatchTest, BookmarksCanBeTurnedOff) {
  startAnswering(stream({}));
  kube_ = client();
  WatchOptions o = options();
  o.allowBookmarks = false;
  o.resourceVersion = "";
  auto future = watchAsync(o);
  const WatchResult result = finish(future);
  EXPECT_EQ(result.error, "");
  EXPECT_EQ(result.lastResourceVersion, "");
  ASSERT_EQ(requests().size(), 1u);
  EXPECT_EQ(requests()[0].query("allowWatchBookmarks"), std::nullopt);
  EXPECT_EQ(requests()[0].query("resourceVersion"), std::nullopt);
}

TEST_F(WatchTest, ServerEndingTheWatchEndsItCleanly) {
  startAnswering(stream({send(eventLine("ADDED", configMap("a", "6")))}));
  kube_ = client();
  auto future = watchAsync(options());
  const WatchResult result = finish(future);
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.error, "");
  EXPECT_FALSE(result.gone);
  EXPECT_EQ(result.lastResourceVersion, "6");
  EXPECT_EQ(events().size(), 1u);
}

TEST_F(WatchTest, NoEventsKeepsTheStartingVersion) {
  startAnswering(stream({}));
  kube_ = client();
  auto future = watchAsync(options());
  const WatchResult result = finish(future);
  EXPECT_EQ(result.error, "");
  EXPECT_EQ(result.lastResourceVersion, "5");
}

TEST_F(WatchTest, ErrorEventGoneEndsTheWatch) {
  startAnswering(stream({send(eventLine("ADDED", configMap("a", "6"))),
                         send(eventLine("ERROR", statusBody(410, "Expired", "too old resource version: 5 (42)"))),
                         send(eventLine("ADDED", configMap("b", "7")))},
                        ScriptedReply::End::Hang));
  kube_ = client();
  auto future = watchAsync(options());
  const WatchResult result = finish(future);
  EXPECT_TRUE(result.gone);
  EXPECT_EQ(result.error, "410 Gone: too old resource version: 5 (42)");
  EXPECT_EQ(result.lastResourceVersion, "6");
  ASSERT_EQ(events().size(), 1u);  // the ERROR event is not delivered, nor what follows it
  // The client hung up rather than wait for the server.
  EXPECT_TRUE(server_->waitUntil([&] { return server_->closedByClientWhileHanging() == 1; }));
}

TEST_F(WatchTest, OtherErrorEventsAreErrorsButNotGone) {
  startAnswering(stream({send(eventLine("ERROR", statusBody(500, "InternalError", "etcd is unavailable")))}));
  kube_ = client();
  auto future = watchAsync(options());
  const WatchResult result = finish(future);
  EXPECT_FALSE(result.gone);
  EXPECT_EQ(result.error, "500 Internal Server Error: etcd is unavailable");
  EXPECT_TRUE(events().empty());
}

TEST_F(WatchTest, GoneAtTheStart) {
  startAnswering(statusReply(410, "Expired", "too old resource version: 5 (42)"));
  kube_ = client();
  auto future = watchAsync(options());
  const WatchResult result = finish(future);
  EXPECT_EQ(result.status, 410);
  EXPECT_TRUE(result.gone);
  EXPECT_EQ(result.error, "410 Gone: too old resource version: 5 (42)");
  EXPECT_EQ(result.lastResourceVersion, "5");
}

TEST_F(WatchTest, ForbiddenAtTheStart) {
  startAnswering(statusReply(403, "Forbidden", "configmaps is forbidden"));
  kube_ = client();
  auto future = watchAsync(options());
  const WatchResult result = finish(future);
  EXPECT_EQ(result.status, 403);
  EXPECT_FALSE(result.gone);
  EXPECT_EQ(result.error, "403 Forbidden: configmaps is forbidden");
}

TEST_F(WatchTest, StopFlagEndsAQuietWatchPromptly) {
  auto delivered = std::make_shared<Gate>();
  startAnswering(stream({send(eventLine("ADDED", configMap("a", "6")))}, ScriptedReply::End::Hang));
  kube_ = client();
  auto future = watchAsync(options(), [&](const WatchEvent&) {
    delivered->open();
    return true;
  });
  EXPECT_TRUE(delivered->wait());
  stop_ = true;
  const WatchResult result = finish(future);
  EXPECT_EQ(result.error, "");
  EXPECT_EQ(result.lastResourceVersion, "6");
  // The request was cancelled: the server saw the connection close.
  EXPECT_TRUE(server_->waitUntil([&] { return server_->closedByClientWhileHanging() == 1; }));
}

TEST_F(WatchTest, StopFlagEndsAWatchWaitingForItsAnswer) {
  auto answer = std::make_shared<Gate>();
  start([&](const RecordedRequest&) {
    ScriptedReply reply = stream({});
    reply.waitBeforeAnswer = answer;
    return reply;
  });
  kube_ = client();
  auto future = watchAsync(options());
  EXPECT_TRUE(server_->waitUntil([&] { return server_->requests().size() == 1; }));
  stop_ = true;
  const WatchResult result = finish(future);
  answer->open();
  EXPECT_EQ(result.status, 0);
  EXPECT_EQ(result.error, "");
  EXPECT_EQ(result.lastResourceVersion, "5");
}

TEST_F(WatchTest, HandlerReturningFalseEndsTheWatch) {
  startAnswering(stream({send(eventLine("ADDED", configMap("a", "6")) + eventLine("ADDED", configMap("b", "7")))},
                        ScriptedReply::End::Hang));
  kube_ = client();
  auto future = watchAsync(options(), [](const WatchEvent&) { return false; });
  const WatchResult result = finish(future);
  EXPECT_EQ(result.error, "");
  EXPECT_EQ(events().size(), 1u);
  EXPECT_EQ(result.lastResourceVersion, "6");
  EXPECT_TRUE(server_->waitUntil([&] { return server_->closedByClientWhileHanging() == 1; }));
}

TEST_F(WatchTest, HandlerThrowingEndsTheWatchWithAnError) {
  startAnswering(stream({send(eventLine("ADDED", configMap("a", "6")))}, ScriptedReply::End::Hang));
  kube_ = client();
  auto future = watchAsync(options(), [](const WatchEvent&) -> bool { throw std::runtime_error("handler bug"); });
  const WatchResult result = finish(future);
  EXPECT_EQ(result.error, "the watch event handler threw: handler bug");
}

TEST_F(WatchTest, BrokenConnectionIsAnError) {
  startAnswering(stream({send(eventLine("ADDED", configMap("a", "6"))), send("{\"type\":\"MODIF")},
                        ScriptedReply::End::Drop));
  kube_ = client();
  auto future = watchAsync(options());
  const WatchResult result = finish(future);
  EXPECT_NE(result.error, "");
  EXPECT_EQ(events().size(), 1u);
  EXPECT_EQ(result.lastResourceVersion, "6");
}

TEST_F(WatchTest, StreamEndingInsideAnEventIsAnError) {
  startAnswering(stream({send(eventLine("ADDED", configMap("a", "6"))), send("{\"type\":\"MODIF")}));
  kube_ = client();
  auto future = watchAsync(options());
  const WatchResult result = finish(future);
  EXPECT_NE(result.error.find("ended inside an event"), std::string::npos) << result.error;
  EXPECT_EQ(events().size(), 1u);
}

TEST_F(WatchTest, MalformedEventsAreErrors) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"this is not json\n", "a line that is not an event"},
      {"[1,2]\n", "a line that is not an event"},
      {"{\"object\":{}}\n", "a line that is not an event"},
      {eventLine("SURPRISE", configMap("a", "6")), "unknown event type \"SURPRISE\""},
      {"{\"type\":\"ADDED\"}\n", "ADDED event without an object"},
  };
  for (const auto& [line, expected] : cases) {
    startAnswering(stream({send(line), send(eventLine("ADDED", configMap("b", "7")))}, ScriptedReply::End::Hang));
    kube_ = client();
    events_.clear();
    auto future = watchAsync(options());
    const WatchResult result = finish(future);
    EXPECT_NE(result.error.find(expected), std::string::npos) << line << " -> " << result.error;
    EXPECT_TRUE(events().empty()) << line;
  }
}

TEST_F(WatchTest, BadNamespaceIsRefusedBeforeSending) {
  startAnswering(stream({}));
  kube_ = client();
  const WatchResult result = kube_->watch(resources::configMaps(), "a/b", options(),
                                          [](const WatchEvent&) { return true; }, stop_);
  EXPECT_EQ(result.status, 0);
  EXPECT_EQ(result.error, "invalid namespace \"a/b\"");
  EXPECT_TRUE(requests().empty());
}

// ---------------------------------------------------------------------------------------------------------------
// writes

TEST_F(HttpKubeClientTest, ApplySendsAServerSideApplyPatch) {
  start([](const RecordedRequest& r) {
    json object = json::parse(r.body);
    object["metadata"]["resourceVersion"] = "42";
    return jsonReply(200, object);
  });
  const json intent{{"apiVersion", "v1"},
                    {"kind", "ConfigMap"},
                    {"metadata", {{"name", "files-warden-policy"}, {"namespace", "tools"}}},
                    {"data", {{"bundle.json", "{\"x\": \"ü\"}"}}}};
  auto kube = client();
  ApiResult result = kube->apply(resources::configMaps(), "tools", "files-warden-policy", intent,
                                 "mcp-warden-operator", true);
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.body["metadata"]["resourceVersion"], "42");
  EXPECT_EQ(kube->writeCount(), 1u);

  const auto sent = requests();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].method, "PATCH");
  EXPECT_EQ(sent[0].path(), "/api/v1/namespaces/tools/configmaps/files-warden-policy");
  EXPECT_EQ(sent[0].query("fieldManager"), "mcp-warden-operator");
  EXPECT_EQ(sent[0].query("force"), "true");
  EXPECT_EQ(sent[0].header("content-type"), "application/apply-patch+yaml");
  EXPECT_EQ(json::parse(sent[0].body), intent);
  EXPECT_EQ(sent[0].header("authorization"), "Bearer t0k3n");
}

TEST_F(HttpKubeClientTest, ApplyStatusTargetsTheStatusSubresource) {
  startAnswering(jsonReply(200, json{{"status", {{"phase", "Ready"}}}}));
  const json intent{{"apiVersion", "mcpwarden.io/v1alpha1"},
                    {"kind", "MCPServer"},
                    {"metadata", {{"name", "files"}, {"namespace", "tools"}}},
                    {"status", {{"phase", "Ready"}}}};
  auto kube = client();
  ApiResult result = kube->applyStatus(resources::mcpServers(), "tools", "files", intent, "mcp-warden-operator", false);
  ASSERT_TRUE(result.ok()) << result.error;
  const auto sent = requests();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].method, "PATCH");
  EXPECT_EQ(sent[0].path(), "/apis/mcpwarden.io/v1alpha1/namespaces/tools/mcpservers/files/status");
  EXPECT_EQ(sent[0].query("force"), "false");
  EXPECT_EQ(sent[0].query("fieldManager"), "mcp-warden-operator");
  EXPECT_EQ(sent[0].header("content-type"), "application/apply-patch+yaml");
  EXPECT_EQ(json::parse(sent[0].body), intent);
  EXPECT_EQ(kube->writeCount(), 1u);
}

TEST_F(HttpKubeClientTest, ApplyConflictIsReported) {
  startAnswering(statusReply(409, "Conflict", "Apply failed with 1 conflict: conflict with \"kubectl\": .data.x"));
  ApiResult result = client()->apply(resources::configMaps(), "tools", "x", json{{"kind", "ConfigMap"}}, "m", false);
  EXPECT_TRUE(result.conflict());
  EXPECT_EQ(result.error, "409 Conflict: Apply failed with 1 conflict: conflict with \"kubectl\": .data.x");
}

TEST_F(HttpKubeClientTest, ApplyNeedsAFieldManagerAndAnObject) {
  startAnswering(jsonReply(200, json::object()));
  auto kube = client();
  ApiResult noManager = kube->apply(resources::configMaps(), "tools", "x", json{{"kind", "ConfigMap"}}, "", true);
  EXPECT_EQ(noManager.status, 0);
  EXPECT_EQ(noManager.error, "server-side apply needs a field manager");
  ApiResult notObject = kube->applyStatus(resources::configMaps(), "tools", "x", json::array(), "m", true);
  EXPECT_EQ(notObject.status, 0);
  EXPECT_EQ(notObject.error, "server-side apply needs a JSON object");
  EXPECT_TRUE(requests().empty());
  EXPECT_EQ(kube->writeCount(), 0u);
}

TEST_F(HttpKubeClientTest, CreateUpdateAndRemove) {
  start([](const RecordedRequest& r) {
    if (r.method == "POST") return jsonReply(201, json::parse(r.body));
    if (r.method == "PUT") return statusReply(409, "Conflict", "the object has been modified");
    return jsonReply(200, statusBody(200, "", ""));
  });
  auto kube = client();
  const json lease{{"apiVersion", "coordination.k8s.io/v1"},
                   {"kind", "Lease"},
                   {"metadata", {{"name", "warden-leader"}, {"namespace", "warden-system"}}},
                   {"spec", {{"holderIdentity", "pod-1"}}}};
  ApiResult created = kube->create(resources::leases(), "warden-system", lease);
  EXPECT_EQ(created.status, 201);
  EXPECT_TRUE(created.ok());
  EXPECT_EQ(created.body, lease);

  json stale = lease;
  stale["metadata"]["resourceVersion"] = "3";
  ApiResult updated = kube->update(resources::leases(), "warden-system", "warden-leader", stale);
  EXPECT_TRUE(updated.conflict());
  EXPECT_EQ(updated.error, "409 Conflict: the object has been modified");

  ApiResult removed = kube->remove(resources::leases(), "warden-system", "warden-leader");
  EXPECT_TRUE(removed.ok()) << removed.error;
  EXPECT_EQ(kube->writeCount(), 3u);

  const auto sent = requests();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].method, "POST");
  EXPECT_EQ(sent[0].target, "/apis/coordination.k8s.io/v1/namespaces/warden-system/leases");
  EXPECT_EQ(sent[0].header("content-type"), "application/json");
  EXPECT_EQ(json::parse(sent[0].body), lease);
  EXPECT_EQ(sent[1].method, "PUT");
  EXPECT_EQ(sent[1].target, "/apis/coordination.k8s.io/v1/namespaces/warden-system/leases/warden-leader");
  EXPECT_EQ(sent[1].header("content-type"), "application/json");
  EXPECT_EQ(json::parse(sent[1].body), stale);
  EXPECT_EQ(sent[2].method, "DELETE");
  EXPECT_EQ(sent[2].target, "/apis/coordination.k8s.io/v1/namespaces/warden-system/leases/warden-leader");
  EXPECT_EQ(sent[2].body, "");
}

TEST_F(HttpKubeClientTest, ClusterScopedCreate) {
  startAnswering(jsonReply(201, json::object()));
  const json crd{{"apiVersion", "apiextensions.k8s.io/v1"},
                 {"kind", "CustomResourceDefinition"},
                 {"metadata", {{"name", "mcpservers.mcpwarden.io"}}}};
  EXPECT_TRUE(client()->create(resources::customResourceDefinitions(), "", crd).ok());
  EXPECT_EQ(requests().at(0).target, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions");
}

TEST_F(HttpKubeClientTest, WritesCountEvenWhenTheyFail) {
  startAnswering(statusReply(500, "InternalError", "boom"));
  auto kube = client();
  EXPECT_FALSE(kube->create(resources::configMaps(), "tools", json::object()).ok());
  EXPECT_FALSE(kube->remove(resources::configMaps(), "tools", "x").ok());
  EXPECT_FALSE(kube->get(resources::configMaps(), "tools", "x").ok());
  EXPECT_EQ(kube->writeCount(), 2u);
}

// ---------------------------------------------------------------------------------------------------------------
// names

TEST_F(HttpKubeClientTest, BadNamesAreRefusedBeforeSending) {
  startAnswering(jsonReply(200, json::object()));
  auto kube = client();
  const json object{{"kind", "ConfigMap"}};
  for (const std::string name : {"", ".", "..", "a/b", "../secrets", "a?b", "a#b", "a%2Fb", "a b", "tab\t",
                                 "new\nline", "caf\xc3\xa9", "del\x7f"}) {
    const auto& t = resources::configMaps();
    for (const ApiResult& result : {kube->get(t, "tools", name), kube->remove(t, "tools", name),
                                    kube->update(t, "tools", name, object),
                                    kube->apply(t, "tools", name, object, "m", true),
                                    kube->applyStatus(t, "tools", name, object, "m", true)}) {
      EXPECT_EQ(result.status, 0);
      EXPECT_EQ(result.error.rfind("invalid name ", 0), 0u) << result.error;
    }
  }
  for (const std::string ns : {".", "..", "a/b", "a?b", "%2e%2e"}) {
    const auto& t = resources::configMaps();
    for (const ApiResult& result : {kube->get(t, ns, "x"), kube->list(t, ns, {}), kube->create(t, ns, object)}) {
      EXPECT_EQ(result.status, 0);
      EXPECT_EQ(result.error.rfind("invalid namespace ", 0), 0u) << result.error;
    }
  }
  // A namespaced object needs its namespace.
  ApiResult noNamespace = kube->get(resources::configMaps(), "", "x");
  EXPECT_EQ(noNamespace.status, 0);
  EXPECT_EQ(noNamespace.error, "configmaps are namespaced: a namespace is needed");
  EXPECT_FALSE(kube->create(resources::configMaps(), "", object).ok());
  EXPECT_TRUE(requests().empty());
  EXPECT_EQ(kube->writeCount(), 0u);
}

TEST_F(HttpKubeClientTest, UnusualValidNamesAreEncoded) {
  startAnswering(jsonReply(200, json::object()));
  auto kube = client();
  const ResourceType roles{"rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false};
  EXPECT_TRUE(kube->get(roles, "", "system:controller:job-controller").ok());
  EXPECT_TRUE(kube->get(resources::configMaps(), "tools", "a\"b<c>").ok());
  const auto sent = requests();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].target, "/apis/rbac.authorization.k8s.io/v1/clusterroles/system:controller:job-controller");
  EXPECT_EQ(sent[1].target, "/api/v1/namespaces/tools/configmaps/a%22b%3Cc%3E");
}

// ---------------------------------------------------------------------------------------------------------------
// transport

TEST_F(HttpKubeClientTest, NoAnswerIsStatusZero) {
  ScriptedReply reply;
  reply.noAnswer = true;
  startAnswering(reply);
  ApiResult result = client()->get(resources::configMaps(), "tools", "x");
  EXPECT_EQ(result.status, 0);
  EXPECT_FALSE(result.ok());
  EXPECT_FALSE(result.error.empty());
  EXPECT_TRUE(result.body.is_null());
  EXPECT_EQ(result.error.find("t0k3n"), std::string::npos);
}

TEST_F(HttpKubeClientTest, NoServerIsStatusZero) {
  startAnswering(jsonReply(200, json::object()));
  const KubeConfig c = config();
  server_.reset();  // the port is closed now
  ApiResult result = client(c)->get(resources::configMaps(), "tools", "x");
  EXPECT_EQ(result.status, 0);
  EXPECT_NE(result.error.find(c.server), std::string::npos) << result.error;
}

TEST_F(HttpKubeClientTest, SlowAnswerTimesOut) {
  auto answer = std::make_shared<Gate>();
  start([&](const RecordedRequest&) {
    ScriptedReply reply = jsonReply(200, json::object());
    reply.waitBeforeAnswer = answer;
    return reply;
  });
  HttpClientOptions options;
  options.requestTimeout = std::chrono::milliseconds(300);
  ApiResult result = client(config(), options)->get(resources::configMaps(), "tools", "x");
  answer->open();
  EXPECT_EQ(result.status, 0);
  EXPECT_NE(result.error.find("no answer from the API server"), std::string::npos) << result.error;
}

TEST_F(HttpKubeClientTest, RedirectsAreNotFollowed) {
  start([this](const RecordedRequest& r) {
    if (r.path().ends_with("/elsewhere")) return jsonReply(200, json::object());
    ScriptedReply reply = jsonReply(302, json::object());
    reply.headers.emplace_back("Location", server_->url() + "/api/v1/namespaces/tools/configmaps/elsewhere");
    return reply;
  });
  ApiResult result = client()->get(resources::configMaps(), "tools", "x");
  EXPECT_EQ(result.status, 302);
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(requests().size(), 1u);
}

TEST_F(HttpKubeClientTest, ConcurrentRequestsShareOneClient) {
  start([](const RecordedRequest& r) {
    const std::string path = r.path();
    return jsonReply(200, configMap(path.substr(path.rfind('/') + 1), "1"));
  });
  auto kube = client();
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        const std::string name = "cm-" + std::to_string(t) + "-" + std::to_string(i);
        ApiResult result = kube->get(resources::configMaps(), "tools", name);
        if (result.ok() && result.body["metadata"]["name"] == name) ++good;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(good.load(), 40);
  EXPECT_EQ(requests().size(), 40u);
}

// ---------------------------------------------------------------------------------------------------------------
// credentials and TLS

TEST_F(HttpKubeClientTest, TokenFileIsReadPerRequestAndRotates) {
  TempDir dir;
  testing::writeFile(dir / "token", "first-token\n");
  startAnswering(jsonReply(200, json::object()));
  KubeConfig c = config();
  c.tokenFile = dir / "token";
  auto kube = client(c);
  EXPECT_TRUE(kube->get(resources::configMaps(), "tools", "x").ok());
  // Rotated as kubelet does: a new file renamed over the old one.
  testing::writeFile(dir / "token.new", "second-token\n");
  fs::rename(dir / "token.new", dir / "token");
  EXPECT_TRUE(kube->get(resources::configMaps(), "tools", "x").ok());
  const auto sent = requests();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].header("authorization"), "Bearer first-token");
  EXPECT_EQ(sent[1].header("authorization"), "Bearer second-token");
}

TEST_F(HttpKubeClientTest, UnreadableTokenFileSendsNothing) {
  TempDir dir;
  startAnswering(jsonReply(200, json::object()));
  KubeConfig c = config();
  c.tokenFile = dir / "absent";
  auto kube = client(c);
  ApiResult result = kube->get(resources::configMaps(), "tools", "x");
  EXPECT_EQ(result.status, 0);
  EXPECT_NE(result.error.find("no bearer token: cannot read " + (dir / "absent")), std::string::npos)
      << result.error;
  EXPECT_FALSE(kube->create(resources::configMaps(), "tools", json::object()).ok());
  EXPECT_TRUE(requests().empty());
}

TEST_F(HttpKubeClientTest, NoTokenNoAuthorizationHeader) {
  startAnswering(jsonReply(200, json::object()));
  KubeConfig c = config();
  c.token.clear();
  EXPECT_TRUE(client(c)->get(resources::configMaps(), "tools", "x").ok());
  EXPECT_EQ(requests().at(0).headers.count("authorization"), 0u);
}

TEST_F(HttpKubeClientTest, ClientCertificateIsPresentedWhenConfigured) {
  start([](const RecordedRequest&) { return jsonReply(200, json::object()); }, pki().caPem());
  KubeConfig withCertificate = config();
  withCertificate.token.clear();
  withCertificate.clientCertPem = clientPair().certificatePem;
  withCertificate.clientKeyPem = clientPair().keyPem;
  EXPECT_TRUE(client(withCertificate)->get(resources::configMaps(), "tools", "x").ok());
  EXPECT_TRUE(client(config())->get(resources::configMaps(), "tools", "x").ok());
  const auto sent = requests();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].clientCommonName, "warden-operator");
  EXPECT_EQ(sent[0].headers.count("authorization"), 0u);
  EXPECT_EQ(sent[1].clientCommonName, "");
}

TEST_F(HttpKubeClientTest, ServerCertificateFromAnotherCaIsRefused) {
  startAnswering(jsonReply(200, json::object()));
  const TestPki other("other");
  KubeConfig c = config();
  c.caPem = other.caPem();
  ApiResult result = client(c)->get(resources::configMaps(), "tools", "x");
  EXPECT_EQ(result.status, 0);
  EXPECT_NE(result.error.find("TLS handshake with " + c.server + " failed"), std::string::npos) << result.error;
  EXPECT_NE(result.error.find("the API server's certificate was refused: unable to get local issuer certificate"),
            std::string::npos)
      << result.error;
  EXPECT_NE(result.error.find("(trust anchors from test configuration)"), std::string::npos) << result.error;
  EXPECT_TRUE(requests().empty());
  EXPECT_TRUE(server_->waitUntil([&] { return server_->handshakeFailures() >= 1; }));
}

TEST_F(HttpKubeClientTest, ServerCertificateForAnotherHostIsRefused) {
  const KeyPair wrongHost = pki().server("elsewhere", {}, {"elsewhere.example"});
  server_ = std::make_unique<HttpsTestServer>(
      HttpsServerOptions{wrongHost.certificatePem, wrongHost.keyPem, ""},
      [](const RecordedRequest&) { return jsonReply(200, json::object()); });
  ApiResult result = client()->get(resources::configMaps(), "tools", "x");
  EXPECT_EQ(result.status, 0);
  EXPECT_NE(result.error.find("TLS handshake with " + server_->url() + " failed"), std::string::npos) << result.error;
  EXPECT_NE(result.error.find("the API server's certificate was refused: it does not name the host in the server URL "
                              "(certificate CN=elsewhere"),
            std::string::npos)
      << result.error;
  EXPECT_TRUE(requests().empty());
}

TEST_F(HttpKubeClientTest, SystemRootsDoNotTrustAnUnknownCa) {
  startAnswering(jsonReply(200, json::object()));
  KubeConfig c = config();
  c.caPem.clear();
  ApiResult result = client(c)->get(resources::configMaps(), "tools", "x");
  EXPECT_EQ(result.status, 0);
  EXPECT_TRUE(requests().empty());
}

TEST_F(HttpKubeClientTest, InsecureSkipTlsVerifyConnectsToAnyServer) {
  startAnswering(jsonReply(200, json::object()));
  KubeConfig c = config();
  c.caPem.clear();
  c.insecureSkipTlsVerify = true;
  EXPECT_TRUE(client(c)->get(resources::configMaps(), "tools", "x").ok());
  EXPECT_EQ(requests().size(), 1u);
}

TEST_F(HttpKubeClientTest, InClusterConfigurationWithARotatingProjectedToken) {
  // The pod's view: environment, service-account directory with kubelet's symlinked token, the cluster CA.
  TempDir dir;
  testing::writeFile(dir / "sa/..2024_01_01/token", "pod-token-1\n");
  testing::writeFile(dir / "sa/..2024_01_01/ca.crt", pki().caPem());
  testing::writeFile(dir / "sa/..2024_01_01/namespace", "warden-system");
  fs::create_directory_symlink("..2024_01_01", dir / "sa/..data");
  for (const char* file : {"token", "ca.crt", "namespace"}) {
    fs::create_symlink(std::string("..data/") + file, dir / ("sa/" + std::string(file)));
  }
  startAnswering(jsonReply(200, json::object()));
  const std::string port = std::to_string(server_->port());
  std::string error;
  auto c = loadInClusterConfig(&error, dir / "sa", [&](const std::string& name) -> std::optional<std::string> {
    if (name == "KUBERNETES_SERVICE_HOST") return "127.0.0.1";
    if (name == "KUBERNETES_SERVICE_PORT") return port;
    return std::nullopt;
  });
  ASSERT_TRUE(c) << error;
  auto kube = client(*c);
  EXPECT_TRUE(kube->get(resources::configMaps(), c->namespace_, "x").ok());

  testing::writeFile(dir / "sa/..2024_01_02/token", "pod-token-2\n");
  fs::create_directory_symlink("..2024_01_02", dir / "sa/..data_tmp");
  fs::rename(dir / "sa/..data_tmp", dir / "sa/..data");
  EXPECT_TRUE(kube->get(resources::configMaps(), c->namespace_, "x").ok());

  const auto sent = requests();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].target, "/api/v1/namespaces/warden-system/configmaps/x");
  EXPECT_EQ(sent[0].header("authorization"), "Bearer pod-token-1");
  EXPECT_EQ(sent[1].header("authorization"), "Bearer pod-token-2");
}

TEST_F(HttpKubeClientTest, KubeconfigWithClientCertificateData) {
  // The laptop's view: a kubeconfig as kind writes it (everything inline, base64).
  start([](const RecordedRequest&) { return jsonReply(200, json::object()); }, pki().caPem());
  const auto base64 = [](const std::string& text) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (std::size_t i = 0; i < text.size(); i += 3) {
      const std::size_t n = std::min<std::size_t>(3, text.size() - i);
      unsigned v = 0;
      for (std::size_t j = 0; j < 3; ++j) v = (v << 8) | (j < n ? static_cast<unsigned char>(text[i + j]) : 0u);
      for (std::size_t j = 0; j < 4; ++j) out += j <= n ? kAlphabet[(v >> (18 - 6 * j)) & 63] : '=';
    }
    return out;
  };
  TempDir dir;
  testing::writeFile(dir / "config", "apiVersion: v1\nkind: Config\ncurrent-context: kind-dev\n"
                                     "contexts:\n- name: kind-dev\n  context: {cluster: kind-dev, user: kind-dev}\n"
                                     "clusters:\n- name: kind-dev\n  cluster:\n    server: " + server_->url() +
                                     "\n    certificate-authority-data: " + base64(pki().caPem()) +
                                     "\nusers:\n- name: kind-dev\n  user:\n    client-certificate-data: " +
                                     base64(clientPair().certificatePem) +
                                     "\n    client-key-data: " + base64(clientPair().keyPem) + "\n");
  std::string error;
  auto c = loadKubeconfig(dir / "config", "", &error);
  ASSERT_TRUE(c) << error;
  EXPECT_TRUE(client(*c)->get(resources::mcpServers(), "tools", "files").ok());
  ASSERT_EQ(requests().size(), 1u);
  EXPECT_EQ(requests()[0].clientCommonName, "warden-operator");
  EXPECT_EQ(requests()[0].headers.count("authorization"), 0u);
}

TEST_F(HttpKubeClientTest, UnusableConfigurationsAreRefused) {
  startAnswering(jsonReply(200, json::object()));
  const auto refuse = [](KubeConfig c, HttpClientOptions options = {}) {
    std::string error;
    auto made = makeHttpKubeClient(std::move(c), std::move(options), &error);
    EXPECT_EQ(made, nullptr);
    return error;
  };
  KubeConfig c = config();
  c.server.clear();
  EXPECT_EQ(refuse(c), "no API server URL in the configuration (test configuration)");

  c = config();
  c.caPem = "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n";
  EXPECT_EQ(refuse(c).rfind("TLS configuration from test configuration: the cluster CA: ", 0), 0u);

  c = config();
  c.clientCertPem = clientPair().certificatePem;
  c.clientKeyPem = pki().client("someone else").keyPem;
  EXPECT_NE(refuse(c).find("the client key does not match the client certificate"), std::string::npos);

  c = config();
  c.clientCertPem = clientPair().certificatePem;
  EXPECT_NE(refuse(c).find("the client key: "), std::string::npos);

  HttpClientOptions options;
  options.requestTimeout = std::chrono::milliseconds(0);
  EXPECT_EQ(refuse(config(), options), "the request timeout must be positive");

  c = config();
  c.server = "https://bad host";
  EXPECT_NE(refuse(c).find("cannot create the API client for https://bad host"), std::string::npos);
}

}  // namespace
}  // namespace warden::op
