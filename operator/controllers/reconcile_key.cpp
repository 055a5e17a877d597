#include "operator/controllers/reconcile_key.h"

namespace warden::op {

std::string makeKey(std::string_view ns, std::string_view name) {
  std::string key(ns);
  key += '/';
  key += name;
  return key;
}

std::optional<NamespacedName> parseKey(std::string_view key) {
  const auto slash = key.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == key.size()) return std::nullopt;
  if (key.find('/', slash + 1) != std::string_view::npos) return std::nullopt;
  return NamespacedName{std::string(key.substr(0, slash)), std::string(key.substr(slash + 1))};
}

}  // namespace warden::op
