#include "operator/controllers/desired_objects.h"

#include "operator/controllers/json_fields.h"
#include "policy/quote.h"

namespace warden::op {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxObjectNameBytes = 253;
constexpr std::size_t kMaxServiceNameBytes = 63;

json labelsFor(const policy::MCPServer& server) {
  return {{kManagedByLabel, kManagedByValue}, {kServerLabel, server.metadata.name}};
}

json metadataFor(const std::string& name, const policy::MCPServer& server, const json& liveServer) {
  return {{"name", name},
          {"namespace", server.metadata.namespace_},
          {"labels", labelsFor(server)},
          {"ownerReferences", json::array({ownerReference(liveServer)})}};
}

bool isEmptyValue(const json& v) { return v.is_null() || ((v.is_object() || v.is_array()) && v.empty()); }

}  // namespace

std::string policyConfigMapName(std::string_view serverName) { return std::string(serverName) + "-warden-policy"; }
std::string serviceName(std::string_view serverName) { return std::string(serverName); }
std::string networkPolicyName(std::string_view serverName) { return std::string(serverName) + "-warden"; }

policy::FieldErrors childNameErrors(const policy::MCPServer& server) {
  policy::FieldErrors errors;
  const auto longest = policyConfigMapName(server.metadata.name);
  if (longest.size() > kMaxObjectNameBytes) {
    errors.push_back({"metadata.name",
                      "too long for the policy ConfigMap's name " + policy::quoteForMessage(longest, 64) +
                          " (at most " + std::to_string(kMaxObjectNameBytes) + " characters; the server's name may " +
                          "have at most " +
                          std::to_string(kMaxObjectNameBytes - (longest.size() - server.metadata.name.size())) + ")"});
  }
  return errors;
}

std::string serviceNameProblem(const policy::MCPServer& server) {
  const std::string name = serviceName(server.metadata.name);
  bool valid = !name.empty() && name.size() <= kMaxServiceNameBytes && name.front() >= 'a' && name.front() <= 'z' &&
               name.back() != '-';
  for (char c : name) {
    valid = valid && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
  }
  if (valid) return {};
  return "the MCPServer's name " + policy::quoteForMessage(name, 64) +
         " cannot name a Service (a DNS-1035 label: at most 63 lowercase letters, digits and '-', starting with a "
         "letter, ending with a letter or digit); no Service is made";
}

ServiceSelectorFit serviceSelectorFit(const policy::MCPServer& server) {
  const auto& selector = server.spec.selector;
  if (selector.matchExpressions.empty()) return ServiceSelectorFit::Exact;
  return selector.matchLabels.empty() ? ServiceSelectorFit::NotExpressible : ServiceSelectorFit::Simplified;
}

std::string serviceSelectorMessage(const policy::MCPServer& server) {
  switch (serviceSelectorFit(server)) {
    case ServiceSelectorFit::Exact:
      return {};
    case ServiceSelectorFit::Simplified:
      return "spec.selector has matchExpressions, which a Service selector cannot express: the Service selects by "
             "spec.selector.matchLabels only and may route to pods the MCPServer does not select (the "
             "NetworkPolicy uses the full selector)";
    case ServiceSelectorFit::NotExpressible:
      return "spec.selector has only matchExpressions, which a Service selector cannot express (a Service without "
             "a selector would route nowhere): no Service is made; add matchLabels or create the Service yourself";
  }
  return {};
}

json ownerReference(const json& liveServer) {
  const json& metadata = objectField(liveServer, "metadata");
  return {{"apiVersion", policy::kApiVersion},
          {"kind", policy::kKindMCPServer},
          {"name", stringField(metadata, "name")},
          {"uid", stringField(metadata, "uid")},
          {"controller", true},
          {"blockOwnerDeletion", true}};
}

