#include "policy/crd_schemas.h"

#include <stdexcept>
#include <string>

#include "policy/model.h"
#include "policy/yaml_to_json.h"

namespace warden::policy {
namespace {

using nlohmann::json;

constexpr std::string_view kVersion = "v1alpha1";

json loadCrd(std::string_view fileName, std::string_view kind) {
  const std::string_view text = embeddedCrdText(fileName);
  if (text.empty()) throw std::logic_error("CRD " + std::string(fileName) + " is not embedded");
  FieldErrors errors;
  std::vector<YamlDocument> documents = yamlToJson(text, errors);
  if (!errors.empty()) {
    throw std::logic_error("embedded CRD " + std::string(fileName) + " does not parse: " + formatErrors(errors));
  }
  if (documents.size() != 1) {
    throw std::logic_error("embedded CRD " + std::string(fileName) + " must hold exactly one document");
  }
  json crd = std::move(documents.front().value);
  const json::json_pointer kindPointer("/spec/names/kind");
  if (crd.value("kind", "") != "CustomResourceDefinition" || !crd.contains(kindPointer) ||
      crd.at(kindPointer) != kind) {
    throw std::logic_error("embedded CRD " + std::string(fileName) + " is not the CustomResourceDefinition of " +
                           std::string(kind));
  }
  return crd;
}

const json& schemaOf(const json& crd, std::string_view kind) {
  const json* versions = crd.contains("spec") ? &crd["spec"] : nullptr;
  if (versions != nullptr && versions->contains("versions") && (*versions)["versions"].is_array()) {
    for (const auto& version : (*versions)["versions"]) {
      if (!version.is_object() || version.value("name", "") != kVersion) continue;
      const json::json_pointer pointer("/schema/openAPIV3Schema/properties/spec");
      if (version.contains(pointer) && version.at(pointer).is_object()) return version.at(pointer);
    }
  }
  throw std::logic_error("embedded CRD of " + std::string(kind) + " has no " + std::string(kVersion) + " spec schema");
}

}  // namespace

const json& crdObject(std::string_view kind) {
  if (kind == kKindMCPServer) {
    static const json crd = loadCrd("mcpwarden.io_mcpservers.yaml", kind);
    return crd;
  }
  if (kind == kKindToolPolicy) {
    static const json crd = loadCrd("mcpwarden.io_toolpolicies.yaml", kind);
    return crd;
  }
  throw std::invalid_argument("no CRD for kind \"" + std::string(kind) + "\" (expected MCPServer or ToolPolicy)");
}

const json& specSchema(std::string_view kind) { return schemaOf(crdObject(kind), kind); }

const SchemaOptions& policySchemaOptions() {
  static const SchemaOptions options{{
      {"op", "operator"},
      {"effect", "effect"},
      {"days", "day"},
      {"defaultAction", "action"},
      {"denialStyle", "denial style"},
      {"mode", "pinning mode"},
      {"operator", "selector operator"},
  }};
  return options;
}

const SchemaValidator& specValidator(std::string_view kind) {
  if (kind == kKindMCPServer) {
    static const SchemaValidator validator(specSchema(kind), policySchemaOptions());
    return validator;
  }
  if (kind == kKindToolPolicy) {
    static const SchemaValidator validator(specSchema(kind), policySchemaOptions());
    return validator;
  }
  throw std::invalid_argument("no CRD for kind \"" + std::string(kind) + "\" (expected MCPServer or ToolPolicy)");
}

const SchemaValidator& ruleValidator(std::string_view listName) {
  auto items = [](const char* list) {
    return specSchema(kKindToolPolicy).at("properties").at(list).at("items");
  };
  if (listName == "rules") {
    static const SchemaValidator validator(items("rules"), policySchemaOptions());
    return validator;
  }
  if (listName == "resources") {
    static const SchemaValidator validator(items("resources"), policySchemaOptions());
    return validator;
  }
  if (listName == "prompts") {
    static const SchemaValidator validator(items("prompts"), policySchemaOptions());
    return validator;
  }
  throw std::invalid_argument("no rule list \"" + std::string(listName) + "\" (expected rules, resources or prompts)");
}

}  // namespace warden::policy
