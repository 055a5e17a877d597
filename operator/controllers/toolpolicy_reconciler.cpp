#include "operator/controllers/toolpolicy_reconciler.h"

#include <algorithm>
#include <exception>
#include <utility>

#include "operator/controllers/api_error.h"
#include "operator/controllers/conditions.h"
#include "operator/controllers/json_fields.h"
#include "operator/controllers/mcpserver_reconciler.h"
#include "operator/controllers/reconcile_key.h"
#include "operator/controllers/toolpolicy_target.h"
#include "operator/kube/resource_type.h"
#include "policy/object_decoder.h"

namespace warden::op {

using nlohmann::json;

ToolPolicyReconciler::ToolPolicyReconciler(KubeClientPtr client, const ObjectReader& reader, Options options)
    : client_(std::move(client)), reader_(reader), options_(std::move(options)) {
  if (!options_.clock) options_.clock = systemClock();
  if (options_.fieldManager.empty()) options_.fieldManager = kFieldManager;
}

ReconcileResult ToolPolicyReconciler::reconcile(const std::string& namespaceName) {
  try {
    return run(namespaceName);
  } catch (const std::exception& e) {
    ReconcileResult result;
    result.error = "reconciling ToolPolicy " + namespaceName + ": " + e.what();
    return result;
  } catch (...) {
    ReconcileResult result;
    result.error = "reconciling ToolPolicy " + namespaceName + ": unknown exception";
    return result;
  }
}

ReconcileResult ToolPolicyReconciler::run(const std::string& namespaceName) {
  ReconcileResult result;
  auto key = parseKey(namespaceName);
  if (!key) {
    result.error = "invalid ToolPolicy key " + namespaceName + " (want namespace/name)";
    return result;
  }
  auto live = reader_.get(resources::toolPolicies(), key->ns, key->name);
  if (!live || objectField(*live, "metadata").contains("deletionTimestamp")) return result;

  json object = *live;
  if (!object.contains("apiVersion")) object["apiVersion"] = resources::toolPolicies().apiVersion();
  if (!object.contains("kind")) object["kind"] = resources::toolPolicies().kind;
  const std::int64_t generation = generationOf(object);

  ConditionSpec accepted{kAccepted, kConditionTrue, reason::kCompiled, {}, generation};
  policy::FieldErrors errors;
  auto policy = policy::decodeToolPolicy(object, errors);
  if (!policy) {
    accepted.status = kConditionFalse;
    accepted.reason = reason::kInvalidSpec;
    for (const auto& e : errors) {
      if (!accepted.message.empty()) accepted.message += "; ";
      accepted.message += e.toString();
    }
    if (accepted.message.empty()) accepted.message = "invalid";
  } else {
    const std::string& target = policy->spec.targetName;
    if (!reader_.get(resources::mcpServers(), key->ns, target)) {
      accepted.status = kConditionFalse;
      accepted.reason = reason::kTargetNotFound;
      accepted.message = "the policy compiles, but no MCPServer " + target + " exists in namespace " + key->ns +
                         ", so nothing enforces it";
    } else {
      accepted.message = "the policy compiles and targets MCPServer " + target +
                         " (its status says which policy version its sidecars enforce)";
    }
  }

  const json oldStatus = objectField(object, "status");
  const auto oldConditions = oldStatus.find("conditions");
  const json status = {
      {"observedGeneration", generation},
      {"conditions", setCondition(oldConditions != oldStatus.end() ? *oldConditions : json::array(), accepted,
                                  options_.clock())}};
  if (!statusChanged(oldStatus, status)) return result;

  const json intent = {{"apiVersion", resources::toolPolicies().apiVersion()},
                       {"kind", resources::toolPolicies().kind},
                       {"metadata", {{"name", key->name}, {"namespace", key->ns}}},
                       {"status", status}};
  const auto r =
      client_->applyStatus(resources::toolPolicies(), key->ns, key->name, intent, options_.fieldManager, true);
  if (!r.ok()) {
    result.error = describeApiFailure("applying the status of ToolPolicy " + namespaceName, r);
    return result;
  }
  ++result.writes;
  return result;
}

std::vector<std::string> ToolPolicyReconciler::keysForMCPServer(const ObjectReader& reader, const json& mcpServer) {
  const json& metadata = objectField(mcpServer, "metadata");
  const std::string& ns = stringField(metadata, "namespace");
  const std::string& name = stringField(metadata, "name");
  std::vector<std::string> keys;
  if (ns.empty() || name.empty()) return keys;
  for (const auto& p : reader.toolPoliciesTargeting(ns, name)) {
    const std::string& policyName = stringField(objectField(*p, "metadata"), "name");
    if (!policyName.empty()) keys.push_back(makeKey(ns, policyName));
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

}  // namespace warden::op
