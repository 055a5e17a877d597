#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace warden::op {

// A work-queue key: "namespace/name" of a namespaced object.
struct NamespacedName {
  std::string ns;
  std::string name;
};

std::string makeKey(std::string_view ns, std::string_view name);
// nullopt unless the key is "<namespace>/<name>" with both parts non-empty and no further '/'.
std::optional<NamespacedName> parseKey(std::string_view key);

}  // namespace warden::op
