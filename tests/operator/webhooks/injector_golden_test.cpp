// Golden tests of /inject: each golden/<case>.in.json (namespace, API server version, pod) goes through the
// handler as an AdmissionReview; the answer, with its patch decoded and applied to the pod, must equal
// golden/<case>.out.json. WARDEN_UPDATE_GOLDEN=1 rewrites the .out.json files (review every change by eye).

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "operator/webhooks/admission_handlers.h"
#include "operator/webhooks/sidecar_template.h"
#include "tests/operator/webhooks/webhook_test_util.h"

namespace warden::op {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path& goldenDir() {
  static const fs::path kDir = fs::path(WARDEN_SOURCE_DIR) / "tests" / "operator" / "webhooks" / "golden";
  return kDir;
}

bool updatingGoldens() {
  const char* value = std::getenv("WARDEN_UPDATE_GOLDEN");
  return value != nullptr && std::string(value) == "1";
}

json readJsonFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

// The case names: golden/<name>.in.json, sorted.
std::vector<std::string> caseNames() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(goldenDir())) {
    const auto file = entry.path().filename().string();
    if (file.ends_with(".in.json")) names.push_back(file.substr(0, file.size() - 8));
  }
  std::sort(names.begin(), names.end());
  return names;
}

AdmissionHandlers handlersFor(const json& input, std::vector<json> servers) {
  InjectorConfig config;
  config.operatorNamespace = "mcp-warden-system";
  if (input.contains("nativeSidecars")) {
    config.nativeSidecars = parseNativeSidecarMode(input.at("nativeSidecars").get<std::string>()).value();
  }
  std::string error;
  auto version = parseServerVersion(input.at("serverVersion"), &error);
  if (!version) throw std::runtime_error("serverVersion: " + error);
  return AdmissionHandlers(SidecarInjector(config, version),
                           [servers = std::move(servers)](const std::string&) { return servers; });
}

// What the golden records: allowed, status, the patch and the pod with the patch applied.
json runCase(const json& input) {
  const auto handlers = handlersFor(input, readJsonFile(goldenDir() / "servers.json").get<std::vector<json>>());
  const json& pod = input.at("pod");
  const auto reply = handlers.inject(testing::admissionReview(pod, input.at("namespace")).dump());
  if (reply.status != 200) throw std::runtime_error("HTTP " + std::to_string(reply.status) + ": " + reply.body);
  const auto response = testing::reviewResponse(reply.body);
  if (response.at("uid") != testing::kTestUid) throw std::runtime_error("uid not echoed");
  json out = {{"allowed", response.at("allowed")}};
  if (response.contains("status")) out["status"] = response.at("status");
  if (auto patch = testing::decodedPatch(response); !patch.is_null()) {
    out["patch"] = patch;
    out["pod"] = pod.patch(patch);
  }
  return out;
}

class InjectorGoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(InjectorGoldenTest, MatchesGolden) {
  const auto input = readJsonFile(goldenDir() / (GetParam() + ".in.json"));
  const auto actual = runCase(input);
  const auto goldenPath = goldenDir() / (GetParam() + ".out.json");
  if (updatingGoldens()) {
    std::ofstream(goldenPath, std::ios::binary | std::ios::trunc) << actual.dump(2) << "\n";
    GTEST_SKIP() << "rewrote " << goldenPath;
  }
  ASSERT_TRUE(fs::exists(goldenPath)) << goldenPath << " is missing; run with WARDEN_UPDATE_GOLDEN=1";
  const auto expected = readJsonFile(goldenPath);
  // The difference as a JSON Patch from the golden to the result, rather than two pages of JSON.
  EXPECT_TRUE(actual == expected) << goldenPath.filename() << " differs from the result: "
                                  << json::diff(expected, actual).dump(2)
                                  << "\nif the change is intended, rerun with WARDEN_UPDATE_GOLDEN=1 and review it";
}

// The injected pod, admitted again (a retried request, or reinvocation), is left alone.
TEST_P(InjectorGoldenTest, InjectedPodIsNotInjectedAgain) {
  const auto input = readJsonFile(goldenDir() / (GetParam() + ".in.json"));
  const auto first = runCase(input);
  if (!first.contains("pod")) GTEST_SKIP() << "not injected";
  auto again = input;
  again["pod"] = first.at("pod");
  const auto second = runCase(again);
  EXPECT_EQ(second, json({{"allowed", true}})) << second.dump(2);
}

// What every injected pod must look like, whatever the case: one warden-sidecar, in the list the status names,
// the three volumes once each, and a status annotation that records exactly that.
TEST_P(InjectorGoldenTest, InjectedPodIsConsistent) {
  const auto input = readJsonFile(goldenDir() / (GetParam() + ".in.json"));
  const auto out = runCase(input);
  if (!out.contains("pod")) GTEST_SKIP() << "not injected";
  const auto& pod = out.at("pod");
  const auto status = json::parse(pod.at("metadata").at("annotations").at("mcpwarden.io/status").get<std::string>());
  const bool native = status.at("native").get<bool>();
  auto count = [&](const char* list) {
    if (!pod.at("spec").contains(list)) return 0L;
    const auto& items = pod.at("spec").at(list);
    return static_cast<long>(std::count_if(items.begin(), items.end(),
                                           [](const json& c) { return c.at("name") == kSidecarContainerName; }));
  };
  EXPECT_EQ(count("initContainers"), native ? 1 : 0);
  EXPECT_EQ(count("containers"), native ? 0 : 1);
  EXPECT_EQ(status.at(native ? "initContainers" : "containers"), json({kSidecarContainerName}));
  EXPECT_EQ(status.at(native ? "containers" : "initContainers"), json::array());
  // The sidecar is last in its list: the app's own init containers run first, its containers keep their order.
  const auto& list = pod.at("spec").at(native ? "initContainers" : "containers");
  EXPECT_EQ(list.back().at("name"), kSidecarContainerName);
  EXPECT_EQ(list.back().contains("restartPolicy"), native);
  for (const auto& name : status.at("volumes")) {
    const auto& volumes = pod.at("spec").at("volumes");
    EXPECT_EQ(std::count_if(volumes.begin(), volumes.end(), [&](const json& v) { return v.at("name") == name; }), 1)
        << name;
  }
  // Everything the pod had is still there, unchanged.
  const auto& before = input.at("pod");
  for (const auto& [key, value] : before.at("metadata").at("annotations").items()) {
    EXPECT_EQ(pod.at("metadata").at("annotations").at(key), value) << key;
  }
  const auto& containersBefore = before.at("spec").at("containers");
  for (std::size_t i = 0; i < containersBefore.size(); ++i) {
    EXPECT_EQ(pod.at("spec").at("containers").at(i), containersBefore.at(i));
  }
}

INSTANTIATE_TEST_SUITE_P(Golden, InjectorGoldenTest, ::testing::ValuesIn(caseNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// Every .out.json belongs to a case (a renamed or deleted case leaves no stale golden behind).
TEST(InjectorGoldenFilesTest, NoStaleGoldens) {
  const auto names = caseNames();
  ASSERT_GE(names.size(), 14u);
  for (const auto& entry : fs::directory_iterator(goldenDir())) {
    const auto file = entry.path().filename().string();
    if (!file.ends_with(".out.json")) continue;
    const auto name = file.substr(0, file.size() - 9);
    EXPECT_TRUE(std::binary_search(names.begin(), names.end(), name)) << file << " has no " << name << ".in.json";
  }
}

}  // namespace
}  // namespace warden::op
