#include "sidecar_fixture.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <unistd.h>

#include "policy/canonical_json.h"
#include "policy/compiler.h"
#include "policy/object_loader.h"
#include "sidecar/enforcement/policy_store.h"

namespace warden::sidecar::testing {

void ControlledIdentitySource::start(UpdateCallback onUpdate, ErrorCallback) {
  IdentitySnapshotPtr first;
  {
    std::lock_guard lock(mu_);
    onUpdate_ = std::move(onUpdate);
    first = current_;
  }
  if (first) onUpdate_(first);
}

void ControlledIdentitySource::push(IdentitySnapshotPtr snapshot) {
  UpdateCallback callback;
  {
    std::lock_guard lock(mu_);
    current_ = snapshot;
    callback = onUpdate_;
  }
  if (callback) callback(std::move(snapshot));
}

TestPki::TestPki() {
  std::string error;
  ca = DevCa::create(kTrustDomain, std::chrono::hours(24), &error);
  if (!ca) throw std::runtime_error(error);
  auto r = ca->issue(kReaderId, {}, std::chrono::hours(1), &error);
  auto e = ca->issue(kEditorId, {}, std::chrono::hours(1), &error);
  if (!r || !e) throw std::runtime_error(error);
  reader = std::move(*r);
  editor = std::move(*e);
}

IdentitySnapshotPtr TestPki::serverSnapshot(std::chrono::seconds ttl) const {
  std::string error;
  auto svid = ca->issue(kServerId, {"localhost", "127.0.0.1"}, ttl, &error);
  if (!svid) throw std::runtime_error(error);
  auto snapshot = std::make_shared<IdentitySnapshot>();
  snapshot->svid = std::move(*svid);
  snapshot->bundles = ca->bundle();
  snapshot->source = "test";
  return snapshot;
}

std::string serverYaml(const std::string& extraSpec) {
  return "apiVersion: mcpwarden.io/v1alpha1\nkind: MCPServer\nmetadata: {name: files, namespace: tools}\nspec:\n"
         "  selector: {matchLabels: {app: files}}\n  upstream: {port: 3001}\n"
         "  identity: {spiffeID: spiffe://example.org/ns/tools/sa/files}\n" +
         extraSpec;
}

std::string toolPolicyYaml(const std::string& name, const std::string& specBody) {
  return "---\napiVersion: mcpwarden.io/v1alpha1\nkind: ToolPolicy\nmetadata: {name: " + name +
         ", namespace: tools}\nspec:\n  targetRef: {name: files}\n" + specBody + "\n";
}

SidecarUnderTest::SidecarUnderTest(const TestPki& pki, unsigned short upstreamPort, const std::string& policiesYaml,
                                   const std::function<void(SidecarConfig&)>& tweak)
    : SidecarUnderTest(pki.serverSnapshot(), upstreamPort, policiesYaml, tweak) {}

SidecarUnderTest::SidecarUnderTest(IdentitySnapshotPtr initialIdentity, unsigned short upstreamPort,
                                   const std::string& policiesYaml, const std::function<void(SidecarConfig&)>& tweak) {
  static int counter = 0;
  dir_ = (std::filesystem::temp_directory_path() /
          ("sidecar-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++)))
             .string();
  std::filesystem::remove_all(dir_);
  std::filesystem::create_directories(dir_ + "/policy");
  writePolicy(policiesYaml);

  SidecarConfig config;
  config.listenAddress = "127.0.0.1";
  config.port = 0;
  config.adminAddress = "127.0.0.1";
  config.adminPort = 0;
  config.upstreamHost = "127.0.0.1";
  config.upstreamPort = upstreamPort;
  config.policyDir = dir_ + "/policy";
  config.receiptsPath = receiptsPath();
  config.receiptsToStdout = false;
  config.threads = 2;
  if (tweak) tweak(config);
  auto identity = std::make_unique<ControlledIdentitySource>(std::move(initialIdentity));
  identity_ = identity.get();
  app_ = std::make_unique<SidecarApp>(config, std::move(identity));
  std::string error;
  if (!app_->start(&error)) throw std::runtime_error("sidecar did not start: " + error);
}

SidecarUnderTest::~SidecarUnderTest() {
  stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void SidecarUnderTest::stop() {
  if (app_) app_->stop();
}

std::string writePolicyFiles(const std::string& policyDir, const std::string& policiesYaml,
                             const std::string& server) {
  policy::LoadedObjects objects;
  policy::loadObjects(server + "\n" + policiesYaml, "test.yaml", objects);
  for (const auto& e : objects.errors) ADD_FAILURE() << e;
  if (objects.servers.size() != 1) throw std::runtime_error("policy YAML needs one MCPServer");
  const auto bundle = policy::compileBundle(objects.servers.front(), objects.policies);
  const auto tmp = policyDir + "/.tmp";
  std::filesystem::create_directories(tmp);
  std::ofstream(tmp + "/bundle.json", std::ios::binary) << bundle.bytes;
  std::ofstream(tmp + "/policyVersion", std::ios::binary) << bundle.policyVersion;
  // Version first, bundle last: a reader between the two renames sees a mismatch and waits for the next event.
  std::filesystem::rename(tmp + "/policyVersion", policyDir + "/policyVersion");
  std::filesystem::rename(tmp + "/bundle.json", policyDir + "/bundle.json");
  return bundle.policyVersion;
}

std::string SidecarUnderTest::writePolicy(const std::string& policiesYaml, const std::string& server) {
  return writePolicyFiles(dir_ + "/policy", policiesYaml, server);
}

bool SidecarUnderTest::waitForPolicy(const std::string& version, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto current = app_->policies().current();
    if (current && current->policyVersion() == version) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace warden::sidecar::testing
