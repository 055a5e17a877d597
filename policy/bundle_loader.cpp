#include "policy/bundle_loader.h"

#include <set>

#include "policy/canonical_json.h"
#include "policy/quote.h"
#include "policy/compiler.h"
#include "policy/crd_schemas.h"
#include "policy/object_decoder.h"
#include "policy/spiffe_id.h"
#include "policy/strict_json.h"
#include "policy/tool_name.h"

namespace warden::policy {
namespace {

using nlohmann::json;

bool isStringArray(const json& v) {
  if (!v.is_array()) return false;
  for (const auto& e : v) {
    if (!e.is_string()) return false;
  }
  return true;
}

std::optional<ServerSettings> decodeServer(const json& s, FieldErrors& errors) {
  static const std::set<std::string> kFields{"namespace", "name",        "identity",   "trustDomain",
                                             "defaultAction", "denialStyle", "toolPinning"};
  const auto before = errors.size();
  if (!s.is_object()) {
    errors.push_back({"server", "expected object"});
    return std::nullopt;
  }
  for (const auto& [k, v] : s.items()) {
    if (!kFields.count(k)) errors.push_back({"server." + k, "unknown field " + quoteForMessage(k)});
  }
  for (const auto& k : kFields) {
    if (k == "toolPinning") continue;
    if (!s.contains(k) || !s.at(k).is_string()) errors.push_back({"server." + k, "expected string"});
  }
  if (errors.size() != before) return std::nullopt;

  ServerSettings out;
  out.namespace_ = s.at("namespace").get<std::string>();
  out.name = s.at("name").get<std::string>();
  out.identity = s.at("identity").get<std::string>();
  out.trustDomain = s.at("trustDomain").get<std::string>();
  std::string error;
  if (!out.identity.empty() && !parseSpiffeId(out.identity, &error)) errors.push_back({"server.identity", error});
  if (!isValidTrustDomain(out.trustDomain)) errors.push_back({"server.trustDomain", "invalid trust domain"});
  auto action = parseEffect(s.at("defaultAction").get<std::string>());
  if (!action || *action == Effect::Review) {
    errors.push_back({"server.defaultAction", "must be Allow or Deny"});
  } else {
    out.defaultAction = *action;
  }
  auto style = parseDenialStyle(s.at("denialStyle").get<std::string>());
  if (!style) {
    errors.push_back({"server.denialStyle", "must be Explain or Conceal"});
  } else {
    out.denialStyle = *style;
  }
  const auto pinning = s.find("toolPinning");
  if (pinning == s.end() || !pinning->is_object() || pinning->size() != 2 || !pinning->contains("mode") ||
      !pinning->contains("pins") || !pinning->at("mode").is_string() || !pinning->at("pins").is_object()) {
    errors.push_back({"server.toolPinning", "expected {mode, pins}"});
    return std::nullopt;
  }
  auto mode = parsePinningMode(pinning->at("mode").get<std::string>());
  if (!mode) errors.push_back({"server.toolPinning.mode", "unknown pinning mode"});
  out.toolPinning.mode = mode.value_or(PinningMode::Enforce);
  for (const auto& [tool, pin] : pinning->at("pins").items()) {
    if (!isValidToolName(tool) || !pin.is_string() || pin.get_ref<const std::string&>().size() != 64) {
      errors.push_back({"server.toolPinning.pins[" + tool + "]", "invalid pin"});
      continue;
    }
    out.toolPinning.pins[tool] = pin.get<std::string>();
  }
  if (errors.size() != before) return std::nullopt;
  return out;
}

std::vector<CompiledRule> decodeRules(json& list, RuleKind kind, const std::set<std::string>& policies,
                                      FieldErrors& errors) {
  std::vector<CompiledRule> out;
  const FieldPath listPath(kind == RuleKind::Tool ? "tools" : fieldsOf(kind).list);
  if (!list.is_array()) {
    errors.push_back({listPath.str(), "expected array"});
    return out;
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    auto& r = list[i];
    const auto path = listPath.index(i);
    if (!r.is_object() || !r.contains("policy") || !r.at("policy").is_string()) {
      errors.push_back({path.field("policy").str(), "expected string"});
      continue;
    }
    const std::string policy = r.at("policy").get<std::string>();
    if (!policies.count(policy)) errors.push_back({path.field("policy").str(), "not listed in policies"});
    r.erase("policy");
    const auto before = errors.size();
    ruleValidator(fieldsOf(kind).list).validateAndDefault(r, path, errors);
    if (errors.size() != before) continue;
    Rule rule = ruleFromJson(r, kind);
    validatePrincipals(rule, path, errors);
    if (errors.size() != before) continue;
    if (auto compiled = compileRule(rule, policy + "/" + rule.name, errors, path)) out.push_back(std::move(*compiled));
  }
  return out;
}

}  // namespace

BundleLoadResult loadBundle(std::string_view bytes, std::string_view expectedVersion) {
  BundleLoadResult result;
  try {
    const std::string version = sha256Hex(bytes);
    if (!expectedVersion.empty() && expectedVersion != version) {
      result.error = "policy version mismatch: bundle hashes to " + version + ", expected " +
                     std::string(expectedVersion);
      return result;
    }
    auto parsed = parseStrictJson(bytes);
    if (!parsed.ok()) {
      result.error = "malformed bundle: " + parsed.error;
      return result;
    }
    json& doc = parsed.value;
    if (!doc.is_object()) {
      result.error = "malformed bundle: expected a JSON object";
      return result;
    }
    static const std::set<std::string> kFields{"bundleFormat", "server", "policies", "tools", "resources", "prompts"};
    for (const auto& [k, v] : doc.items()) {
      if (!kFields.count(k)) {
        result.error = "unknown bundle field " + quoteForMessage(k);
        return result;
      }
    }
    for (const auto& k : kFields) {
      if (!doc.contains(k)) {
        result.error = "bundle field \"" + k + "\" is missing";
        return result;
      }
    }
    if (!doc.at("bundleFormat").is_number_integer() || doc.at("bundleFormat").get<int64_t>() != kBundleFormat) {
      result.error = "unsupported bundleFormat " + doc.at("bundleFormat").dump() + " (this build reads " +
                     std::to_string(kBundleFormat) + ")";
      return result;
    }
    if (canonicalJson(doc) != bytes) {
      result.error = "bundle is not in canonical form";
      return result;
    }
    if (!isStringArray(doc.at("policies"))) {
      result.error = "policies: expected an array of strings";
      return result;
    }
    const auto policyList = doc.at("policies").get<std::vector<std::string>>();
    const std::set<std::string> policies(policyList.begin(), policyList.end());

    FieldErrors errors;
    auto server = decodeServer(doc.at("server"), errors);
    auto tools = decodeRules(doc.at("tools"), RuleKind::Tool, policies, errors);
    auto resources = decodeRules(doc.at("resources"), RuleKind::Resource, policies, errors);
    auto prompts = decodeRules(doc.at("prompts"), RuleKind::Prompt, policies, errors);
    if (!errors.empty() || !server) {
      result.error = "invalid bundle: " + (errors.empty() ? std::string("server") : errors.front().toString());
      if (errors.size() > 1) result.error += " (and " + std::to_string(errors.size() - 1) + " more)";
      return result;
    }
    result.policy = std::make_shared<const CompiledPolicy>(std::move(*server), policyList, std::move(tools),
                                                           std::move(resources), std::move(prompts), version);
  } catch (const std::exception& e) {
    result.policy.reset();
    result.error = std::string("invalid bundle: ") + e.what();
  }
  return result;
}

}  // namespace warden::policy
