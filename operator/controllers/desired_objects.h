#pragma once

// The children of an MCPServer as the operator wants them (design D2): the policy ConfigMap, the Service and the
// NetworkPolicy, each as a server-side-apply intent (apiVersion, kind, metadata name/namespace/labels/annotations/
// ownerReferences, and exactly the fields the operator owns). Pure functions: no I/O, no clock.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "policy/compiler.h"
#include "policy/field_error.h"
#include "policy/model.h"

namespace warden::op {

inline constexpr const char* kFieldManager = "mcp-warden-operator";
inline constexpr const char* kManagedByLabel = "app.kubernetes.io/managed-by";
inline constexpr const char* kManagedByValue = "mcp-warden";
inline constexpr const char* kServerLabel = "mcpwarden.io/server";
inline constexpr const char* kPolicyVersionAnnotation = "mcpwarden.io/policy-version";
// The ConfigMap's keys, as the sidecar's --policy-dir reads them (docs/sidecar.md).
inline constexpr const char* kBundleKey = "bundle.json";
inline constexpr const char* kPolicyVersionKey = "policyVersion";
inline constexpr const char* kMcpPortName = "mcp";
inline constexpr const char* kMetricsPortName = "metrics";

std::string policyConfigMapName(std::string_view serverName);  // <name>-warden-policy
std::string serviceName(std::string_view serverName);          // <name>
std::string networkPolicyName(std::string_view serverName);    // <name>-warden

// Problems with the MCPServer's name that make the ConfigMap or NetworkPolicy impossible (their names must be DNS
// subdomains of at most 253 characters, so the server's name may have at most 239). Empty: none.
policy::FieldErrors childNameErrors(const policy::MCPServer& server);

// Why no Service can be named after the server (a Service name is a DNS-1035 label: at most 63 characters,
// lowercase letters, digits and '-', starting with a letter, ending with a letter or digit); empty: it can.
std::string serviceNameProblem(const policy::MCPServer& server);

// How the Service's selector relates to spec.selector. A Service selects by labels only, so matchExpressions
// cannot be carried over.
enum class ServiceSelectorFit {
  Exact,           // matchLabels only: the Service selects exactly the server's pods
  Simplified,      // matchLabels and matchExpressions: the Service uses matchLabels, so it may select more pods
  NotExpressible,  // matchExpressions only: a Service without a selector would select nothing, none is made
};
ServiceSelectorFit serviceSelectorFit(const policy::MCPServer& server);
// A sentence for the ServiceReady condition about the selector (empty for Exact).
std::string serviceSelectorMessage(const policy::MCPServer& server);

// The owner reference to the MCPServer `liveServer` (the object as the API returns it: its metadata.uid is
// used): apiVersion mcpwarden.io/v1alpha1, kind MCPServer, name, uid, controller and blockOwnerDeletion true.
nlohmann::json ownerReference(const nlohmann::json& liveServer);

// True when `child` is the operator's for this server: it carries the managed-by label and an owner reference
// with the server's uid. Anything else with a child's name belongs to someone else and is not touched.
bool isOwnedBy(const nlohmann::json& child, const nlohmann::json& liveServer);

// ConfigMap <name>-warden-policy: data bundle.json = the bundle's bytes exactly, policyVersion = its version;
// annotation mcpwarden.io/policy-version; labels managed-by and mcpwarden.io/server.
nlohmann::json desiredConfigMap(const policy::MCPServer& server, const nlohmann::json& liveServer,
                                const policy::Bundle& bundle);

// Service <name>: selector = spec.selector.matchLabels; ports mcp (spec.port -> spec.port) and metrics
// (spec.metricsPort -> spec.metricsPort), TCP. See serviceSelectorFit() before applying it.
nlohmann::json desiredService(const policy::MCPServer& server, const nlohmann::json& liveServer);

// NetworkPolicy <name>-warden: podSelector = spec.selector (matchExpressions included), policyTypes [Ingress],
// one ingress rule from anywhere on TCP spec.port and spec.metricsPort only, so the MCP server's own port
// (spec.upstream.port) is unreachable from outside the pod.
nlohmann::json desiredNetworkPolicy(const policy::MCPServer& server, const nlohmann::json& liveServer);

// Whether applying `intent` would change nothing in `live`: every field of the intent is present in `live` with
// the same value. Objects: `live` may have more keys (defaults the API server added: Service clusterIP, type,
// sessionAffinity, ...; metadata it keeps: uid, resourceVersion, managedFields, ...). Lists: the same length and
// each element matching element-wise (a port's defaulted protocol or nodePort does not count). Numbers compare by
// value (8443 and 8443u are equal). An empty object or list, or null, in the intent matches an absent field,
// since the API server omits empty fields.
bool appliedFieldsMatch(const nlohmann::json& intent, const nlohmann::json& live);

}  // namespace warden::op
