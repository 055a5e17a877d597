#include "operator/kube/resource_type.h"

namespace warden::op {

std::string ResourceType::collectionPath(const std::string& ns) const {
  if (namespaced && !ns.empty()) return apiPrefix() + "/namespaces/" + ns + "/" + plural;
  return apiPrefix() + "/" + plural;
}

std::string ResourceType::objectPath(const std::string& ns, const std::string& name) const {
  return collectionPath(ns) + "/" + name;
}

namespace resources {

const ResourceType& mcpServers() {
  static const ResourceType t{"mcpwarden.io", "v1alpha1", "mcpservers", "MCPServer", true};
  return t;
}
const ResourceType& toolPolicies() {
  static const ResourceType t{"mcpwarden.io", "v1alpha1", "toolpolicies", "ToolPolicy", true};
  return t;
}
const ResourceType& configMaps() {
  static const ResourceType t{"", "v1", "configmaps", "ConfigMap", true};
  return t;
}
const ResourceType& services() {
  static const ResourceType t{"", "v1", "services", "Service", true};
  return t;
}
const ResourceType& networkPolicies() {
  static const ResourceType t{"networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true};
  return t;
}
const ResourceType& leases() {
  static const ResourceType t{"coordination.k8s.io", "v1", "leases", "Lease", true};
  return t;
}
const ResourceType& events() {
  static const ResourceType t{"events.k8s.io", "v1", "events", "Event", true};
  return t;
}
const ResourceType& customResourceDefinitions() {
  static const ResourceType t{"apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition",
                              false};
  return t;
}

const ResourceType& secrets() {
  static const ResourceType t{"", "v1", "secrets", "Secret", true};
  return t;
}
const ResourceType& mutatingWebhookConfigurations() {
  static const ResourceType t{"admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations",
                              "MutatingWebhookConfiguration", false};
  return t;
}
const ResourceType& validatingWebhookConfigurations() {
  static const ResourceType t{"admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations",
                              "ValidatingWebhookConfiguration", false};
  return t;
}

}  // namespace resources
}  // namespace warden::op
