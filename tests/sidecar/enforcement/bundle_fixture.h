#pragma once

// Test helper: real policy bundles made by the compiler from model objects, as the operator makes them.

#include <string>

#include "policy/compiler.h"
#include "policy/model.h"

namespace warden::sidecar::testing {

inline policy::MCPServer filesServer() {
  policy::MCPServer server;
  server.metadata.name = "files";
  server.metadata.namespace_ = "tools";
  server.spec.selector.matchLabels = {{"app", "files"}};
  server.spec.upstream.port = 3001;
  server.spec.spiffeID = "spiffe://example.org/ns/tools/sa/files";
  return server;
}

// A bundle whose one policy lets the editor agent call `tool`: different tools give different bundles.
inline policy::Bundle bundleAllowing(const std::string& tool) {
  policy::Rule rule;
  rule.name = "allow-tool";
  rule.kind = policy::RuleKind::Tool;
  rule.targets = {tool};
  rule.principals = {"ns/agents/sa/editor"};
  rule.effect = policy::Effect::Allow;
  policy::ToolPolicy policy;
  policy.metadata.name = "editor";
  policy.metadata.namespace_ = "tools";
  policy.spec.targetName = "files";
  policy.spec.rules = {rule};
  return policy::compileBundle(filesServer(), {policy});
}

}  // namespace warden::sidecar::testing