bool isOwnedBy(const json& child, const json& liveServer) {
  const std::string& uid = stringField(objectField(liveServer, "metadata"), "uid");
  if (uid.empty()) return false;
  const json& metadata = objectField(child, "metadata");
  if (stringField(objectField(metadata, "labels"), kManagedByLabel) != kManagedByValue) return false;
  auto refs = metadata.find("ownerReferences");
  if (refs == metadata.end() || !refs->is_array()) return false;
  for (const auto& ref : *refs) {
    if (stringField(ref, "uid") == uid) return true;
  }
  return false;
}

json desiredConfigMap(const policy::MCPServer& server, const json& liveServer, const policy::Bundle& bundle) {
  json metadata = metadataFor(policyConfigMapName(server.metadata.name), server, liveServer);
  metadata["annotations"] = {{kPolicyVersionAnnotation, bundle.policyVersion}};
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", std::move(metadata)},
          {"data", {{kBundleKey, bundle.bytes}, {kPolicyVersionKey, bundle.policyVersion}}}};
}

json desiredService(const policy::MCPServer& server, const json& liveServer) {
  json selector = json::object();
  for (const auto& [key, value] : server.spec.selector.matchLabels) selector[key] = value;
  json ports = json::array({
      {{"name", kMcpPortName}, {"port", server.spec.port}, {"targetPort", server.spec.port}, {"protocol", "TCP"}},
      {{"name", kMetricsPortName},
       {"port", server.spec.metricsPort},
       {"targetPort", server.spec.metricsPort},
       {"protocol", "TCP"}},
  });
  return {{"apiVersion", "v1"},
          {"kind", "Service"},
          {"metadata", metadataFor(serviceName(server.metadata.name), server, liveServer)},
          {"spec", {{"selector", std::move(selector)}, {"ports", std::move(ports)}}}};
}

json desiredNetworkPolicy(const policy::MCPServer& server, const json& liveServer) {
  json podSelector = json::object();
  if (!server.spec.selector.matchLabels.empty()) {
    json labels = json::object();
    for (const auto& [key, value] : server.spec.selector.matchLabels) labels[key] = value;
    podSelector["matchLabels"] = std::move(labels);
  }
  if (!server.spec.selector.matchExpressions.empty()) {
    json expressions = json::array();
    for (const auto& e : server.spec.selector.matchExpressions) {
      json requirement = {{"key", e.key}, {"operator", e.op}};
      if (!e.values.empty()) requirement["values"] = e.values;
      expressions.push_back(std::move(requirement));
    }
    podSelector["matchExpressions"] = std::move(expressions);
  }
  json ingress = json::array({{{"ports", json::array({
                                             {{"protocol", "TCP"}, {"port", server.spec.port}},
                                             {{"protocol", "TCP"}, {"port", server.spec.metricsPort}},
                                         })}}});
  return {{"apiVersion", "networking.k8s.io/v1"},
          {"kind", "NetworkPolicy"},
          {"metadata", metadataFor(networkPolicyName(server.metadata.name), server, liveServer)},
          {"spec",
           {{"podSelector", std::move(podSelector)},
            {"policyTypes", json::array({"Ingress"})},
            {"ingress", std::move(ingress)}}}};
}

bool appliedFieldsMatch(const json& intent, const json& live) {
  if (live.is_null() && isEmptyValue(intent)) return true;
  if (intent.is_object()) {
    if (!live.is_object()) return false;
    for (const auto& [key, value] : intent.items()) {
      auto it = live.find(key);
      if (it == live.end()) {
        if (!isEmptyValue(value)) return false;
      } else if (!appliedFieldsMatch(value, *it)) {
        return false;
      }
    }
    return true;
  }
  if (intent.is_array()) {
    if (!live.is_array() || live.size() != intent.size()) return false;
    for (std::size_t i = 0; i < intent.size(); ++i) {
      if (!appliedFieldsMatch(intent[i], live[i])) return false;
    }
    return true;
  }
  return intent == live;
}

}  // namespace warden::op
