#include "policy/compiler.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "policy/canonical_json.h"
#include "policy/object_decoder.h"
#include "policy/principal.h"
#include "policy/spiffe_id.h"

namespace warden::policy {

using nlohmann::json;

bool targets(const ToolPolicy& policy, const MCPServer& server) {
  return policy.metadata.namespace_ == server.metadata.namespace_ && policy.spec.targetName == server.metadata.name;
}

std::string trustDomainOf(const MCPServer& server, const CompileOptions& options) {
  std::string error;
  if (auto id = parseSpiffeId(server.spec.spiffeID, &error)) return id->trustDomain;
  return options.trustDomain;
}

Bundle compileBundle(const MCPServer& server, const std::vector<ToolPolicy>& policies,
                     const CompileOptions& options) {
  const std::string trustDomain = trustDomainOf(server, options);

  std::vector<const ToolPolicy*> selected;
  for (const auto& p : policies) {
    if (targets(p, server)) selected.push_back(&p);
  }
  std::sort(selected.begin(), selected.end(),
            [](const ToolPolicy* a, const ToolPolicy* b) { return a->metadata.name < b->metadata.name; });

  json lists = {{"tools", json::array()}, {"resources", json::array()}, {"prompts", json::array()}};
  Bundle bundle;
  for (const auto* p : selected) {
    bundle.policies.push_back(p->metadata.name);
    auto add = [&](const std::vector<Rule>& rules, const char* list) {
      for (Rule rule : rules) {
        for (auto* principals : {&rule.principals, &rule.notPrincipals}) {
          for (auto& entry : *principals) entry = expandPrincipalEntry(entry, trustDomain);
          std::sort(principals->begin(), principals->end());
        }
        std::sort(rule.targets.begin(), rule.targets.end());
        std::sort(rule.notTargets.begin(), rule.notTargets.end());
        json r = ruleToJson(rule);
        r["policy"] = p->metadata.name;
        lists[list].push_back(std::move(r));
      }
    };
    add(p->spec.rules, "tools");
    add(p->spec.resources, "resources");
    add(p->spec.prompts, "prompts");
  }
  // Rule order carries no meaning (deny overrides); sorting by id makes the bytes independent of input order.
  for (auto& [name, list] : lists.items()) {
    std::sort(list.begin(), list.end(), [](const json& a, const json& b) {
      return std::tie(a.at("policy").get_ref<const std::string&>(), a.at("name").get_ref<const std::string&>()) <
             std::tie(b.at("policy").get_ref<const std::string&>(), b.at("name").get_ref<const std::string&>());
    });
  }

  json pins = json::object();
  for (const auto& [tool, pin] : server.spec.toolPinning.pins) pins[tool] = pin;
  json doc = {
      {"bundleFormat", kBundleFormat},
      {"server",
       {{"namespace", server.metadata.namespace_},
        {"name", server.metadata.name},
        {"identity", server.spec.spiffeID},
        {"trustDomain", trustDomain},
        {"defaultAction", toString(server.spec.defaultAction)},
        {"denialStyle", toString(server.spec.denialStyle)},
        {"toolPinning", {{"mode", toString(server.spec.toolPinning.mode)}, {"pins", pins}}}}},
      {"policies", bundle.policies},
      {"tools", std::move(lists["tools"])},
      {"resources", std::move(lists["resources"])},
      {"prompts", std::move(lists["prompts"])},
  };
  bundle.bytes = canonicalJson(doc);
  bundle.policyVersion = sha256Hex(bundle.bytes);
  return bundle;
}

}  // namespace warden::policy
