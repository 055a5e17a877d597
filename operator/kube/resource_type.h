#pragma once

#include <string>

namespace warden::op {

// A Kubernetes resource the operator reads or writes: where it lives in the API.
struct ResourceType {
  std::string group;    // "" for the core API
  std::string version;  // "v1", "v1alpha1"
  std::string plural;   // "configmaps"
  std::string kind;     // "ConfigMap"
  bool namespaced = true;

  std::string apiVersion() const { return group.empty() ? version : group + "/" + version; }
  // "/api/v1" or "/apis/<group>/<version>"
  std::string apiPrefix() const { return group.empty() ? "/api/" + version : "/apis/" + group + "/" + version; }
  // The collection path, in a namespace ("" for cluster-scoped or all namespaces).
  std::string collectionPath(const std::string& ns) const;
  std::string objectPath(const std::string& ns, const std::string& name) const;
};

namespace resources {
const ResourceType& mcpServers();
const ResourceType& toolPolicies();
const ResourceType& configMaps();
const ResourceType& services();
const ResourceType& networkPolicies();
const ResourceType& leases();
const ResourceType& events();
const ResourceType& customResourceDefinitions();
const ResourceType& secrets();
const ResourceType& mutatingWebhookConfigurations();
const ResourceType& validatingWebhookConfigurations();
}  // namespace resources

}  // namespace warden::op
