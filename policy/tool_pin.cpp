#include "policy/tool_pin.h"

#include <array>

#include "policy/canonical_json.h"

namespace warden::policy {

std::string toolPin(const nlohmann::json& tool) {
  static constexpr std::array<const char*, 6> kPinned{"name",        "title",        "description",
                                                      "inputSchema", "outputSchema", "annotations"};
  nlohmann::json pinned = nlohmann::json::object();
  if (tool.is_object()) {
    for (const char* field : kPinned) {
      if (auto it = tool.find(field); it != tool.end()) pinned[field] = *it;
    }
  }
  return sha256Hex(canonicalJson(pinned));
}

PinStatus checkToolPin(const ToolPinning& pinning, const nlohmann::json& tool) {
  if (pinning.mode == PinningMode::Off) return PinStatus::NotChecked;
  const nlohmann::json* name = nullptr;
  if (tool.is_object()) {
    if (auto n = tool.find("name"); n != tool.end() && n->is_string()) name = &*n;
  }
  if (name == nullptr) return PinStatus::Unpinned;
  auto it = pinning.pins.find(name->get_ref<const std::string&>());
  if (it == pinning.pins.end()) return PinStatus::Unpinned;
  return toolPin(tool) == it->second ? PinStatus::Match : PinStatus::Mismatch;
}

}  // namespace warden::policy
