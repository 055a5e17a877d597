#pragma once

// Reads YAML (several documents per stream) into JSON values the way Kubernetes' YAML reader does:
// plain scalars resolve to null/bool/int/float (YAML 1.1 booleans such as `yes`/`off` included), quoted scalars
// stay strings, duplicate mapping keys are an error, anchors and aliases are expanded.

#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "policy/field_error.h"

namespace warden::policy {

struct YamlDocument {
  nlohmann::json value;
  int line = 0;  // 1-based line on which the document starts
};

// Empty documents (a lone `---`, only comments) are skipped. Errors carry "line L, column C" in their path;
// a document with an error is not returned, the others are.
std::vector<YamlDocument> yamlToJson(std::string_view text, FieldErrors& errors);

}  // namespace warden::policy
