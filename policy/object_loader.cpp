#include "policy/object_loader.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "policy/object_decoder.h"
#include "policy/strict_json.h"
#include "policy/yaml_to_json.h"

namespace warden::policy {
namespace {

using nlohmann::json;

std::string str(const json& obj, const char* key) {
  if (!obj.is_object()) return {};
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string describe(const json& obj) {
  const json empty = json::object();
  const json& md = obj.is_object() && obj.contains("metadata") ? obj.at("metadata") : empty;
  std::string ns = str(md, "namespace");
  std::string name = str(md, "name");
  return str(obj, "kind") + " " + (ns.empty() ? "default" : ns) + "/" + (name.empty() ? "<unnamed>" : name);
}

void decodeOne(json obj, const std::string& where, LoadedObjects& out) {
  if (obj.is_null()) return;
  const std::string kind = str(obj, "kind");
  if (obj.is_object() && (kind == "List" || (kind.size() > 4 && kind.ends_with("List"))) && obj.contains("items")) {
    auto& items = obj.at("items");
    if (!items.is_array()) {
      out.errors.push_back(where + ": " + kind + ": items: expected array");
      return;
    }
    for (auto& item : items) decodeOne(std::move(item), where, out);
    return;
  }
  const std::string label = describe(obj);
  FieldErrors errors;
  if (kind == kKindMCPServer && str(obj, "apiVersion").starts_with(std::string(kApiGroup) + "/")) {
    if (auto server = decodeMCPServer(std::move(obj), errors)) out.servers.push_back(std::move(*server));
  } else if (kind == kKindToolPolicy && str(obj, "apiVersion").starts_with(std::string(kApiGroup) + "/")) {
    if (auto policy = decodeToolPolicy(std::move(obj), errors)) out.policies.push_back(std::move(*policy));
  } else if (!obj.is_object() || kind.empty()) {
    out.errors.push_back(where + ": not a Kubernetes object (no kind)");
  } else {
    out.skipped.push_back(where + ": skipped " + label);
  }
  for (const auto& e : errors) out.errors.push_back(where + ": " + label + ": " + e.toString());
}

int lineOf(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

}  // namespace

void loadObjects(std::string_view text, std::string_view source, LoadedObjects& out) {
  const std::string src(source);
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && (text[first] == '{' || text[first] == '[')) {
    // JSON: read strictly (duplicate keys are errors), as the API server's JSON would be.
    auto parsed = parseStrictJson(text);
    if (!parsed.ok()) {
      out.errors.push_back(src + ":" + std::to_string(lineOf(text, parsed.offset)) + ": " + parsed.error);
      return;
    }
    if (parsed.value.is_array()) {
      for (auto& item : parsed.value) decodeOne(std::move(item), src, out);
    } else {
      decodeOne(std::move(parsed.value), src, out);
    }
    return;
  }
  FieldErrors yamlErrors;
  auto documents = yamlToJson(text, yamlErrors);
  for (const auto& e : yamlErrors) out.errors.push_back(src + ": " + e.toString());
  for (auto& doc : documents) decodeOne(std::move(doc.value), src + ":" + std::to_string(doc.line), out);
}

}  // namespace warden::policy
