#include "operator/controllers/managed_fields.h"

#include <charconv>
#include <string>

#include "operator/controllers/json_fields.h"

namespace warden::op {
namespace {

using nlohmann::json;

// The element of the list `intent` that a "k:" key names: every field of the key present with that value.
const json* elementWithKey(const json& intent, const json& key) {
  for (const auto& element : intent) {
    if (!element.is_object()) continue;
    bool matches = true;
    for (const auto& [field, value] : key.items()) {
      auto it = element.find(field);
      matches = matches && it != element.end() && *it == value;
    }
    if (matches) return &element;
  }
  return nullptr;
}

// True when some field in the set `fields` (a fieldsV1 subtree) has no counterpart in `intent`.
bool dropped(const json& fields, const json& intent) {
  if (!fields.is_object()) return false;
  for (const auto& [path, children] : fields.items()) {
    if (path.size() < 2 || path[1] != ':') continue;  // "." (the element itself) and unknown forms
    const std::string_view rest = std::string_view(path).substr(2);
    const json* next = nullptr;
    switch (path[0]) {
      case 'f': {
        if (!intent.is_object()) return true;
        auto it = intent.find(std::string(rest));
        if (it == intent.end() || it->is_null()) return true;
        next = &*it;
        break;
      }
      case 'k': {
        const json key = json::parse(rest, nullptr, false);
        if (!key.is_object()) continue;
        if (!intent.is_array()) return true;
        next = elementWithKey(intent, key);
        if (next == nullptr) return true;
        break;
      }
      case 'v': {
        const json value = json::parse(rest, nullptr, false);
        if (value.is_discarded()) continue;
        if (!intent.is_array()) return true;
        bool found = false;
        for (const auto& element : intent) found = found || element == value;
        if (!found) return true;
        continue;  // a set value has no children
      }
      case 'i': {
        std::size_t index = 0;
        const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), index);
        if (ec != std::errc() || end != rest.data() + rest.size()) continue;
        if (!intent.is_array() || index >= intent.size()) return true;
        next = &intent[index];
        break;
      }
      default:
        continue;
    }
    if (dropped(children, *next)) return true;
  }
  return false;
}

}  // namespace

bool appliedFieldsDropped(const json& live, const json& intent, std::string_view manager) {
  for (const auto& entry : arrayField(objectField(live, "metadata"), "managedFields")) {
    if (stringField(entry, "manager") != manager || stringField(entry, "operation") != "Apply") continue;
    if (!stringField(entry, "subresource").empty()) continue;
    if (dropped(objectField(entry, "fieldsV1"), intent)) return true;
  }
  return false;
}

}  // namespace warden::op
