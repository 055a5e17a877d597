#pragma once

// Reconciles the status of one ToolPolicy (design D3): the condition Accepted and status.observedGeneration.
//
// Accepted says whether this policy can take part in its server's bundle:
// - True, reason Compiled: the policy decodes and compiles, and the MCPServer it targets exists.
// - False, reason InvalidSpec: it does not compile; the message is every error ("<field>: <problem>") joined by
//   "; " in the order found. The MCPServer keeps its last good bundle meanwhile (see McpServerReconciler).
// - False, reason TargetNotFound: it compiles, but no MCPServer of spec.targetRef.name exists in its namespace, so
//   nothing enforces it. False rather than True: the printer column Accepted must not suggest a policy is in force
//   when no server has it (the message says the policy itself is valid).
// Whether the bundle holding the policy is published is the MCPServer's status (PolicyCompiled, Ready), since one
// invalid policy holds back the whole bundle.
//
// Level-triggered from the caches; the status is written (server-side apply of the status subresource) only when
// it changed. A ToolPolicy that is gone needs nothing. When an MCPServer appears or disappears, the ToolPolicies
// targeting it must be reconciled again: keysForMCPServer() lists them.
//
// Thread safety: no mutable state of its own; different keys may be reconciled concurrently.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/controllers/clock.h"
#include "operator/controllers/desired_objects.h"
#include "operator/controllers/object_reader.h"
#include "operator/controllers/reconcile_result.h"
#include "operator/kube/kube_client.h"

namespace warden::op {

inline constexpr const char* kAccepted = "Accepted";
namespace reason {
inline constexpr const char* kTargetNotFound = "TargetNotFound";  // Accepted False
}  // namespace reason

struct ToolPolicyReconcilerOptions {
  std::string fieldManager = kFieldManager;
  Clock clock = systemClock();
};

class ToolPolicyReconciler {
 public:
  using Options = ToolPolicyReconcilerOptions;

  // `reader` must outlive the reconciler.
  ToolPolicyReconciler(KubeClientPtr client, const ObjectReader& reader, Options options);

  // Reconciles the ToolPolicy "namespace/name". Never throws: every failure is ReconcileResult.error.
  ReconcileResult reconcile(const std::string& namespaceName);

  // Keys of the ToolPolicies (in the reader's cache) whose spec.targetRef names this MCPServer, sorted.
  static std::vector<std::string> keysForMCPServer(const ObjectReader& reader, const nlohmann::json& mcpServer);

 private:
  ReconcileResult run(const std::string& namespaceName);

  KubeClientPtr client_;
  const ObjectReader& reader_;
  Options options_;
};

}  // namespace warden::op
