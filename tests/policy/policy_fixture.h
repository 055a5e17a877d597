#pragma once

// Test helper: YAML objects -> decode -> compile -> bundle -> load, the same path the sidecar's policy takes.

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "policy/bundle_loader.h"
#include "policy/compiler.h"
#include "policy/evaluator.h"
#include "policy/object_loader.h"

namespace warden::policy::testing {

inline constexpr const char* kServerYaml = R"(
apiVersion: mcpwarden.io/v1alpha1
kind: MCPServer
metadata: {name: files, namespace: tools}
spec:
  selector: {matchLabels: {app: files}}
  upstream: {port: 3001}
  identity: {spiffeID: spiffe://example.org/ns/tools/sa/files}
)";

// Policies in `yaml` target MCPServer tools/files; a policy header is added to each `rules:` snippet by
// policyYaml(). Loading failures are test failures.
inline LoadedObjects loadYaml(std::string_view yaml) {
  LoadedObjects objects;
  loadObjects(yaml, "test.yaml", objects);
  for (const auto& e : objects.errors) ADD_FAILURE() << e;
  return objects;
}

inline std::string policyYaml(std::string_view name, std::string_view body) {
  return "---\napiVersion: mcpwarden.io/v1alpha1\nkind: ToolPolicy\nmetadata: {name: " + std::string(name) +
         ", namespace: tools}\nspec:\n  targetRef: {name: files}\n" + std::string(body) + "\n";
}

inline Bundle compileYaml(std::string_view policies, std::string_view server = kServerYaml) {
  auto objects = loadYaml(std::string(server) + "\n" + std::string(policies));
  if (objects.servers.size() != 1) {
    ADD_FAILURE() << "expected one MCPServer";
    return {};
  }
  return compileBundle(objects.servers.front(), objects.policies);
}

inline CompiledPolicyPtr loadYamlPolicy(std::string_view policies, std::string_view server = kServerYaml) {
  auto bundle = compileYaml(policies, server);
  auto loaded = loadBundle(bundle.bytes, bundle.policyVersion);
  if (!loaded.ok()) ADD_FAILURE() << loaded.error << "\n" << bundle.bytes;
  return loaded.policy;
}

inline constexpr const char* kEditor = "spiffe://example.org/ns/agents/sa/editor";
inline constexpr const char* kReader = "spiffe://example.org/ns/agents/sa/reader";

// 2026-11-24T10:00:00Z, a Tuesday.
inline std::chrono::system_clock::time_point tuesdayMorning() {
  return std::chrono::system_clock::time_point(std::chrono::seconds(1795514400));
}

}  // namespace warden::policy::testing
