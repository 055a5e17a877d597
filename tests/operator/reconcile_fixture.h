#pragma once

// Objects for the reconciler tests, as the API server returns them (JSON), and their decoded forms.

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "policy/compiler.h"
#include "policy/object_decoder.h"

namespace warden::op::testing {

// 2026-03-04T05:06:07Z
inline const std::chrono::system_clock::time_point kStart =
    std::chrono::system_clock::time_point{} + std::chrono::seconds(1772600767);

inline nlohmann::json mcpServerJson(const std::string& name = "files", const std::string& ns = "tools") {
  return {{"apiVersion", "mcpwarden.io/v1alpha1"},
          {"kind", "MCPServer"},
          {"metadata", {{"name", name}, {"namespace", ns}, {"uid", "uid-server-" + name}}},
          {"spec",
           {{"selector", {{"matchLabels", {{"app", "files-mcp"}}}}},
            {"upstream", {{"port", 3001}}},
            {"port", 8443},
            {"metricsPort", 9090}}}};
}

// `rules` is a vector, not a json: `{rule}` as a json argument would be the rule itself (the copy constructor wins
// over the initializer list), not a list of one rule.
inline nlohmann::json toolPolicyJson(const std::string& name, const std::vector<nlohmann::json>& rules,
                                     const std::string& target = "files", const std::string& ns = "tools") {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& rule : rules) list.push_back(rule);
  return {{"apiVersion", "mcpwarden.io/v1alpha1"},
          {"kind", "ToolPolicy"},
          {"metadata", {{"name", name}, {"namespace", ns}, {"uid", "uid-policy-" + name}}},
          {"spec", {{"targetRef", {{"name", target}}}, {"rules", std::move(list)}}}};
}

inline nlohmann::json allowRule(const std::string& name, const std::string& tool,
                                const std::string& principal = "ns/agents/sa/editor") {
  return {{"name", name}, {"tools", {tool}}, {"principals", {principal}}, {"effect", "Allow"}};
}

// A rule the schema accepts but the compiler refuses (the regex does not compile).
inline nlohmann::json brokenRule(const std::string& name) {
  return {{"name", name},
          {"tools", {"write_file"}},
          {"effect", "Deny"},
          {"when", {{{"arg", "path"}, {"op", "Matches"}, {"values", {"(unclosed"}}}}}};
}

inline policy::MCPServer decodeServer(const nlohmann::json& object) {
  policy::FieldErrors errors;
  auto server = policy::decodeMCPServer(object, errors);
  if (!server) {
    ADD_FAILURE() << policy::formatErrors(errors);
    return {};
  }
  return *server;
}

inline policy::ToolPolicy decodePolicy(const nlohmann::json& object) {
  policy::FieldErrors errors;
  auto p = policy::decodeToolPolicy(object, errors);
  if (!p) {
    ADD_FAILURE() << policy::formatErrors(errors);
    return {};
  }
  return *p;
}

}  // namespace warden::op::testing
