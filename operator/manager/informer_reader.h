#pragma once

#include <map>
#include <string>

#include "operator/controllers/object_reader.h"
#include "operator/kube/informer.h"

namespace warden::op {

// The reconcilers' ObjectReader over the informers' caches. Reading a type without an informer is a programming
// error: get() answers null and list() nothing, and the reconcile then acts on what it can see (the informer
// set is fixed at construction by the manager, and tests cover that every type read has one).
// toolPoliciesTargeting() reads the ToolPolicy informer's kToolPolicyTargetIndex when it has one (the manager
// sets it up), else falls back to ObjectReader's list and filter.
class InformerReader final : public ObjectReader {
 public:
  void add(const Informer& informer);  // before use; not thread-safe against readers

  ObjectPtr get(const ResourceType& type, const std::string& ns, const std::string& name) const override;
  std::vector<ObjectPtr> list(const ResourceType& type, const std::string& ns) const override;
  std::vector<ObjectPtr> toolPoliciesTargeting(const std::string& ns, const std::string& server) const override;
  bool has(const ResourceType& type) const;

 private:
  const Informer* find(const ResourceType& type) const;
  std::map<std::string, const Informer*> informers_;  // by apiVersion/plural
};

}  // namespace warden::op
