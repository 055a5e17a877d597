#pragma once

// Tool pinning against tool poisoning: a pin is the sha256 of the parts of a tool description an agent reads and
// trusts (name, title, description, inputSchema, outputSchema, annotations) in canonical JSON. A server that
// changes a pinned tool's description shows a different pin.

#include <string>

#include <nlohmann/json.hpp>

#include "policy/model.h"

namespace warden::policy {

// The pin of one tool object from a tools/list result. Fields outside the pinned set (_meta, icons) do not count.
std::string toolPin(const nlohmann::json& tool);

enum class PinStatus {
  NotChecked,  // pinning is Off
  Match,       // the tool is pinned and its description matches
  Mismatch,    // the tool is pinned and its description changed
  Unpinned,    // pinning is on and the tool has no pin
};

PinStatus checkToolPin(const ToolPinning& pinning, const nlohmann::json& tool);

}  // namespace warden::policy
