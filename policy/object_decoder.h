#pragma once

// Reads MCPServer and ToolPolicy objects, as written in YAML or as the Kubernetes API returns them in JSON, into
// the model with strict validation: the spec is checked against the CRD schema embedded from crds/ (types, enums,
// patterns, unknown fields, defaults), then semantically (globs, regexes, SPIFFE IDs, time zones, durations,
// argument paths, operator arity). Errors name the field: `spec.rules[2].when[0].op: unknown operator "Matchs"`.
// All errors are reported, not only the first.

#include <optional>

#include <nlohmann/json.hpp>

#include "policy/field_error.h"
#include "policy/model.h"

namespace warden::policy {

// `object` is taken by value: defaults are applied to it. On any error, nullopt and `errors` says why.
std::optional<MCPServer> decodeMCPServer(nlohmann::json object, FieldErrors& errors);
std::optional<ToolPolicy> decodeToolPolicy(nlohmann::json object, FieldErrors& errors);

// Reads one rule of a rule list (already schema-valid JSON) into the model.
Rule ruleFromJson(const nlohmann::json& rule, RuleKind kind);
// The JSON form of a rule as the CRD writes it (inverse of ruleFromJson).
nlohmann::json ruleToJson(const Rule& rule);

// Semantic checks of one schema-valid rule: principals, then everything compileRule checks (globs, conditions,
// schedule, durations).
void validateRule(const Rule& rule, const FieldPath& path, FieldErrors& errors);
void validatePrincipals(const Rule& rule, const FieldPath& path, FieldErrors& errors);

}  // namespace warden::policy
