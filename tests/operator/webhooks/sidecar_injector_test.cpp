#include "operator/webhooks/sidecar_injector.h"

#include <stdexcept>

#include <gtest/gtest.h>

#include "operator/webhooks/sidecar_template.h"

namespace warden::op {
namespace {

using nlohmann::json;
using Outcome = InjectionDecision::Outcome;

json server(const std::string& name, json selector, json extraSpec = json::object(), const std::string& ns = "tools") {
  json spec = {{"selector", std::move(selector)}, {"upstream", {{"port", 3001}}}};
  spec.update(extraSpec);
  return {{"apiVersion", "mcpwarden.io/v1alpha1"},
          {"kind", "MCPServer"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec", std::move(spec)}};
}

json filesServer() { return server("files", {{"matchLabels", {{"app", "files-mcp"}}}}); }

json pod(json labels = {{"app", "files-mcp"}}, json annotations = {{"mcpwarden.io/inject", "true"}}) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", "files-0"}, {"labels", std::move(labels)}, {"annotations", std::move(annotations)}}},
          {"spec", {{"containers", {{{"name", "files"}, {"image", "files:1"}}}}}}};
}

SidecarInjector injector(NativeSidecarMode mode = NativeSidecarMode::Auto,
                         std::optional<ServerVersion> v = ServerVersion{1, 29}) {
  InjectorConfig config;
  config.nativeSidecars = mode;
  config.operatorNamespace = "mcp-warden-system";
  return SidecarInjector(config, v);
}

// The op of `patch` that adds at `path`, or null.
json opAt(const json& patch, const std::string& path) {
  for (const auto& op : patch) {
    if (op.at("path") == path) return op;
  }
  return nullptr;
}

json injectedSidecar(const InjectionDecision& d) {
  for (const auto& op : d.patch) {
    const auto& v = op.at("value");
    if (v.is_object() && v.value("name", "") == kSidecarContainerName) return v;
    if (v.is_array() && !v.empty() && v[0].is_object() && v[0].value("name", "") == kSidecarContainerName) return v[0];
  }
  return nullptr;
}

TEST(UseNativeSidecarsTest, FollowsModeAndVersion) {
  EXPECT_TRUE(useNativeSidecars(NativeSidecarMode::Auto, ServerVersion{1, 29}));
  EXPECT_TRUE(useNativeSidecars(NativeSidecarMode::Auto, ServerVersion{1, 33}));
  EXPECT_TRUE(useNativeSidecars(NativeSidecarMode::Auto, ServerVersion{2, 0}));
  EXPECT_FALSE(useNativeSidecars(NativeSidecarMode::Auto, ServerVersion{1, 28}));
  EXPECT_FALSE(useNativeSidecars(NativeSidecarMode::Auto, std::nullopt));
  EXPECT_TRUE(useNativeSidecars(NativeSidecarMode::On, ServerVersion{1, 27}));
  EXPECT_TRUE(useNativeSidecars(NativeSidecarMode::On, std::nullopt));
  EXPECT_FALSE(useNativeSidecars(NativeSidecarMode::Off, ServerVersion{1, 31}));
  EXPECT_TRUE(injector().nativeSidecars());
  EXPECT_FALSE(injector(NativeSidecarMode::Auto, ServerVersion{1, 28}).nativeSidecars());
}

TEST(SidecarInjectorTest, SkipsPodsThatDoNotAskWithoutListingServers) {
  int listed = 0;
  auto lister = [&] {
    ++listed;
    return std::vector<json>{filesServer()};
  };
  const auto inj = injector();
  auto d = inj.decide(pod({{"app", "files-mcp"}}, json::object()), "tools", lister);
  EXPECT_EQ(d.outcome, Outcome::Skip);
  EXPECT_EQ(d.message, "no mcpwarden.io/inject annotation");
  for (const char* value : {"false", "True", "yes", ""}) {
    d = inj.decide(pod({{"app", "files-mcp"}}, {{"mcpwarden.io/inject", value}}), "tools", lister);
    EXPECT_EQ(d.outcome, Outcome::Skip) << value;
    EXPECT_TRUE(d.patch.is_null());
  }
  d = inj.decide(pod(json::object(), nullptr), "tools", lister);  // no labels, annotations: null
  EXPECT_EQ(d.outcome, Outcome::Skip);
  EXPECT_EQ(listed, 0);
}

TEST(SidecarInjectorTest, SkipsSystemAndOperatorNamespaces) {
  int listed = 0;
  auto lister = [&] {
    ++listed;
    return std::vector<json>{filesServer()};
  };
  for (const char* ns : {"kube-system", "kube-public", "kube-node-lease", "mcp-warden-system"}) {
    const auto d = injector().decide(pod(), ns, lister);
    EXPECT_EQ(d.outcome, Outcome::Skip) << ns;
    EXPECT_EQ(d.message, "namespace \"" + std::string(ns) + "\" is never injected");
  }
  EXPECT_EQ(listed, 0);
  EXPECT_EQ(injector().decide(pod(), "tools", lister).outcome, Outcome::Inject);
}

TEST(SidecarInjectorTest, SkipsHostNetworkPods) {
  auto p = pod();
  p["spec"]["hostNetwork"] = true;
  const auto d = injector().decide(p, "tools", std::vector<json>{filesServer()});
  EXPECT_EQ(d.outcome, Outcome::Skip);
  EXPECT_EQ(d.message, "hostNetwork pods are not injected");
  p["spec"]["hostNetwork"] = false;
  EXPECT_EQ(injector().decide(p, "tools", std::vector<json>{filesServer()}).outcome, Outcome::Inject);
}

TEST(SidecarInjectorTest, SkipsPodsAlreadyInjected) {
  const std::vector<json> servers{filesServer()};
  auto withStatus = pod({{"app", "files-mcp"}}, {{"mcpwarden.io/inject", "true"}, {"mcpwarden.io/status", "{}"}});
  EXPECT_EQ(injector().decide(withStatus, "tools", servers).outcome, Outcome::Skip);

  auto withContainer = pod();
  withContainer["spec"]["containers"].push_back({{"name", "warden-sidecar"}, {"image", "x"}});
  auto d = injector().decide(withContainer, "tools", servers);
  EXPECT_EQ(d.outcome, Outcome::Skip);
  EXPECT_EQ(d.message, "already injected (it has a container named warden-sidecar)");

  auto withInit = pod();
  withInit["spec"]["initContainers"] = {{{"name", "warden-sidecar"}, {"image", "x"}, {"restartPolicy", "Always"}}};
  EXPECT_EQ(injector().decide(withInit, "tools", servers).outcome, Outcome::Skip);
}

TEST(SidecarInjectorTest, RefusesMalformedPods) {
  const std::vector<json> servers{filesServer()};
  auto expectMalformed = [&](const json& p, const std::string& what) {
    const auto d = injector().decide(p, "tools", servers);
    EXPECT_EQ(d.outcome, Outcome::Refuse) << what;
    EXPECT_EQ(d.code, 400) << what;
    EXPECT_EQ(d.message, "cannot inject the warden sidecar: the pod is malformed: " + what);
  };
  expectMalformed(json::array(), "expected a Pod object, got array");
  auto p = pod();
  p.erase("spec");
  expectMalformed(p, "spec: required object is missing");
  p = pod();
  p["metadata"] = "x";
  expectMalformed(p, "metadata: expected an object");
  p = pod();
  p["metadata"]["labels"]["app"] = 3;
  expectMalformed(p, "metadata.labels[app]: expected a string");
  p = pod();
  p["metadata"]["annotations"] = json::array();
  expectMalformed(p, "metadata.annotations: expected an object");
  p = pod();
  p["spec"]["containers"] = json::array();
  expectMalformed(p, "spec.containers: a pod needs at least one container");
  p["spec"].erase("containers");
  expectMalformed(p, "spec.containers: a pod needs at least one container");
  p["spec"]["containers"] = json::object({{"name", "x"}});
  expectMalformed(p, "spec.containers: expected an array");
  p = pod();
  p["spec"]["containers"][0]["ports"] = {{{"containerPort", "8443"}}};
  expectMalformed(p, "spec.containers[0].ports[0].containerPort: expected an integer");
  p = pod();
  p["spec"]["containers"][0]["name"] = 1;
  expectMalformed(p, "spec.containers[0].name: expected a string");
  p = pod();
  p["spec"]["initContainers"] = {"x"};
  expectMalformed(p, "spec.initContainers[0]: expected an object");
  p = pod();
  p["spec"]["volumes"] = {{{"emptyDir", json::object()}}};
  expectMalformed(p, "spec.volumes[0]: expected an object with a name");
  p = pod();
  p["spec"]["hostNetwork"] = "true";
  expectMalformed(p, "spec.hostNetwork: expected a boolean");
}

TEST(SidecarInjectorTest, MatchesBySelectorAndIgnoresOtherNamespaces) {
  const std::vector<json> servers{
      server("files", {{"matchLabels", {{"app", "files-mcp"}}}}),
      server("search", {{"matchExpressions", {{{"key", "app"}, {"operator", "In"}, {"values", {"search-mcp"}}}}}}),
      server("stray", {{"matchLabels", {{"app", "search-mcp"}}}}, json::object(), "other"),
  };
  auto d = injector().decide(pod({{"app", "search-mcp"}}), "tools", servers);
  ASSERT_EQ(d.outcome, Outcome::Inject) << d.message;
  EXPECT_EQ(d.server, "search");
  EXPECT_TRUE(d.native);
  EXPECT_EQ(d.message, "added warden-sidecar (native sidecar) for MCPServer tools/search");
  d = injector().decide(pod({{"app", "files-mcp"}, {"extra", "x"}}), "tools", servers);
  ASSERT_EQ(d.outcome, Outcome::Inject);
  EXPECT_EQ(d.server, "files");
}

TEST(SidecarInjectorTest, RefusesWhenNoServerSelectsThePod) {
  const std::vector<json> servers{filesServer()};
  auto p = pod({{"app", "notes"}, {"tier", "web"}});
  const auto d = injector().decide(p, "tools", servers);
  ASSERT_EQ(d.outcome, Outcome::Refuse);
  EXPECT_EQ(d.code, 403);
  EXPECT_EQ(d.message,
            "pod \"files-0\" in namespace \"tools\" asks for the warden sidecar (mcpwarden.io/inject: \"true\") but no "
            "MCPServer in namespace \"tools\" has a spec.selector matching its labels \"app=notes, tier=web\" (they "
            "select: \"files\" \"app=files-mcp\"); create the MCPServer first, fix its selector or the pod's labels, "
            "or name the server with the annotation mcpwarden.io/server");

  const auto none = injector().decide(p, "tools", std::vector<json>{});
  ASSERT_EQ(none.outcome, Outcome::Refuse);
  EXPECT_NE(none.message.find("(there are none)"), std::string::npos) << none.message;
  p["metadata"].erase("labels");
  const auto noLabels = injector().decide(p, "tools", servers);
  EXPECT_NE(noLabels.message.find("matching its labels {}"), std::string::npos) << noLabels.message;
}

TEST(SidecarInjectorTest, RefusesWhenSeveralServersSelectThePod) {
  const std::vector<json> servers{
      server("b-files", {{"matchLabels", {{"app", "files-mcp"}}}}),
      server("a-files", {{"matchExpressions", {{{"key", "app"}, {"operator", "Exists"}}}}}),
  };
  const auto d = injector().decide(pod(), "tools", servers);
  ASSERT_EQ(d.outcome, Outcome::Refuse);
  EXPECT_EQ(d.code, 403);
  EXPECT_EQ(
      d.message,
      "pod \"files-0\" in namespace \"tools\" asks for the warden sidecar (mcpwarden.io/inject: \"true\") but its "
      "labels \"app=files-mcp\" match 2 MCPServers in namespace \"tools\": \"a-files\", \"b-files\"; name the "
      "one it serves with the annotation mcpwarden.io/server");
  // The annotation settles it.
  auto named = pod({{"app", "files-mcp"}}, {{"mcpwarden.io/inject", "true"}, {"mcpwarden.io/server", "b-files"}});
  const auto chosen = injector().decide(named, "tools", servers);
  ASSERT_EQ(chosen.outcome, Outcome::Inject);
  EXPECT_EQ(chosen.server, "b-files");
}

TEST(SidecarInjectorTest, AnnotationNamesTheServer) {
  const std::vector<json> servers{filesServer(), server("search", {{"matchLabels", {{"app", "search"}}}})};
  auto p = pod({{"app", "anything"}}, {{"mcpwarden.io/inject", "true"}, {"mcpwarden.io/server", "search"}});
  auto d = injector().decide(p, "tools", servers);
  ASSERT_EQ(d.outcome, Outcome::Inject);
  EXPECT_EQ(d.server, "search");

  p["metadata"]["annotations"]["mcpwarden.io/server"] = "nope";
  d = injector().decide(p, "tools", servers);
  ASSERT_EQ(d.outcome, Outcome::Refuse);
  EXPECT_EQ(d.code, 403);
  EXPECT_EQ(d.message,
            "pod \"files-0\" in namespace \"tools\" asks for the warden sidecar (mcpwarden.io/inject: \"true\") but "
            "namespace \"tools\" has no MCPServer named \"nope\" (annotation mcpwarden.io/server)");
}

TEST(SidecarInjectorTest, InvalidServersAreNeverUsedAndAreNamed) {
  const std::vector<json> servers{
      server("broken", {{"matchLabels", {{"app", "files-mcp"}}}}, {{"upstream", {{"port", 70000}}}}),
      json("not an object"),
  };
  auto d = injector().decide(pod(), "tools", servers);
  ASSERT_EQ(d.outcome, Outcome::Refuse);
  EXPECT_NE(d.message.find("; MCPServers that cannot be used because they are invalid: \"broken\" "
                           "(spec.upstream.port: must be <= 65535)"),
            std::string::npos)
      << d.message;
  auto named = pod({{"app", "files-mcp"}}, {{"mcpwarden.io/inject", "true"}, {"mcpwarden.io/server", "broken"}});
  d = injector().decide(named, "tools", servers);
  ASSERT_EQ(d.outcome, Outcome::Refuse);
  EXPECT_EQ(d.message,
            "pod \"files-0\" in namespace \"tools\" asks for the warden sidecar (mcpwarden.io/inject: \"true\") for "
            "MCPServer \"broken\" (annotation mcpwarden.io/server), which is invalid: spec.upstream.port: must be <= "
            "65535");
}

TEST(SidecarInjectorTest, RefusesConflictingVolumesAndPorts) {
  const std::vector<json> servers{filesServer()};
  auto p = pod();
  p["spec"]["volumes"] = {{{"name", "warden-receipts"}, {"emptyDir", json::object()}}};
  auto d = injector().decide(p, "tools", servers);
  ASSERT_EQ(d.outcome, Outcome::Refuse);
  EXPECT_EQ(d.code, 403);
  EXPECT_EQ(d.message,
            "cannot inject the warden sidecar for MCPServer \"files\" into pod \"files-0\" in namespace \"tools\": the "
            "pod already has a volume named \"warden-receipts\", which the sidecar adds");

  p = pod();
  p["spec"]["containers"][0]["ports"] = {{{"containerPort", 9090}}};
  d = injector().decide(p, "tools", servers);
  ASSERT_EQ(d.outcome, Outcome::Refuse);
  EXPECT_NE(d.message.find("container \"files\" declares port 9090, which the sidecar listens on (spec.port 8443, "
                           "spec.metricsPort 9090 of MCPServer \"files\")"),
            std::string::npos)
      << d.message;

  // A native sidecar of the pod runs beside ours; an ordinary init container has exited before ours starts.
  p = pod();
  p["spec"]["initContainers"] = {{{"name", "proxy"}, {"image", "p"}, {"restartPolicy", "Always"},
                                  {"ports", {{{"containerPort", 8443}, {"protocol", "TCP"}}}}}};
  EXPECT_EQ(injector().decide(p, "tools", servers).outcome, Outcome::Refuse);
  p["spec"]["initContainers"][0].erase("restartPolicy");
  EXPECT_EQ(injector().decide(p, "tools", servers).outcome, Outcome::Inject);

  p = pod();
  p["spec"]["containers"][0]["ports"] = {{{"name", "mcp"}, {"containerPort", 3001}}};
  d = injector().decide(p, "tools", servers);
  ASSERT_EQ(d.outcome, Outcome::Refuse);
  EXPECT_NE(d.message.find("container \"files\" declares a port named \"mcp\""), std::string::npos) << d.message;

  // UDP on the same number does not take the sidecar's TCP port.
  p = pod();
  p["spec"]["containers"][0]["ports"] = {{{"containerPort", 8443}, {"protocol", "UDP"}}};
  EXPECT_EQ(injector().decide(p, "tools", servers).outcome, Outcome::Inject);
}

TEST(SidecarInjectorTest, PatchCreatesListsWhenAbsentAndAppendsOtherwise) {
  const std::vector<json> servers{filesServer()};
  auto d = injector().decide(pod(), "tools", servers);
  ASSERT_EQ(d.outcome, Outcome::Inject);
  ASSERT_EQ(d.patch.size(), 3u);
  EXPECT_EQ(d.patch[0].at("op"), "add");
  EXPECT_EQ(d.patch[0].at("path"), "/metadata/annotations/mcpwarden.io~1status");
  EXPECT_TRUE(d.patch[1].at("value").is_array());
  EXPECT_EQ(d.patch[1].at("path"), "/spec/initContainers");
  EXPECT_EQ(d.patch[2].at("path"), "/spec/volumes");
  EXPECT_EQ(d.patch[2].at("value").size(), 3u);

  auto p = pod();
  p["spec"]["initContainers"] = json::array();
  p["spec"]["volumes"] = {{{"name", "data"}, {"emptyDir", json::object()}}};
  d = injector().decide(p, "tools", servers);
  ASSERT_EQ(d.outcome, Outcome::Inject);
  ASSERT_EQ(d.patch.size(), 5u);
  EXPECT_EQ(d.patch[1].at("path"), "/spec/initContainers/-");
  for (int i = 2; i < 5; ++i) EXPECT_EQ(d.patch[i].at("path"), "/spec/volumes/-");
  EXPECT_EQ(p.patch(d.patch).at("spec").at("volumes").size(), 4u);

  // null lists are created like absent ones (add replaces the null).
  p["spec"]["initContainers"] = nullptr;
  p["spec"]["volumes"] = nullptr;
  d = injector().decide(p, "tools", servers);
  ASSERT_EQ(d.outcome, Outcome::Inject);
  EXPECT_EQ(d.patch[1].at("path"), "/spec/initContainers");
  EXPECT_EQ(d.patch[2].at("path"), "/spec/volumes");
  EXPECT_EQ(p.patch(d.patch).at("spec").at("initContainers").size(), 1u);

  d = injector(NativeSidecarMode::Off).decide(pod(), "tools", servers);
  ASSERT_EQ(d.outcome, Outcome::Inject);
  EXPECT_FALSE(d.native);
  EXPECT_EQ(d.patch[1].at("path"), "/spec/containers/-");
  EXPECT_EQ(opAt(d.patch, "/spec/initContainers"), nullptr);
}

TEST(SidecarInjectorTest, SidecarFollowsTheContract) {
  const json spec = {{"upstream", {{"port", 3001}, {"path", "/rpc"}}}, {"port", 9443}, {"metricsPort", 9444}};
  const std::vector<json> servers{server("files", {{"matchLabels", {{"app", "files-mcp"}}}}, spec)};
  const auto d = injector().decide(pod(), "tools", servers);
  ASSERT_EQ(d.outcome, Outcome::Inject);
  const auto sidecar = injectedSidecar(d);
  ASSERT_TRUE(sidecar.is_object());
  EXPECT_EQ(sidecar.at("image"), "ghcr.io/mcp-warden/warden-sidecar:0.1.0");
  EXPECT_EQ(sidecar.at("imagePullPolicy"), "IfNotPresent");
  EXPECT_EQ(sidecar.at("args"), json({"--port=9443", "--upstream-port=3001", "--upstream-path=/rpc",
                                      "--admin-port=9444", "--policy-dir=/etc/mcp-warden/policy",
                                      "--receipts-path=/var/lib/mcp-warden/receipts/receipts.jsonl"}));
  EXPECT_EQ(sidecar.at("env"),
            json::parse(R"([{"name":"SPIFFE_ENDPOINT_SOCKET",
                             "value":"unix:///spiffe-workload-api/spire-agent.sock"}])"));
  EXPECT_EQ(sidecar.at("ports"), json::parse(R"([{"name":"mcp","containerPort":9443,"protocol":"TCP"},
                                                 {"name":"warden-admin","containerPort":9444,"protocol":"TCP"}])"));
  EXPECT_EQ(sidecar.at("restartPolicy"), "Always");
  EXPECT_EQ(sidecar.at("startupProbe").at("httpGet").at("path"), "/readyz");
  EXPECT_EQ(sidecar.at("startupProbe").at("httpGet").at("port"), 9444);
  EXPECT_EQ(sidecar.at("readinessProbe").at("httpGet").at("path"), "/readyz");
  EXPECT_EQ(sidecar.at("livenessProbe").at("httpGet").at("path"), "/healthz");
  EXPECT_EQ(sidecar.at("securityContext"), json::parse(R"({"runAsNonRoot":true,"runAsUser":65532,
      "allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,"capabilities":{"drop":["ALL"]},
      "seccompProfile":{"type":"RuntimeDefault"}})"));
  EXPECT_EQ(sidecar.at("resources"),
            json::parse(R"({"requests":{"cpu":"50m","memory":"32Mi"},"limits":{"memory":"128Mi"}})"));
  EXPECT_EQ(sidecar.at("volumeMounts"), json::parse(R"([
      {"name":"warden-policy","mountPath":"/etc/mcp-warden/policy","readOnly":true},
      {"name":"spiffe-workload-api","mountPath":"/spiffe-workload-api","readOnly":true},
      {"name":"warden-receipts","mountPath":"/var/lib/mcp-warden/receipts"}])"));
  const auto volumes = opAt(d.patch, "/spec/volumes").at("value");
  EXPECT_EQ(volumes, json::parse(R"([
      {"name":"warden-policy","configMap":{"name":"files-warden-policy"}},
      {"name":"spiffe-workload-api","csi":{"driver":"csi.spiffe.io","readOnly":true}},
      {"name":"warden-receipts","emptyDir":{}}])"));
  const auto status = json::parse(d.patch[0].at("value").get<std::string>());
  EXPECT_EQ(status, json::parse(R"({"version":1,"server":"files","policyConfigMap":"files-warden-policy",
      "containers":[],"initContainers":["warden-sidecar"],
      "volumes":["warden-policy","spiffe-workload-api","warden-receipts"],"native":true})"));
}

TEST(SidecarInjectorTest, DefaultsOfTheServerAndSettingsOfTheConfigApply) {
  InjectorConfig config;
  config.image = "registry.example/warden-sidecar@sha256:0123";
  config.imagePullPolicy = "Always";
  config.spiffeCsiDriver = "csi.example.io";
  config.spiffeSocketName = "agent.sock";
  config.cpuRequest = "";
  config.cpuLimit = "500m";
  config.memoryLimit = "";
  const SidecarInjector inj(config, ServerVersion{1, 28});
  const auto d = inj.decide(pod(), "tools", std::vector<json>{filesServer()});
  ASSERT_EQ(d.outcome, Outcome::Inject);
  const auto sidecar = injectedSidecar(d);
  EXPECT_EQ(sidecar.at("image"), config.image);
  EXPECT_EQ(sidecar.at("imagePullPolicy"), "Always");
  EXPECT_FALSE(sidecar.contains("restartPolicy"));
  EXPECT_EQ(sidecar.at("resources"), json::parse(R"({"requests":{"memory":"32Mi"},"limits":{"cpu":"500m"}})"));
  // MCPServer defaults: port 8443, metricsPort 9090, upstream path /mcp.
  EXPECT_EQ(sidecar.at("args")[0], "--port=8443");
  EXPECT_EQ(sidecar.at("args")[2], "--upstream-path=/mcp");
  EXPECT_EQ(sidecar.at("args")[3], "--admin-port=9090");
  EXPECT_EQ(opAt(d.patch, "/spec/volumes").at("value")[1].at("csi").at("driver"), "csi.example.io");
  EXPECT_EQ(sidecar.at("env"),
            json::parse(R"([{"name":"SPIFFE_ENDPOINT_SOCKET","value":"unix:///spiffe-workload-api/agent.sock"}])"));
  EXPECT_EQ(d.message, "added warden-sidecar (regular container) for MCPServer tools/files");
}

TEST(SidecarInjectorTest, DecisionIsDeterministicWhateverTheServerOrder) {
  const std::vector<json> forward{filesServer(), server("other", {{"matchLabels", {{"app", "other"}}}})};
  const std::vector<json> backward{forward[1], forward[0]};
  const auto a = injector().decide(pod(), "tools", forward);
  const auto b = injector().decide(pod(), "tools", backward);
  ASSERT_EQ(a.outcome, Outcome::Inject);
  EXPECT_EQ(a.patch, b.patch);
  EXPECT_EQ(a.patch.dump(), injector().decide(pod(), "tools", forward).patch.dump());
}

TEST(SidecarInjectorTest, ListerErrorsPropagate) {
  auto throwing = []() -> std::vector<json> { throw std::runtime_error("cache not synced"); };
  EXPECT_THROW((void)injector().decide(pod(), "tools", throwing), std::runtime_error);
  // Pods that do not ask never reach the lister.
  EXPECT_EQ(injector().decide(pod({{"app", "x"}}, json::object()), "tools", throwing).outcome, Outcome::Skip);
}

}  // namespace
}  // namespace warden::op
