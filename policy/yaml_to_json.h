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

// Empty documents (a lone `---`, only comments, a bare null) are skipped. Errors carry "line L, column C" in their
// path; a document with an error is not returned (its first error is reported), the others are. A syntax error
// ends the stream: the documents before it are returned. Beyond sigs.k8s.io/yaml: integers beyond 64 bits, .inf
// and .nan are errors (JSON cannot hold them), merge keys (<<) and tags other than !!str, !!int, !!float, !!bool,
// !!null, !!map, !!seq are rejected, nesting is bounded, and alias bombs are refused as go-yaml does. Throws only
// std::bad_alloc, and only when not even an error can be recorded.
std::vector<YamlDocument> yamlToJson(std::string_view text, FieldErrors& errors);

}  // namespace warden::policy
