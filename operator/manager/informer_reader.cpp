#include "operator/manager/informer_reader.h"

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

std::optional<nlohmann::json> InformerReader::get(const ResourceType& type, const std::string& ns,
                                                  const std::string& name) const {
  const Informer* informer = find(type);
  if (!informer) return std::nullopt;
  return informer->get(ns, name);
}

std::vector<nlohmann::json> InformerReader::list(const ResourceType& type, const std::string& ns) const {
  const Informer* informer = find(type);
  if (!informer) return {};
  return informer->list(ns);
}

}  // namespace warden::op
