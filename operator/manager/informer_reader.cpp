#include "operator/manager/informer_reader.h"

#include "operator/controllers/reconcile_key.h"
#include "operator/controllers/toolpolicy_target.h"

namespace warden::op {
namespace {
std::string typeKey(const ResourceType& type) { return type.apiVersion() + "/" + type.plural; }
}  // namespace

void InformerReader::add(const Informer& informer) { informers_[typeKey(informer.type())] = &informer; }

const Informer* InformerReader::find(const ResourceType& type) const {
  auto it = informers_.find(typeKey(type));
  return it == informers_.end() ? nullptr : it->second;
}

bool InformerReader::has(const ResourceType& type) const { return find(type) != nullptr; }

ObjectPtr InformerReader::get(const ResourceType& type, const std::string& ns, const std::string& name) const {
  const Informer* informer = find(type);
  if (!informer) return nullptr;
  return informer->get(ns, name);
}

std::vector<ObjectPtr> InformerReader::list(const ResourceType& type, const std::string& ns) const {
  const Informer* informer = find(type);
  if (!informer) return {};
  return informer->list(ns);
}

std::vector<ObjectPtr> InformerReader::toolPoliciesTargeting(const std::string& ns, const std::string& server) const {
  const Informer* informer = find(resources::toolPolicies());
  if (!informer || !informer->hasIndex(kToolPolicyTargetIndex)) return ObjectReader::toolPoliciesTargeting(ns, server);
  return informer->byIndex(kToolPolicyTargetIndex, makeKey(ns, server));
}

}  // namespace warden::op
