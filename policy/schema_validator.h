#pragma once

// Validates a JSON value against an OpenAPI v3 schema of the structural subset Kubernetes CRDs use, and applies
// the schema's defaults, as the API server does on create. Supported keywords: type (object, array, string,
// integer, number, boolean), properties, required, additionalProperties (schema or bool), items, enum, pattern
// (RE2 syntax, as the API server's Go regexp), minLength, maxLength, minimum, maximum, exclusiveMinimum,
// exclusiveMaximum, minItems, maxItems, minProperties, maxProperties, default, nullable,
// x-kubernetes-preserve-unknown-fields, x-kubernetes-int-or-string, x-kubernetes-list-type (set / map with
// x-kubernetes-list-map-keys: duplicates are errors), format (int32, int64 ranges; date-time as RFC 3339).
// Descriptions are ignored (also title, example, x-kubernetes-map-type).
//
// A schema outside this subset is a programming error and throws std::invalid_argument: an unknown keyword, a
// keyword value of the wrong shape, a pattern RE2 cannot compile, a format other than the three above, an array
// without items, a default that does not validate, and x-kubernetes-validations / x-kubernetes-embedded-resource
// (whose rules this validator cannot enforce, so skipping them would accept what the API server rejects).
//
// Order, as the API server: null values of properties whose schema is not `nullable: true` are pruned; absent
// properties with a `default` get a deep copy of it (which is then validated and defaulted like any value); then
// the value is validated. An object schema with neither properties nor additionalProperties nor
// x-kubernetes-preserve-unknown-fields accepts only `{}`.

#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "policy/field_error.h"

namespace warden::policy {

struct SchemaOptions {
  // Enum violations read `unknown <noun> "X" (expected one of: A, B)`; the noun is looked up by the property's
  // name (e.g. "op" -> "operator"), default "value". Array items and map values use the name of their array or map.
  std::map<std::string, std::string> enumNouns;
};

// A schema checked and compiled once (patterns included), for validating many values. Immutable after
// construction, so one instance may be used from any number of threads; copies share the compiled schema.
class SchemaValidator {
 public:
  // Throws std::invalid_argument when the schema is outside the supported subset (see above).
  explicit SchemaValidator(nlohmann::json schema, SchemaOptions options = {});

  // Every problem is appended to `errors` with its field path below `path`. Never throws: should memory run
  // out, an "out of memory" error is appended instead, so the value is never taken for valid (only if not even
  // that can be recorded does std::bad_alloc escape).
  void validateAndDefault(nlohmann::json& value, const FieldPath& path, FieldErrors& errors) const;

  const nlohmann::json& schema() const;

 private:
  struct Compiled;
  std::shared_ptr<const Compiled> compiled_;
};

// Every problem is appended to `errors` with its field path below `path` (all of them, not only the first).
// Unknown fields are errors (`unknown field "foo"`), unless the schema preserves unknown fields.
// Defaults are filled into `value` where a property is absent, before the property is validated.
// Compiles the schema on every call: to validate many values, keep a SchemaValidator.
void validateAndDefault(const nlohmann::json& schema, nlohmann::json& value, const FieldPath& path, FieldErrors& errors,
                        const SchemaOptions& options = {});

}  // namespace warden::policy
