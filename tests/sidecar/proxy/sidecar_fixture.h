#pragma once

// Runs a real SidecarApp for component tests: a dev trust domain (server and agent SVIDs), an identity source the
// test controls (for rotations), a policy compiled from YAML into a bundle directory (hot swaps), and a receipt log,
// all in a temp dir; proxy and admin ports ephemeral on 127.0.0.1.

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "sidecar/config/sidecar_config.h"
#include "sidecar/identity/dev_ca.h"
#include "sidecar/identity/identity_source.h"
#include "sidecar/enforcement/policy_store.h"
#include "sidecar/sidecar_app.h"

namespace warden::sidecar::testing {

inline constexpr const char* kTrustDomain = "example.org";
inline constexpr const char* kServerId = "spiffe://example.org/ns/tools/sa/files";
inline constexpr const char* kReaderId = "spiffe://example.org/ns/agents/sa/reader";
inline constexpr const char* kEditorId = "spiffe://example.org/ns/agents/sa/editor";

// An identity source the test drives: the current snapshot is delivered at start, push() delivers a new one.
class ControlledIdentitySource : public IdentitySource {
 public:
  explicit ControlledIdentitySource(IdentitySnapshotPtr initial) : current_(std::move(initial)) {}
  void start(UpdateCallback onUpdate, ErrorCallback onError) override;
  void push(IdentitySnapshotPtr snapshot);

 private:
  std::mutex mu_;
  IdentitySnapshotPtr current_;
  UpdateCallback onUpdate_;
};

struct TestPki {
  TestPki();
  IdentitySnapshotPtr serverSnapshot(std::chrono::seconds ttl = std::chrono::hours(1)) const;
  X509Svid reader, editor;
  std::optional<DevCa> ca;
};

// The MCPServer "files" in namespace "tools" (its identity in example.org), then the given ToolPolicy documents.
std::string serverYaml(const std::string& extraSpec = "");
std::string toolPolicyYaml(const std::string& name, const std::string& specBody);

// Compiles the YAML (server + policies) into `policyDir`/bundle.json + policyVersion, replacing both by rename
// (version first, bundle last); returns the version. For sidecars the test runs itself (a process).
std::string writePolicyFiles(const std::string& policyDir, const std::string& policiesYaml,
                             const std::string& server = serverYaml());

class SidecarUnderTest {
 public:
  SidecarUnderTest(const TestPki& pki, unsigned short upstreamPort, const std::string& policiesYaml,
                   const std::function<void(SidecarConfig&)>& tweak = {});
  // Starts with `initialIdentity` as the identity source's first snapshot instead of pki.serverSnapshot(); null:
  // no SVID until the test pushes one (readiness tests).
  SidecarUnderTest(IdentitySnapshotPtr initialIdentity, unsigned short upstreamPort, const std::string& policiesYaml,
                   const std::function<void(SidecarConfig&)>& tweak = {});
  ~SidecarUnderTest();

  unsigned short port() const { return app_->proxyPort(); }
  unsigned short adminPort() const { return app_->adminPort(); }
  const std::string& dir() const { return dir_; }
  std::string receiptsPath() const { return dir_ + "/receipts.jsonl"; }
  ControlledIdentitySource& identity() { return *identity_; }
  SidecarApp& app() { return *app_; }
  // Compiles the YAML (server + policies) into bundle.json + policyVersion; returns the version.
  std::string writePolicy(const std::string& policiesYaml, const std::string& server = serverYaml());
  bool waitForPolicy(const std::string& version, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Stops the app (flushing receipts) so the test can read the whole log.
  void stop();

 private:
  std::string dir_;
  ControlledIdentitySource* identity_ = nullptr;
  std::unique_ptr<SidecarApp> app_;
};

}  // namespace warden::sidecar::testing
