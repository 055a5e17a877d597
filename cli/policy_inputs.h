#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "policy/compiled_policy.h"
#include "policy/compiler.h"
#include "policy/model.h"
#include "policy/object_loader.h"

namespace warden::cli {

// What every `wardenctl policy` command reads: -f files and directories, which MCPServer, which trust domain.
struct PolicySource {
  std::vector<std::string> paths;
  std::string server;  // --server; empty: the only MCPServer given
  std::string trustDomain = "cluster.local";
};

struct PolicySet {
  policy::MCPServer server;
  std::vector<policy::ToolPolicy> policies;  // all ToolPolicies read (compile picks those targeting server)
  policy::CompileOptions options;
};

// Reads the files (directories: their *.yaml, *.yml and *.json files, recursively, in name order), reports every
// error and skipped object on `err`, and picks the server. nullopt when anything could not be read or decoded, or
// no server can be chosen: a policy set with an error is never evaluated.
std::optional<PolicySet> loadPolicySet(const PolicySource& source, std::ostream& err);

// Compiles the set to its bundle and loads that bundle, exactly as the sidecar would: what wardenctl evaluates is
// what the sidecar enforces. nullptr (with the reason on `err`) only if the bundle does not load, which is a bug.
policy::CompiledPolicyPtr compileAndLoad(const PolicySet& set, std::ostream& err);

}  // namespace warden::cli
