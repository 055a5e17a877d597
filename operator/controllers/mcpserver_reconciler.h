#pragma once

// Reconciles one MCPServer (design D2, D3): compiles the ToolPolicies that target it into one bundle and publishes
// it in the ConfigMap <name>-warden-policy, keeps the Service <name> and the NetworkPolicy <name>-warden as they
// should be, and writes status conditions (Ready, PolicyCompiled, ServiceReady) and Events.
//
// Level-triggered: every reconcile reads the current state from the informers' caches (ObjectReader), computes
// what should be, and writes only what differs (server-side apply with the operator's field manager): a value, or
// a field it applied before and now leaves out (managed_fields.h). A second reconcile with nothing changed writes
// nothing. Children carry a controller owner reference to the MCPServer, so Kubernetes garbage-collects them when
// it is deleted and their changes can be mapped back to it (keyForChild()).
//
// Decisions:
// - An invalid MCPServer: Ready False (InvalidSpec, every error), no child is written; the last published bundle,
//   if any, stays (its version is still reported in status).
// - A targeting ToolPolicy that does not decode (compile): no new bundle is published. The ConfigMap keeps the last
//   good bundle, which survives operator restarts because it is read back from the ConfigMap; PolicyCompiled False
//   (InvalidPolicy, each failing policy with its first error exactly as the policy library
//   words it, and how many more it has). Ready stays True (LastGoodPolicy) while a last good
//   bundle is published; without one Ready is False (NoValidPolicy) and the sidecars deny every call. Publishing
//   only the valid policies would drop rules (a Deny among them), so it is never done.
// - A child with the child's name that is not ours (no managed-by label or no owner reference to this MCPServer's
//   uid) is never touched: a foreign Service gives ServiceReady False (ServiceConflict) and a Warning event; a
//   foreign ConfigMap or NetworkPolicy gives Ready False (ConfigMapConflict / NetworkPolicyConflict) and a
//   Warning event.
// - A Service selects by labels only: with matchExpressions besides matchLabels the Service uses matchLabels and
//   ServiceReady is True with reason SelectorSimplified; with matchExpressions only no Service is made, and one
//   of ours from an earlier selector is deleted (ServiceReady False, SelectorNotExpressible); a server name that
//   is not a DNS-1035 label gives ServiceReady False (InvalidServiceName). The NetworkPolicy always uses the full
//   selector.
// - Events only on transitions (compared with the status found): PolicyPublished (Normal, with the version) when
//   the ConfigMap gets a new version; InvalidPolicy, InvalidSpec, ServiceConflict, ConfigMapConflict,
//   NetworkPolicyConflict (Warning) when the condition takes that reason or its message changes, once per reason
//   and reconcile, and not again within the EventRecorder's dedup window. Events are best effort: a failed create
//   does not fail the reconcile.
// - API errors end the reconcile with ReconcileResult.error (the work queue retries with backoff); what was
//   written before stays and the next reconcile continues from the state found.
// - The trust domain for ns/<ns>/sa/<sa> principals is Options.compile.trustDomain unless the MCPServer's
//   spec.identity names one (the compiler decides).
//
// Thread safety: the reconciler keeps no mutable state of its own; one instance may reconcile different keys on
// several threads at once (the KubeClient, ObjectReader and EventRecorder are thread-safe). The work queue never
// hands one key to two workers at once.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/controllers/clock.h"
#include "operator/controllers/desired_objects.h"
#include "operator/controllers/event_recorder.h"
#include "operator/controllers/object_reader.h"
#include "operator/controllers/reconcile_result.h"
#include "operator/kube/kube_client.h"
#include "policy/compiler.h"

namespace warden::op {

// Condition types and reasons of MCPServer status.
inline constexpr const char* kReady = "Ready";
inline constexpr const char* kPolicyCompiled = "PolicyCompiled";
inline constexpr const char* kServiceReady = "ServiceReady";

namespace reason {
inline constexpr const char* kPublished = "Published";                  // Ready True
inline constexpr const char* kLastGoodPolicy = "LastGoodPolicy";        // Ready True, policies invalid
inline constexpr const char* kNoValidPolicy = "NoValidPolicy";          // Ready False
inline constexpr const char* kInvalidSpec = "InvalidSpec";              // Ready False; others Unknown
inline constexpr const char* kConfigMapConflict = "ConfigMapConflict";  // Ready False
inline constexpr const char* kNetworkPolicyConflict = "NetworkPolicyConflict";  // Ready False
inline constexpr const char* kCompiled = "Compiled";                    // PolicyCompiled True (ToolPolicy Accepted)
inline constexpr const char* kInvalidPolicy = "InvalidPolicy";          // PolicyCompiled False
inline constexpr const char* kApplied = "Applied";                      // ServiceReady True
inline constexpr const char* kSelectorSimplified = "SelectorSimplified";          // ServiceReady True
inline constexpr const char* kSelectorNotExpressible = "SelectorNotExpressible";  // ServiceReady False
inline constexpr const char* kInvalidServiceName = "InvalidServiceName";          // ServiceReady False
inline constexpr const char* kServiceConflict = "ServiceConflict";                // ServiceReady False
inline constexpr const char* kPolicyPublished = "PolicyPublished";                // event
}  // namespace reason

struct McpServerReconcilerOptions {
  policy::CompileOptions compile;  // the operator's trust domain (flag)
  std::string fieldManager = kFieldManager;
  Clock clock = systemClock();
};

class McpServerReconciler {
 public:
  using Options = McpServerReconcilerOptions;

  // `reader` and `events` must outlive the reconciler.
  McpServerReconciler(KubeClientPtr client, const ObjectReader& reader, EventRecorder& events, Options options);

  // Reconciles the MCPServer "namespace/name". Never throws: every failure is ReconcileResult.error.
  ReconcileResult reconcile(const std::string& namespaceName);

  // Keys of the MCPServers to reconcile when a ToolPolicy changes: its spec.targetRef.name in its namespace, read
  // from the raw object so that invalid policies count too. For an update, pass both versions (the target may
  // have changed). Sorted, without duplicates.
  static std::vector<std::string> keysForToolPolicy(const nlohmann::json& toolPolicy,
                                                    const nlohmann::json& oldToolPolicy = nullptr);
  // The key of the MCPServer that controls a ConfigMap, Service or NetworkPolicy (its controller owner reference
  // of kind MCPServer), if any.
  static std::optional<std::string> keyForChild(const nlohmann::json& child);

 private:
  struct Pass;
  void run(Pass& pass);
  void applyChildren(Pass& pass);
  void writeStatus(Pass& pass);
  // Whether applying `intent` would change `live` (absent: it would create it): a value differs, or a field this
  // manager applied before is left out (server-side apply removes it).
  bool applyWouldChange(const ResourceType& type, const nlohmann::json& intent, const ObjectPtr& live) const;
  bool apply(Pass& pass, const ResourceType& type, const nlohmann::json& intent);
  void event(Pass& pass, EventType type, const char* reason, const std::string& note);

  KubeClientPtr client_;
  const ObjectReader& reader_;
  EventRecorder& events_;
  Options options_;
};

}  // namespace warden::op
