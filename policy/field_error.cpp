#include "policy/field_error.h"

namespace warden::policy {

std::string FieldError::toString() const {
  if (path.empty()) return message;
  return path + ": " + message;
}

FieldPath FieldPath::field(std::string_view name) const {
  if (path_.empty()) return FieldPath(std::string(name));
  return FieldPath(path_ + "." + std::string(name));
}

FieldPath FieldPath::index(std::size_t i) const {
  return FieldPath(path_ + "[" + std::to_string(i) + "]");
}

FieldPath FieldPath::key(std::string_view mapKey) const {
  return FieldPath(path_ + "[" + std::string(mapKey) + "]");
}

std::string formatErrors(const FieldErrors& errors) {
  std::string out;
  for (const auto& e : errors) {
    out += e.toString();
    out += '\n';
  }
  return out;
}

}  // namespace warden::policy
