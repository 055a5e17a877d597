#pragma once

// Which MCPServer a ToolPolicy targets, as the controllers match them: from the raw object, so that policies that
// do not compile count too (their server must report them). One definition for the ToolPolicy informer's index,
// ObjectReader's default lookup and the mapping of ToolPolicy events to MCPServer keys.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace warden::op {

// The name of the ToolPolicy informer's index of policies by target key.
inline constexpr const char* kToolPolicyTargetIndex = "toolpolicy-target";

// "namespace/name" of the MCPServer the policy targets: metadata.namespace and spec.targetRef.name. nullopt when
// either is missing or the target name contains '/'.
std::optional<std::string> toolPolicyTargetKey(const nlohmann::json& toolPolicy);

// The IndexFunc of kToolPolicyTargetIndex: the target key, or nothing.
std::vector<std::string> toolPolicyTargetIndexValues(const nlohmann::json& toolPolicy);

}  // namespace warden::op
