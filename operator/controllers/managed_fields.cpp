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
    const std::string& text = stringField(entry, "fieldsV1");
    const bool gone = text.empty() ? dropped(objectField(entry, "fieldsV1"), intent)
                                   : dropped(json::parse(text, nullptr, false), intent);
    if (gone) return true;
  }
  return false;
}

void dropManagedFields(json& object) {
  if (!object.is_object()) return;
  auto metadata = object.find("metadata");
  if (metadata != object.end() && metadata->is_object()) metadata->erase("managedFields");
}

void compactOwnManagedFields(json& object, std::string_view manager) {
  if (!object.is_object()) return;
  auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return;
  auto managed = metadata->find("managedFields");
  if (managed == metadata->end()) return;
  if (managed->is_array()) {
    json own = json::array();
    for (const auto& entry : *managed) {
      if (stringField(entry, "manager") != manager) continue;
      json compact = json::object();
      for (const char* key : {"manager", "operation", "subresource"}) {
        if (auto it = entry.find(key); it != entry.end()) compact[key] = *it;
      }
      if (auto fields = entry.find("fieldsV1"); fields != entry.end()) {
        compact["fieldsV1"] = fields->is_string() ? *fields : json(fields->dump());
      }
      own.push_back(std::move(compact));
    }
    if (!own.empty()) {
      *managed = std::move(own);
      return;
    }
  }
  metadata->erase(managed);
}

}  // namespace warden::op
