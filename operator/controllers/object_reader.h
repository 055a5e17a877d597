#pragma once

#include <string>
#include <vector>

#include "operator/kube/cached_object.h"
#include "operator/kube/resource_type.h"

namespace warden::op {

// What reconcilers read: the informers' caches (level-triggered: the cache, not the event, is the truth). An
// interface so reconcilers can be tested against plain in-memory objects. Objects are shared and immutable
// (ObjectPtr): a reader copies only what it changes.
class ObjectReader {
 public:
  virtual ~ObjectReader() = default;
  virtual ObjectPtr get(const ResourceType& type, const std::string& ns, const std::string& name) const = 0;  // null: none
  virtual std::vector<ObjectPtr> list(const ResourceType& type, const std::string& ns) const = 0;

  // The ToolPolicies of namespace `ns` whose raw spec.targetRef.name is `server` (toolPolicyTargetKey(), so that
  // invalid policies count), in no particular order. This default lists the namespace and filters it, which costs every
  // policy of the namespace per call; InformerReader answers from the ToolPolicy informer's index instead.
  virtual std::vector<ObjectPtr> toolPoliciesTargeting(const std::string& ns, const std::string& server) const;
};

}  // namespace warden::op
