#pragma once

#include <string>
#include <vector>

#include "policy/model.h"

namespace warden::policy {

struct CompileOptions {
  // The trust domain for ns/<ns>/sa/<sa> principals when the MCPServer names no identity of its own.
  std::string trustDomain = "cluster.local";
};

// A policy bundle (design D4): canonical JSON, `bundleFormat: 1`, and its sha256 as the policy version.
struct Bundle {
  std::string bytes;
  std::string policyVersion;
  std::vector<std::string> policies;  // names of the ToolPolicies compiled in, sorted
};

inline constexpr int kBundleFormat = 1;

// True when the ToolPolicy targets the server: same namespace and spec.targetRef.name == server name.
bool targets(const ToolPolicy& policy, const MCPServer& server);

// The trust domain of the server's own SPIFFE ID if it names one, else options.trustDomain.
std::string trustDomainOf(const MCPServer& server, const CompileOptions& options);

// Compiles every ToolPolicy that targets `server` (the others are ignored) into its bundle. The inputs are decoded,
// valid objects, so compiling cannot fail. Deterministic: the same objects, in any order and with any metadata
// other than names, give the same bytes; the bundle holds no timestamps or generations.
Bundle compileBundle(const MCPServer& server, const std::vector<ToolPolicy>& policies,
                     const CompileOptions& options = {});

}  // namespace warden::policy
