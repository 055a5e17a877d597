#pragma once

// Building RFC 6902 JSON Patch operations.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace warden::op {

// One reference token of an RFC 6901 JSON pointer: '~' becomes "~0" and '/' becomes "~1" (in that order), so that
// the annotation key "mcpwarden.io/status" is addressed as /metadata/annotations/mcpwarden.io~1status.
std::string escapeJsonPointerToken(std::string_view token);

// {"op": "add", "path": path, "value": value}
nlohmann::json patchAdd(std::string path, nlohmann::json value);

}  // namespace warden::op
