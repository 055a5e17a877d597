#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "policy/condition.h"
#include "policy/field_error.h"
#include "policy/glob.h"
#include "policy/model.h"
#include "policy/schedule.h"

namespace warden::policy {

// A list of name or principal patterns: exact strings compared directly, globs matched one by one.
class PatternSet {
 public:
  // nullopt with *error naming the entry index ("[3]: ...").
  static std::optional<PatternSet> compile(const std::vector<std::string>& patterns, std::string* error);

  bool empty() const { return exact_.empty() && globs_.empty(); }
  bool matches(std::string_view text) const;
  const std::vector<std::string>& exact() const { return exact_; }
  const std::vector<Glob>& globs() const { return globs_; }

 private:
  std::vector<std::string> exact_;
  std::vector<Glob> globs_;
};

// One rule of a bundle, ready for evaluation. Immutable once built.
struct CompiledRule {
  std::string id;  // "<policy>/<rule>"
  RuleKind kind = RuleKind::Tool;
  Effect effect = Effect::Deny;
  PatternSet targets;     // empty with notTargets empty: every target
  PatternSet notTargets;
  PatternSet principals;  // empty: every authenticated caller
  PatternSet notPrincipals;
  std::vector<CompiledCondition> when;
  std::optional<CompiledSchedule> schedule;
  std::uint32_t rateRequests = 0;  // 0: no rate limit
  std::chrono::nanoseconds ratePeriod{0};
  std::string ratePer;  // as written, for messages
  std::optional<std::chrono::nanoseconds> approvalTimeout;
  std::string reason;

  bool targetMatches(std::string_view target) const;
  bool principalMatches(std::string_view principal) const;
  // Argument conditions and schedule; `arguments` may be null.
  bool contextMatches(const nlohmann::json* arguments, std::chrono::system_clock::time_point now) const;
  // True when the rule matches every call of a target and principal it names: no conditions, no schedule.
  bool unconditional() const { return when.empty() && !schedule; }
};

// Compiles a validated model rule (principals already expanded to full SPIFFE ID patterns).
// nullopt with errors (field paths relative to the rule: "when[0].values[1]: ...").
std::optional<CompiledRule> compileRule(const Rule& rule, std::string id, FieldErrors& errors,
                                        const FieldPath& path);

}  // namespace warden::policy
