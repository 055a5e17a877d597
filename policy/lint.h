#pragma once

// Warnings about rules that are valid but can never do what their author meant: rules that can never match
// (shadowed by an unconditional Deny, naming no tool the server has, naming principals outside the trust domain)
// and Allow conditions that are easy to get around (an unanchored Matches).

#include <string>
#include <vector>

#include "policy/compiler.h"
#include "policy/model.h"

namespace warden::policy {

struct LintWarning {
  std::string where;  // "ToolPolicy demo/files-read: spec.rules[1]"
  std::string message;

  std::string toString() const { return where + ": " + message; }
};

struct LintOptions {
  // The server's tool names (from a tools/list answer); when set, tool patterns that match none are reported.
  const std::vector<std::string>* knownTools = nullptr;
};

// Only the ToolPolicies that target `server` are linted. Conservative: a warning is given only when certain.
std::vector<LintWarning> lintPolicies(const MCPServer& server, const std::vector<ToolPolicy>& policies,
                                      const CompileOptions& compileOptions, const LintOptions& options = {});

}  // namespace warden::policy
