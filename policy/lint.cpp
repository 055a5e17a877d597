#include "policy/lint.h"

#include "policy/glob.h"
#include "policy/quote.h"
#include "policy/principal.h"
#include "policy/spiffe_id.h"

namespace warden::policy {
namespace {

// True when the glob `outer` surely matches every string the pattern `inner` matches. Exact answers for the
// cases that matter (literal inner, identical patterns, an outer of the form `prefix*` or `prefix**`); otherwise
// false, so that no warning is given on a guess.
bool patternCovers(const std::string& outer, const std::string& inner) {
  if (outer == inner) return true;
  std::string error;
  auto o = Glob::compile(outer, &error);
  auto i = Glob::compile(inner, &error);
  if (!o || !i) return false;
  if (i->isLiteral()) return o->matches(i->literalPrefix());
  const std::string& prefix = o->literalPrefix();
  const std::string rest = outer.substr(prefix.size());
  if (rest == "**") return i->literalPrefix().starts_with(prefix);
  // `prefix*` covers inner globs only when inner cannot produce a '/', which `*` would not match.
  if (rest == "*") return i->literalPrefix().starts_with(prefix) && inner.find('/') == std::string::npos &&
                          inner.find("**") == std::string::npos;
  return false;
}

// True when the pattern lists (positive, negative) of `outer` surely include everything `inner`'s positive list
// names. An empty positive list means "everything".
bool listCovers(const std::vector<std::string>& outerPos, const std::vector<std::string>& outerNeg,
                const std::vector<std::string>& innerPos) {
  if (outerPos.empty() && outerNeg.empty()) return true;
  if (innerPos.empty()) return false;  // inner names everything; outer names less
  for (const auto& inner : innerPos) {
    bool covered = outerPos.empty();
    for (const auto& outer : outerPos) covered = covered || patternCovers(outer, inner);
    if (!covered) return false;
    // An exception in outer could carve out part of inner: only literal inner entries can be checked.
    std::string error;
    auto glob = Glob::compile(inner, &error);
    for (const auto& neg : outerNeg) {
      if (!glob || !glob->isLiteral()) return false;
      auto n = Glob::compile(neg, &error);
      if (!n || n->matches(glob->literalPrefix())) return false;
    }
  }
  return true;
}

std::vector<std::string> expanded(const std::vector<std::string>& entries, const std::string& trustDomain) {
  std::vector<std::string> out;
  for (const auto& e : entries) out.push_back(expandPrincipalEntry(e, trustDomain));
  return out;
}

struct Located {
  const ToolPolicy* policy;
  const Rule* rule;
  std::string where;
};

}  // namespace

std::vector<LintWarning> lintPolicies(const MCPServer& server, const std::vector<ToolPolicy>& policies,
                                      const CompileOptions& compileOptions, const LintOptions& options) {
  const std::string trustDomain = trustDomainOf(server, compileOptions);
  std::vector<LintWarning> warnings;
  std::vector<Located> all;
  for (const auto& p : policies) {
    if (!targets(p, server)) continue;
    const std::string label = "ToolPolicy " + p.metadata.namespace_ + "/" + p.metadata.name;
    for (RuleKind kind : {RuleKind::Tool, RuleKind::Resource, RuleKind::Prompt}) {
      const auto& list = kind == RuleKind::Tool       ? p.spec.rules
                         : kind == RuleKind::Resource ? p.spec.resources
                                                      : p.spec.prompts;
      for (std::size_t i = 0; i < list.size(); ++i) {
        all.push_back({&p, &list[i], label + ": spec." + fieldsOf(kind).list + "[" + std::to_string(i) + "]"});
      }
    }
  }

  for (const auto& [policy, rule, where] : all) {
    const auto fields = fieldsOf(rule->kind);
    // Shadowed: an Allow/Review that an unconditional Deny of the same kind always beats.
    if (rule->effect != Effect::Deny) {
      for (const auto& other : all) {
        const Rule& deny = *other.rule;
        if (deny.kind != rule->kind || deny.effect != Effect::Deny || !deny.when.empty() || deny.schedule) continue;
        if (!listCovers(deny.targets, deny.notTargets, rule->targets)) continue;
        if (!listCovers(expanded(deny.principals, trustDomain), expanded(deny.notPrincipals, trustDomain),
                        expanded(rule->principals, trustDomain))) {
          continue;
        }
        warnings.push_back({where, "rule \"" + rule->name + "\" can never match: it is shadowed by Deny rule " +
                                       other.policy->metadata.name + "/" + deny.name});
        break;
      }
    }

    // Patterns that name none of the server's tools.
    if (rule->kind == RuleKind::Tool && options.knownTools) {
      for (const auto* list : {&rule->targets, &rule->notTargets}) {
        const char* field = list == &rule->targets ? fields.targets : fields.notTargets;
        for (std::size_t i = 0; i < list->size(); ++i) {
          std::string error;
          auto glob = Glob::compile((*list)[i], &error);
          bool any = false;
          for (const auto& tool : *options.knownTools) any = any || (glob && glob->matches(tool));
          if (!any) {
            warnings.push_back({where + "." + field + "[" + std::to_string(i) + "]",
                                quoteForMessage((*list)[i]) + " matches none of the server's tools"});
          }
        }
      }
    }

    // Principals in another trust domain than the server's.
    for (const auto* list : {&rule->principals, &rule->notPrincipals}) {
      const char* field = list == &rule->principals ? "principals" : "notPrincipals";
      for (std::size_t i = 0; i < list->size(); ++i) {
        const std::string& entry = (*list)[i];
        if (isPrincipalShorthand(entry) || !entry.starts_with("spiffe://")) continue;
        const std::string td = entry.substr(9, entry.find('/', 9) - 9);
        if (td == "*" || td == "**" || td == trustDomain) continue;
        warnings.push_back({where + "." + field + "[" + std::to_string(i) + "]",
                            quoteForMessage(entry) + " is outside the server's trust domain " + quoteForMessage(trustDomain) +
                                "; it matches only federated callers"});
      }
    }

    // An unanchored Matches in an Allow/Review rule accepts any value that merely contains a match.
    if (rule->effect != Effect::Deny) {
      for (std::size_t i = 0; i < rule->when.size(); ++i) {
        const auto& c = rule->when[i];
        if (c.op != Operator::Matches) continue;
        for (std::size_t v = 0; v < c.values.size(); ++v) {
          const std::string& re = c.values[v];
          if (!re.starts_with('^') || !re.ends_with('$')) {
            warnings.push_back({where + ".when[" + std::to_string(i) + "].values[" + std::to_string(v) + "]",
                                "Matches searches anywhere in the value; anchor the expression with ^...$ or an "
                                "Allow can be satisfied by a value that merely contains a match"});
          }
        }
      }
    }
  }
  return warnings;
}

}  // namespace warden::policy
