#include "operator/controllers/object_reader.h"

#include "operator/controllers/reconcile_key.h"
#include "operator/controllers/toolpolicy_target.h"

namespace warden::op {

std::vector<ObjectPtr> ObjectReader::toolPoliciesTargeting(const std::string& ns, const std::string& server) const {
  const std::string wanted = makeKey(ns, server);
  std::vector<ObjectPtr> out;
  for (auto& policy : list(resources::toolPolicies(), ns)) {
    if (toolPolicyTargetKey(*policy) == wanted) out.push_back(std::move(policy));
  }
  return out;
}

}  // namespace warden::op
