#pragma once

// Validates a JSON value against an OpenAPI v3 schema of the structural subset Kubernetes CRDs use, and applies
// the schema's defaults, as the API server does on create. Supported keywords: type (object, array, string,
// integer, number, boolean), properties, required, additionalProperties (schema or bool), items, enum, pattern
// (RE2 syntax, as the API server's Go regexp), minLength, maxLength, minimum, maximum, exclusiveMinimum,
// exclusiveMaximum, minItems, maxItems, minProperties, maxProperties, default, nullable,
// x-kubernetes-preserve-unknown-fields, x-kubernetes-int-or-string, x-kubernetes-list-type (set / map with
// x-kubernetes-list-map-keys: duplicates are errors), format (int32, int64 ranges). Descriptions are ignored.

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "policy/field_error.h"

namespace warden::policy {

struct SchemaOptions {
  // Enum violations read `unknown <noun> "X" (expected one of: A, B)`; the noun is looked up by the property's
  // name (e.g. "op" -> "operator"), default "value".
  std::map<std::string, std::string> enumNouns;
};

// Every problem is appended to `errors` with its field path below `path` (all of them, not only the first).
// Unknown fields are errors (`unknown field "foo"`), unless the schema preserves unknown fields.
// Defaults are filled into `value` where a property is absent, before the property is validated.
void validateAndDefault(const nlohmann::json& schema, nlohmann::json& value, const FieldPath& path,
                        FieldErrors& errors, const SchemaOptions& options = {});

}  // namespace warden::policy
