#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/kube/resource_type.h"

namespace warden::op {

// What reconcilers read: the informers' caches (level-triggered: the cache, not the event, is the truth). An
// interface so reconcilers can be tested against plain in-memory objects.
class ObjectReader {
 public:
  virtual ~ObjectReader() = default;
  virtual std::optional<nlohmann::json> get(const ResourceType& type, const std::string& ns,
                                            const std::string& name) const = 0;
  virtual std::vector<nlohmann::json> list(const ResourceType& type, const std::string& ns) const = 0;
};

}  // namespace warden::op
