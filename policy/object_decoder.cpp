#include "policy/object_decoder.h"

#include <re2/re2.h>

#include "policy/compiled_rule.h"
#include "policy/quote.h"
#include "policy/crd_schemas.h"
#include "policy/principal.h"
#include "policy/spiffe_id.h"
#include "policy/tool_name.h"

namespace warden::policy {
namespace {

using nlohmann::json;

const std::string& str(const json& obj, const char* key) {
  static const std::string kEmpty;
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get_ref<const std::string&>() : kEmpty;
}

std::vector<std::string> strings(const json& obj, const char* key) {
  std::vector<std::string> out;
  if (auto it = obj.find(key); it != obj.end() && it->is_array()) {
    for (const auto& v : *it) {
      if (v.is_string()) out.push_back(v.get<std::string>());
    }
  }
  return out;
}

std::map<std::string, std::string> stringMap(const json& obj, const char* key) {
  std::map<std::string, std::string> out;
  if (auto it = obj.find(key); it != obj.end() && it->is_object()) {
    for (const auto& [k, v] : it->items()) {
      if (v.is_string()) out[k] = v.get<std::string>();
    }
  }
  return out;
}

bool isDnsSubdomain(const std::string& s) {
  static const re2::RE2 kRe("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  return !s.empty() && s.size() <= 253 && re2::RE2::FullMatch(s, kRe);
}

bool isDnsLabel(const std::string& s) {
  static const re2::RE2 kRe("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  return !s.empty() && s.size() <= 63 && re2::RE2::FullMatch(s, kRe);
}

// apiVersion, kind and metadata; the fields every Kubernetes object has. Status is the server's and is ignored.
void decodeEnvelope(const json& object, const char* kind, ObjectMeta& meta, FieldErrors& errors) {
  for (const auto& [key, value] : object.items()) {
    if (key != "apiVersion" && key != "kind" && key != "metadata" && key != "spec" && key != "status") {
      errors.push_back({key, "unknown field " + quoteForMessage(key)});
    }
  }
  if (str(object, "apiVersion") != kApiVersion) {
    errors.push_back({"apiVersion", "must be \"" + std::string(kApiVersion) + "\", got " +
                                        quoteForMessage(str(object, "apiVersion"))});
  }
  if (str(object, "kind") != kind) {
    errors.push_back({"kind", "must be \"" + std::string(kind) + "\", got " + quoteForMessage(str(object, "kind"))});
  }
  auto md = object.find("metadata");
  if (md == object.end() || !md->is_object()) {
    errors.push_back({"metadata", "required object is missing"});
    return;
  }
  meta.name = str(*md, "name");
  meta.namespace_ = str(*md, "namespace");
  if (!md->contains("name")) {
    errors.push_back({"metadata.name", "required field is missing"});
  } else if (!isDnsSubdomain(meta.name)) {
    errors.push_back({"metadata.name", quoteForMessage(meta.name) +
                                           " is not a valid name (lowercase DNS subdomain, at most 253 characters)"});
  }
  if (meta.namespace_.empty()) {
    meta.namespace_ = "default";
  } else if (!isDnsLabel(meta.namespace_)) {
    errors.push_back({"metadata.namespace", quoteForMessage(meta.namespace_) + " is not a valid namespace"});
  }
  if (auto g = md->find("generation"); g != md->end() && g->is_number_integer()) meta.generation = g->get<int64_t>();
  meta.resourceVersion = str(*md, "resourceVersion");
  meta.uid = str(*md, "uid");
  meta.labels = stringMap(*md, "labels");
  meta.annotations = stringMap(*md, "annotations");
}

// The spec, validated against the CRD schema with defaults applied; null when absent or invalid.
const json* validatedSpec(json& object, const char* kind, FieldErrors& errors) {
  auto spec = object.find("spec");
  if (spec == object.end()) {
    errors.push_back({"spec", "required field is missing"});
    return nullptr;
  }
  const auto before = errors.size();
  specValidator(kind).validateAndDefault(*spec, FieldPath("spec"), errors);
  return errors.size() == before ? &*spec : nullptr;
}

std::optional<Condition> conditionFromJson(const json& c) {
  Condition out;
  out.arg = str(c, "arg");
  auto op = parseOperator(str(c, "op"));
  if (!op) return std::nullopt;
  out.op = *op;
  out.values = strings(c, "values");
  return out;
}

}  // namespace

Rule ruleFromJson(const json& r, RuleKind kind) {
  const auto fields = fieldsOf(kind);
  Rule rule;
  rule.kind = kind;
  rule.name = str(r, "name");
  rule.targets = strings(r, fields.targets);
  rule.notTargets = strings(r, fields.notTargets);
  rule.principals = strings(r, "principals");
  rule.notPrincipals = strings(r, "notPrincipals");
  rule.effect = parseEffect(str(r, "effect")).value_or(Effect::Deny);
  if (auto w = r.find("when"); w != r.end() && w->is_array()) {
    for (const auto& c : *w) {
      if (auto condition = conditionFromJson(c)) rule.when.push_back(std::move(*condition));
    }
  }
  if (auto s = r.find("schedule"); s != r.end() && s->is_object()) {
    Schedule schedule;
    schedule.days = strings(*s, "days");
    schedule.hours = str(*s, "hours");
    if (s->contains("timeZone")) schedule.timeZone = str(*s, "timeZone");
    rule.schedule = std::move(schedule);
  }
  if (auto l = r.find("rateLimit"); l != r.end() && l->is_object()) {
    RateLimit limit;
    if (auto n = l->find("requests"); n != l->end() && n->is_number_integer() && n->get<int64_t>() > 0) {
      limit.requests = static_cast<std::uint32_t>(std::min<int64_t>(n->get<int64_t>(), UINT32_MAX));
    }
    limit.per = str(*l, "per");
    rule.rateLimit = std::move(limit);
  }
  if (auto a = r.find("approval"); a != r.end() && a->is_object()) {
    rule.approval = Approval{str(*a, "timeout")};
  }
  rule.reason = str(r, "reason");
  return rule;
}

json ruleToJson(const Rule& rule) {
  const auto fields = fieldsOf(rule.kind);
  json r = json::object();
  r["name"] = rule.name;
  r["effect"] = toString(rule.effect);
  if (!rule.targets.empty()) r[fields.targets] = rule.targets;
  if (!rule.notTargets.empty()) r[fields.notTargets] = rule.notTargets;
  if (!rule.principals.empty()) r["principals"] = rule.principals;
  if (!rule.notPrincipals.empty()) r["notPrincipals"] = rule.notPrincipals;
  if (!rule.when.empty()) {
    json when = json::array();
    for (const auto& c : rule.when) {
      json cj = {{"op", toString(c.op)}};
      if (!c.arg.empty()) cj["arg"] = c.arg;
      if (!c.values.empty()) cj["values"] = c.values;
      when.push_back(std::move(cj));
    }
    r["when"] = std::move(when);
  }
  if (rule.schedule) {
    json s = {{"timeZone", rule.schedule->timeZone}};
    if (!rule.schedule->days.empty()) s["days"] = rule.schedule->days;
    if (!rule.schedule->hours.empty()) s["hours"] = rule.schedule->hours;
    r["schedule"] = std::move(s);
  }
  if (rule.rateLimit) r["rateLimit"] = {{"requests", rule.rateLimit->requests}, {"per", rule.rateLimit->per}};
  if (rule.approval) r["approval"] = {{"timeout", rule.approval->timeout}};
  if (!rule.reason.empty()) r["reason"] = rule.reason;
  return r;
}

void validatePrincipals(const Rule& rule, const FieldPath& path, FieldErrors& errors) {
  for (const auto* list : {&rule.principals, &rule.notPrincipals}) {
    const char* field = list == &rule.principals ? "principals" : "notPrincipals";
    for (std::size_t i = 0; i < list->size(); ++i) {
      if (auto error = validatePrincipalEntry((*list)[i])) {
        errors.push_back({path.field(field).index(i).str(), *error});
      }
    }
  }
}

void validateRule(const Rule& rule, const FieldPath& path, FieldErrors& errors) {
  validatePrincipals(rule, path, errors);
  // The remaining checks are exactly what compiling the rule needs; compile and keep only the errors.
  compileRule(rule, rule.name, errors, path);
}

std::optional<ToolPolicy> decodeToolPolicy(json object, FieldErrors& errors) {
  const auto before = errors.size();
  if (!object.is_object()) {
    errors.push_back({"", "expected an object"});
    return std::nullopt;
  }
  ToolPolicy policy;
  decodeEnvelope(object, kKindToolPolicy, policy.metadata, errors);
  auto specIt = object.find("spec");
  if (specIt == object.end()) {
    errors.push_back({"spec", "required field is missing"});
    return std::nullopt;
  }
  json& spec = *specIt;
  const auto schemaStart = errors.size();
  specValidator(kKindToolPolicy).validateAndDefault(spec, FieldPath("spec"), errors);
  if (!spec.is_object()) return std::nullopt;
  // Semantic checks still run on every rule whose own subtree passed the schema, so that one pass reports as much
  // as possible; a rule with a schema error is not read further (its fields may have the wrong types).
  auto schemaErrorUnder = [&](const std::string& path) {
    for (auto i = schemaStart; i < errors.size(); ++i) {
      const auto& p = errors[i].path;
      if (p.rfind(path, 0) == 0 && (p.size() == path.size() || p[path.size()] == '.' || p[path.size()] == '[')) {
        return true;
      }
    }
    return false;
  };

  if (auto target = spec.find("targetRef"); target != spec.end() && target->is_object()) {
    policy.spec.targetName = str(*target, "name");
  }
  const FieldPath specPath("spec");
  // Rule ids are <policy>/<rule> across all three lists (receipts and rate-limit buckets use them).
  std::map<std::string, std::string> seenNames;
  for (RuleKind kind : {RuleKind::Tool, RuleKind::Resource, RuleKind::Prompt}) {
    const char* listName = fieldsOf(kind).list;
    auto& list = kind == RuleKind::Tool       ? policy.spec.rules
                 : kind == RuleKind::Resource ? policy.spec.resources
                                              : policy.spec.prompts;
    auto it = spec.find(listName);
    if (it == spec.end() || !it->is_array()) continue;
    for (std::size_t i = 0; i < it->size(); ++i) {
      const auto rulePath = specPath.field(listName).index(i);
      if (schemaErrorUnder(rulePath.str())) continue;
      Rule rule = ruleFromJson((*it)[i], kind);
      if (auto [seen, fresh] = seenNames.emplace(rule.name, rulePath.str()); !fresh) {
        errors.push_back({rulePath.field("name").str(), quoteForMessage(rule.name) + " is already the name of " + seen->second});
      }
      validateRule(rule, rulePath, errors);
      list.push_back(std::move(rule));
    }
  }
  if (errors.size() != before) return std::nullopt;
  return policy;
}

std::optional<MCPServer> decodeMCPServer(json object, FieldErrors& errors) {
  const auto before = errors.size();
  if (!object.is_object()) {
    errors.push_back({"", "expected an object"});
    return std::nullopt;
  }
  MCPServer server;
  decodeEnvelope(object, kKindMCPServer, server.metadata, errors);
  const json* spec = validatedSpec(object, kKindMCPServer, errors);
  if (spec == nullptr) return std::nullopt;

  auto& s = server.spec;
  const auto& selector = spec->at("selector");
  s.selector.matchLabels = stringMap(selector, "matchLabels");
  if (auto exprs = selector.find("matchExpressions"); exprs != selector.end()) {
    for (std::size_t i = 0; i < exprs->size(); ++i) {
      const auto& e = (*exprs)[i];
      LabelSelectorRequirement req{str(e, "key"), str(e, "operator"), strings(e, "values")};
      const bool needsValues = req.op == "In" || req.op == "NotIn";
      if (needsValues == req.values.empty()) {
        errors.push_back({FieldPath("spec.selector.matchExpressions").index(i).field("values").str(),
                          needsValues ? "must not be empty for operator " + req.op
                                      : "must be empty for operator " + req.op});
      }
      s.selector.matchExpressions.push_back(std::move(req));
    }
  }
  if (s.selector.matchLabels.empty() && s.selector.matchExpressions.empty()) {
    errors.push_back({"spec.selector", "must select something: an empty selector would match every pod"});
  }

  const auto& upstream = spec->at("upstream");
  s.upstream.port = upstream.at("port").get<int>();
  s.upstream.path = str(upstream, "path");
  s.port = spec->at("port").get<int>();
  s.metricsPort = spec->at("metricsPort").get<int>();
  if (s.port == s.upstream.port) errors.push_back({"spec.port", "must differ from spec.upstream.port"});
  if (s.metricsPort == s.port || s.metricsPort == s.upstream.port) {
    errors.push_back({"spec.metricsPort", "must differ from spec.port and spec.upstream.port"});
  }

  if (auto identity = spec->find("identity"); identity != spec->end()) {
    s.spiffeID = str(*identity, "spiffeID");
    std::string error;
    if (!s.spiffeID.empty() && !parseSpiffeId(s.spiffeID, &error)) {
      errors.push_back({"spec.identity.spiffeID", error});
    }
  }
  s.defaultAction = parseEffect(str(*spec, "defaultAction")).value_or(Effect::Deny);
  s.denialStyle = parseDenialStyle(str(*spec, "denialStyle")).value_or(DenialStyle::Explain);
  if (auto pinning = spec->find("toolPinning"); pinning != spec->end()) {
    s.toolPinning.mode = parsePinningMode(str(*pinning, "mode")).value_or(PinningMode::Off);
    s.toolPinning.pins = stringMap(*pinning, "pins");
    for (const auto& [tool, pin] : s.toolPinning.pins) {
      if (!isValidToolName(tool)) {
        errors.push_back({FieldPath("spec.toolPinning.pins").key(tool).str(), "not a valid tool name"});
      }
    }
  }
  if (errors.size() != before) return std::nullopt;
  return server;
}

}  // namespace warden::policy
