#include "policy/compiled_rule.h"

#include "policy/duration.h"

namespace warden::policy {
namespace {

// Splits "field: message" as produced by the component compilers into a sub-path and a message.
FieldError locate(const FieldPath& base, const std::string& error) {
  auto colon = error.find(": ");
  if (colon != std::string::npos && colon > 0 && error.find(' ') > colon) {
    std::string field = error.substr(0, colon);
    std::string rest = error.substr(colon + 2);
    auto bracket = field.find('[');
    FieldPath p = base.field(field.substr(0, bracket));
    if (bracket != std::string::npos) p = FieldPath(p.str() + field.substr(bracket));
    return {p.str(), rest};
  }
  return {base.str(), error};
}

}  // namespace

std::optional<PatternSet> PatternSet::compile(const std::vector<std::string>& patterns, std::string* error) {
  PatternSet set;
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    std::string globError;
    auto glob = Glob::compile(patterns[i], &globError);
    if (!glob) {
      *error = "[" + std::to_string(i) + "]: " + globError;
      return std::nullopt;
    }
    if (glob->isLiteral()) {
      set.exact_.push_back(glob->literalPrefix());
    } else {
      set.globs_.push_back(std::move(*glob));
    }
  }
  return set;
}

bool PatternSet::matches(std::string_view text) const {
  for (const auto& e : exact_) {
    if (e == text) return true;
  }
  for (const auto& g : globs_) {
    if (g.matches(text)) return true;
  }
  return false;
}

bool CompiledRule::targetMatches(std::string_view target) const {
  if (!targets.empty() && !targets.matches(target)) return false;
  return notTargets.empty() || !notTargets.matches(target);
}

bool CompiledRule::principalMatches(std::string_view principal) const {
  if (!principals.empty() && !principals.matches(principal)) return false;
  return notPrincipals.empty() || !notPrincipals.matches(principal);
}

bool CompiledRule::contextMatches(const nlohmann::json* arguments,
                                  std::chrono::system_clock::time_point now) const {
  if (schedule && !schedule->isActive(now)) return false;
  for (const auto& condition : when) {
    if (!condition.holds(arguments)) return false;
  }
  return true;
}

std::optional<CompiledRule> compileRule(const Rule& rule, std::string id, FieldErrors& errors,
                                        const FieldPath& path) {
  const auto before = errors.size();
  const auto fields = fieldsOf(rule.kind);
  CompiledRule out;
  out.id = std::move(id);
  out.kind = rule.kind;
  out.effect = rule.effect;
  out.reason = rule.reason;

  auto patterns = [&](const std::vector<std::string>& in, const char* field, PatternSet& dst) {
    std::string error;
    auto set = PatternSet::compile(in, &error);
    if (!set) {
      auto colon = error.find(": ");  // error reads "[i]: message"
      errors.push_back({path.field(field).str() + error.substr(0, colon), error.substr(colon + 2)});
      return;
    }
    dst = std::move(*set);
  };
  patterns(rule.targets, fields.targets, out.targets);
  patterns(rule.notTargets, fields.notTargets, out.notTargets);
  patterns(rule.principals, "principals", out.principals);
  patterns(rule.notPrincipals, "notPrincipals", out.notPrincipals);

  for (std::size_t i = 0; i < rule.when.size(); ++i) {
    std::string error;
    auto condition = CompiledCondition::compile(rule.when[i], rule.effect, &error);
    if (!condition) {
      errors.push_back(locate(path.field("when").index(i), error));
      continue;
    }
    out.when.push_back(std::move(*condition));
  }

  if (rule.schedule) {
    std::string error;
    out.schedule = CompiledSchedule::compile(*rule.schedule, &error);
    if (!out.schedule) errors.push_back(locate(path.field("schedule"), error));
  }

  if (rule.rateLimit) {
    if (rule.effect == Effect::Deny) {
      errors.push_back({path.field("rateLimit").str(), "a rate limit only applies to Allow and Review rules"});
    }
    std::string error;
    auto period = parseDuration(rule.rateLimit->per, &error);
    if (!period) {
      errors.push_back({path.field("rateLimit").field("per").str(), error});
    } else {
      out.rateRequests = rule.rateLimit->requests;
      out.ratePeriod = *period;
      out.ratePer = rule.rateLimit->per;
    }
    if (rule.rateLimit->requests == 0) {
      errors.push_back({path.field("rateLimit").field("requests").str(), "must be >= 1"});
    }
  }

  if (rule.approval) {
    if (rule.effect != Effect::Review) {
      errors.push_back({path.field("approval").str(), "approval only applies to Review rules"});
    }
    std::string error;
    auto timeout = parseDuration(rule.approval->timeout, &error);
    if (!timeout) {
      errors.push_back({path.field("approval").field("timeout").str(), error});
    } else {
      out.approvalTimeout = *timeout;
    }
  }

  if (errors.size() != before) return std::nullopt;
  return out;
}

}  // namespace warden::policy
