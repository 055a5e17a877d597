#pragma once

// The policy model: MCPServer and ToolPolicy as plain values, after validation. Readers (object_decoder.h)
// produce it from YAML or API JSON; the compiler turns it into a bundle. Nothing here does I/O.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace warden::policy {

inline constexpr const char* kApiGroup = "mcpwarden.io";
inline constexpr const char* kApiVersion = "mcpwarden.io/v1alpha1";
inline constexpr const char* kKindMCPServer = "MCPServer";
inline constexpr const char* kKindToolPolicy = "ToolPolicy";

enum class Effect { Allow, Deny, Review };
enum class DenialStyle { Explain, Conceal };
enum class PinningMode { Off, Audit, Enforce };

enum class Operator {
  PathUnder,
  Equals,
  In,
  Prefix,
  Matches,
  NotMatches,
  LessThan,
  GreaterThan,
  Exists,
  ContainsSecret,
  ContainsPII,
  ContainsInjection,
};

// What a rule list governs: `spec.rules` (tools/call), `spec.resources` (resources/read) or `spec.prompts`
// (prompts/get). The three share one shape; only the name of the target field differs.
enum class RuleKind { Tool, Resource, Prompt };

struct ObjectMeta {
  std::string name;
  std::string namespace_;
  std::int64_t generation = 0;
  std::string resourceVersion;
  std::string uid;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
};

struct Condition {
  std::string arg;  // JSON pointer or dotted path into the arguments; empty: all arguments (detectors only)
  Operator op = Operator::Equals;
  std::vector<std::string> values;
};

struct Schedule {
  std::vector<std::string> days;  // Mon..Sun; empty: every day
  std::string hours;              // "HH:MM-HH:MM"; empty: all day
  std::string timeZone = "UTC";   // IANA name
};

struct RateLimit {
  std::uint32_t requests = 0;
  std::string per;  // Kubernetes-style duration as written, e.g. "1m"
};

struct Approval {
  std::string timeout;  // duration as written
};

struct Rule {
  std::string name;
  RuleKind kind = RuleKind::Tool;
  std::vector<std::string> targets;     // tools / uris / names: names or globs; empty: every target
  std::vector<std::string> notTargets;  // notTools / notUris / notNames
  std::vector<std::string> principals;  // SPIFFE IDs, globs of them, or ns/<ns>/sa/<sa>; empty: every caller
  std::vector<std::string> notPrincipals;
  Effect effect = Effect::Deny;
  std::vector<Condition> when;
  std::optional<Schedule> schedule;
  std::optional<RateLimit> rateLimit;
  std::optional<Approval> approval;
  std::string reason;
};

struct ToolPolicySpec {
  std::string targetName;  // spec.targetRef.name
  std::vector<Rule> rules;
  std::vector<Rule> resources;
  std::vector<Rule> prompts;
};

struct ToolPolicy {
  ObjectMeta metadata;
  ToolPolicySpec spec;
};

struct LabelSelectorRequirement {
  std::string key;
  std::string op;  // In, NotIn, Exists, DoesNotExist
  std::vector<std::string> values;
};

struct LabelSelector {
  std::map<std::string, std::string> matchLabels;
  std::vector<LabelSelectorRequirement> matchExpressions;
};

struct Upstream {
  int port = 0;
  std::string path = "/mcp";
};

struct ToolPinning {
  PinningMode mode = PinningMode::Off;
  std::map<std::string, std::string> pins;  // tool name -> sha256 (hex) of its canonical description
};

struct MCPServerSpec {
  LabelSelector selector;
  Upstream upstream;
  int port = 8443;
  int metricsPort = 9090;
  std::string spiffeID;  // spec.identity.spiffeID; empty: derived from namespace and service account
  Effect defaultAction = Effect::Deny;
  DenialStyle denialStyle = DenialStyle::Explain;
  ToolPinning toolPinning;
};

struct MCPServer {
  ObjectMeta metadata;
  MCPServerSpec spec;
};

// Names of enum values as they appear in YAML, JSON and the bundle.
const char* toString(Effect e);
const char* toString(DenialStyle s);
const char* toString(PinningMode m);
const char* toString(Operator op);
const char* toString(RuleKind k);
std::optional<Effect> parseEffect(std::string_view s);
std::optional<DenialStyle> parseDenialStyle(std::string_view s);
std::optional<PinningMode> parsePinningMode(std::string_view s);
std::optional<Operator> parseOperator(std::string_view s);

// Field names of a rule kind: spec.rules[].tools/notTools, spec.resources[].uris/notUris, spec.prompts[].names/notNames.
struct RuleKindFields {
  const char* list;
  const char* targets;
  const char* notTargets;
};
RuleKindFields fieldsOf(RuleKind k);

}  // namespace warden::policy
