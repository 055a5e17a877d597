#include "operator/controllers/json_fields.h"

namespace warden::op {

using nlohmann::json;

const std::string& stringField(const json& object, const char* key) {
  static const std::string kEmpty;
  if (!object.is_object()) return kEmpty;
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get_ref<const std::string&>() : kEmpty;
}

const json& objectField(const json& object, const char* key) {
  static const json kEmpty = json::object();
  if (!object.is_object()) return kEmpty;
  auto it = object.find(key);
  return it != object.end() && it->is_object() ? *it : kEmpty;
}

const json& arrayField(const json& object, const char* key) {
  static const json kEmpty = json::array();
  if (!object.is_object()) return kEmpty;
  auto it = object.find(key);
  return it != object.end() && it->is_array() ? *it : kEmpty;
}

std::int64_t generationOf(const json& object) {
  const json& metadata = objectField(object, "metadata");
  auto it = metadata.find("generation");
  if (it == metadata.end()) return 0;
  if (it->is_number_integer()) return it->get<std::int64_t>();
  return 0;
}

}  // namespace warden::op
