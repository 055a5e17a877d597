#pragma once

#include <string_view>

namespace warden::policy {

// MCP tool names are 1..128 characters of [A-Za-z0-9_.-] (design D4). Anything else (Unicode look-alikes,
// spaces, slashes, empty) is rejected before evaluation.
bool isValidToolName(std::string_view name);

}  // namespace warden::policy
