#include "operator/controllers/mcpserver_reconciler.h"

#include <algorithm>
#include <exception>
#include <map>
#include <set>
#include <utility>

#include "operator/controllers/api_error.h"
#include "operator/controllers/conditions.h"
#include "operator/controllers/json_fields.h"
#include "operator/controllers/managed_fields.h"
#include "operator/controllers/reconcile_key.h"
#include "operator/controllers/toolpolicy_target.h"
#include "operator/kube/resource_type.h"
#include "policy/canonical_json.h"
#include "policy/object_decoder.h"

namespace warden::op {
namespace {

using nlohmann::json;

// The cache may hold objects without apiVersion and kind (they are implied by the resource type): fill them in so
// that they compare with an intent, which carries them.
json withTypeMeta(json object, const ResourceType& type) {
  if (!object.is_object()) return object;
  if (!object.contains("apiVersion")) object["apiVersion"] = type.apiVersion();
  if (!object.contains("kind")) object["kind"] = type.kind;
  return object;
}

// The same for a cached object, copied only when it lacks them (objects from the API server carry them).
ObjectPtr withTypeMeta(ObjectPtr object, const ResourceType& type) {
  if (!object->is_object() || (object->contains("apiVersion") && object->contains("kind"))) return object;
  return std::make_shared<const json>(withTypeMeta(*object, type));
}

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

// What the policy ConfigMap carries: the bundle the sidecars enforce.
struct Published {
  std::string version;
  std::vector<std::string> policies;
  std::string configMap;
};

// The bundle in a ConfigMap of ours, if it is intact (its bytes hash to its policyVersion).
std::optional<Published> publishedIn(const json& configMap) {
  const json& data = objectField(configMap, "data");
  const std::string& bytes = stringField(data, kBundleKey);
  const std::string& version = stringField(data, kPolicyVersionKey);
  if (bytes.empty() || version.empty() || policy::sha256Hex(bytes) != version) return std::nullopt;
  const json bundle = json::parse(bytes, nullptr, false);
  if (!bundle.is_object()) return std::nullopt;
  Published p{version, {}, stringField(objectField(configMap, "metadata"), "name")};
  for (const auto& name : arrayField(bundle, "policies")) {
    if (name.is_string()) p.policies.push_back(name.get<std::string>());
  }
  return p;
}

// A condition newly took this shape: no condition of its type before, or another status, reason or message.
bool conditionTransitioned(const json& before, const json& after, const std::string& type) {
  const json* now = findCondition(after, type);
  if (now == nullptr) return false;
  const json* old = findCondition(before, type);
  if (old == nullptr) return true;
  for (const char* key : {"status", "reason", "message"}) {
    if (old->value(key, json()) != now->value(key, json())) return true;
  }
  return false;
}

bool isWarningReason(const std::string& r) {
  return r == reason::kInvalidSpec || r == reason::kInvalidPolicy || r == reason::kServiceConflict ||
         r == reason::kConfigMapConflict || r == reason::kNetworkPolicyConflict;
}

std::string notOursMessage(const char* kind, const std::string& name) {
  return std::string(kind) + " " + name + " exists and is not managed by mcp-warden for this MCPServer (it lacks " +
         kManagedByLabel + ": " + kManagedByValue + " or an owner reference to this MCPServer); it is left alone";
}

}  // namespace

struct McpServerReconciler::Pass {
  explicit Pass(ReconcileResult& r) : result(r) {}

  NamespacedName key;
  json live;  // the MCPServer as cached
  std::int64_t generation = 0;
  json oldStatus = json::object();
  std::chrono::system_clock::time_point now{};
  std::optional<policy::MCPServer> server;
  std::optional<Published> published;
  ObjectPtr liveConfigMap;  // null: none
  ReconcileResult& result;

  bool failed() const { return !result.error.empty(); }
  void set(const char* type, const char* status, const char* why, std::string message) {
    pending[type] = ConditionSpec{type, status, why, std::move(message), generation};
  }
  // The new conditions: the old ones with Ready, PolicyCompiled and ServiceReady set, in that order when new.
  json conditions() const {
    json out = arrayField(oldStatus, "conditions");
    for (const char* type : {kReady, kPolicyCompiled, kServiceReady}) {
      if (auto it = pending.find(type); it != pending.end()) out = setCondition(out, it->second, now);
    }
    return out;
  }

  std::map<std::string, ConditionSpec> pending;
};

McpServerReconciler::McpServerReconciler(KubeClientPtr client, const ObjectReader& reader, EventRecorder& events,
                                         Options options)
    : client_(std::move(client)), reader_(reader), events_(events), options_(std::move(options)) {
  if (!options_.clock) options_.clock = systemClock();
  if (options_.fieldManager.empty()) options_.fieldManager = kFieldManager;
}

ReconcileResult McpServerReconciler::reconcile(const std::string& namespaceName) {
  ReconcileResult result;
  try {
    Pass pass(result);
    auto key = parseKey(namespaceName);
    if (!key) {
      result.error = "invalid MCPServer key " + namespaceName + " (want namespace/name)";
      return result;
    }
    pass.key = std::move(*key);
    run(pass);
  } catch (const std::exception& e) {
    result.error = "reconciling MCPServer " + namespaceName + ": " + e.what();
  } catch (...) {
    result.error = "reconciling MCPServer " + namespaceName + ": unknown exception";
  }
  return result;
}

void McpServerReconciler::run(Pass& pass) {
  const ObjectPtr live = reader_.get(resources::mcpServers(), pass.key.ns, pass.key.name);
  // Gone: nothing to do; owner references let Kubernetes garbage-collect the children.
  if (!live) return;
  // Being deleted: the garbage collector removes the children; writing them again would only delay it.
  if (objectField(*live, "metadata").contains("deletionTimestamp")) return;
  pass.live = withTypeMeta(*live, resources::mcpServers());
  if (stringField(objectField(pass.live, "metadata"), "uid").empty()) {
    pass.result.error = "MCPServer " + makeKey(pass.key.ns, pass.key.name) + " has no metadata.uid";
    return;
  }
  pass.generation = generationOf(pass.live);
  pass.oldStatus = objectField(pass.live, "status");
  pass.now = options_.clock();

  pass.liveConfigMap = reader_.get(resources::configMaps(), pass.key.ns, policyConfigMapName(pass.key.name));
  if (pass.liveConfigMap && isOwnedBy(*pass.liveConfigMap, pass.live)) {
    pass.published = publishedIn(*pass.liveConfigMap);
  }

  policy::FieldErrors errors;
  pass.server = policy::decodeMCPServer(pass.live, errors);
  if (pass.server) {
    errors = childNameErrors(*pass.server);
    if (!errors.empty()) pass.server.reset();
  }
  if (!pass.server) {
    std::vector<std::string> messages;
    for (const auto& e : errors) messages.push_back(e.toString());
    pass.set(kReady, kConditionFalse, reason::kInvalidSpec, "the MCPServer is invalid: " + join(messages, "; "));
    pass.set(kPolicyCompiled, kConditionUnknown, reason::kInvalidSpec, "not compiled: the MCPServer is invalid");
    pass.set(kServiceReady, kConditionUnknown, reason::kInvalidSpec, "not applied: the MCPServer is invalid");
    writeStatus(pass);
    return;
  }
  applyChildren(pass);
  if (pass.failed()) return;
  writeStatus(pass);
}

void McpServerReconciler::applyChildren(Pass& pass) {
  const policy::MCPServer& server = *pass.server;
  const std::string& ns = pass.key.ns;
  const std::string& name = pass.key.name;

  // The ToolPolicies targeting this server, by their raw targetRef (so that invalid ones count), sorted by name.
  // Read from the index (ObjectReader::toolPoliciesTargeting): the namespace may hold thousands of policies.
  std::vector<ObjectPtr> targeting = reader_.toolPoliciesTargeting(ns, name);
  for (auto& p : targeting) p = withTypeMeta(std::move(p), resources::toolPolicies());
  std::sort(targeting.begin(), targeting.end(), [](const ObjectPtr& a, const ObjectPtr& b) {
    return stringField(objectField(*a, "metadata"), "name") < stringField(objectField(*b, "metadata"), "name");
  });
  std::vector<policy::ToolPolicy> decoded;
  std::vector<std::string> failures;  // "ToolPolicy <name>: <first error>"
  std::vector<std::string> failedNames;
  for (const auto& p : targeting) {
    policy::FieldErrors errors;
    auto policy = policy::decodeToolPolicy(*p, errors);
    const std::string& policyName = stringField(objectField(*p, "metadata"), "name");
    if (policy) {
      decoded.push_back(std::move(*policy));
    } else {
      failedNames.push_back(policyName);
      std::string failure = "ToolPolicy " + policyName + ": " +
                            (errors.empty() ? std::string("invalid") : errors.front().toString());
      if (errors.size() > 1) {
        failure += " (and " + std::to_string(errors.size() - 1) + " more errors: see the ToolPolicy's status)";
      }
      failures.push_back(std::move(failure));
    }
  }

  // The policy ConfigMap.
  const std::string configMapName = policyConfigMapName(name);
  const bool configMapConflict = pass.liveConfigMap && !isOwnedBy(*pass.liveConfigMap, pass.live);
  if (failures.empty()) {
    const auto bundle = policy::compileBundle(server, decoded, options_.compile);
    const std::string summary =
        decoded.empty() ? std::string("no ToolPolicy targets this MCPServer: every gated call gets the default "
                                      "action (") +
                              policy::toString(server.spec.defaultAction) + ")"
                        : std::to_string(decoded.size()) + " ToolPolicies compiled (" + join(bundle.policies, ", ") +
                              ")";
    pass.set(kPolicyCompiled, kConditionTrue, reason::kCompiled,
             summary + "; policy version " + bundle.policyVersion);
    if (!configMapConflict) {
      const json intent = desiredConfigMap(server, pass.live, bundle);
      if (applyWouldChange(resources::configMaps(), intent, pass.liveConfigMap)) {
        if (!apply(pass, resources::configMaps(), intent)) return;
        const std::string before = pass.liveConfigMap
                                       ? stringField(objectField(*pass.liveConfigMap, "data"), kPolicyVersionKey)
                                       : std::string();
        if (before != bundle.policyVersion) {
          event(pass, EventType::Normal, reason::kPolicyPublished,
                "published policy version " + bundle.policyVersion + " in ConfigMap " + configMapName + " (" +
                    (bundle.policies.empty() ? std::string("no ToolPolicies") : join(bundle.policies, ", ")) + ")");
        }
      }
      pass.published = Published{bundle.policyVersion, bundle.policies, configMapName};
    }
  } else {
    pass.set(kPolicyCompiled, kConditionFalse, reason::kInvalidPolicy,
             std::string("no new policy bundle is published while these ToolPolicies do not compile") +
                 (pass.published ? " (the last good version " + pass.published->version + " stays)" : "") + ": " +
                 join(failures, "; "));
  }

  // The Service.
  const auto fit = serviceSelectorFit(server);
  if (auto problem = serviceNameProblem(server); !problem.empty()) {
    pass.set(kServiceReady, kConditionFalse, reason::kInvalidServiceName, problem);
  } else if (fit == ServiceSelectorFit::NotExpressible) {
    pass.set(kServiceReady, kConditionFalse, reason::kSelectorNotExpressible, serviceSelectorMessage(server));
    // A Service of ours from an earlier selector would route by labels the server no longer selects by.
    const std::string svcName = serviceName(name);
    auto liveService = reader_.get(resources::services(), ns, svcName);
    if (liveService && isOwnedBy(*liveService, pass.live)) {
      const auto r = client_->remove(resources::services(), ns, svcName);
      if (!r.ok() && !r.notFound()) {
        pass.result.error = describeApiFailure("deleting Service " + makeKey(ns, svcName), r);
        return;
      }
      ++pass.result.writes;
    }
  } else {
    const std::string svcName = serviceName(name);
    auto liveService = reader_.get(resources::services(), ns, svcName);
    if (liveService && !isOwnedBy(*liveService, pass.live)) {
      pass.set(kServiceReady, kConditionFalse, reason::kServiceConflict, notOursMessage("Service", svcName));
    } else {
      const json intent = desiredService(server, pass.live);
      if (applyWouldChange(resources::services(), intent, liveService)) {
        if (!apply(pass, resources::services(), intent)) return;
      }
      const std::string ports = "Service " + svcName + " routes ports " + kMcpPortName + " (" +
                                std::to_string(server.spec.port) + ") and " + kMetricsPortName + " (" +
                                std::to_string(server.spec.metricsPort) + ") to the sidecar";
      if (fit == ServiceSelectorFit::Simplified) {
        pass.set(kServiceReady, kConditionTrue, reason::kSelectorSimplified,
                 ports + "; " + serviceSelectorMessage(server));
      } else {
        pass.set(kServiceReady, kConditionTrue, reason::kApplied, ports);
      }
    }
  }

  // The NetworkPolicy.
  const std::string npName = networkPolicyName(name);
  auto liveNetworkPolicy = reader_.get(resources::networkPolicies(), ns, npName);
  const bool networkPolicyConflict = liveNetworkPolicy && !isOwnedBy(*liveNetworkPolicy, pass.live);
  if (!networkPolicyConflict) {
    const json intent = desiredNetworkPolicy(server, pass.live);
    if (applyWouldChange(resources::networkPolicies(), intent, liveNetworkPolicy)) {
      if (!apply(pass, resources::networkPolicies(), intent)) return;
    }
  }

  // Ready: the sidecars have a bundle to enforce and the NetworkPolicy admits only the sidecar's ports.
  if (configMapConflict || networkPolicyConflict) {
    std::vector<std::string> conflicts;
    if (configMapConflict) conflicts.push_back(notOursMessage("ConfigMap", configMapName));
    if (networkPolicyConflict) conflicts.push_back(notOursMessage("NetworkPolicy", npName));
    pass.set(kReady, kConditionFalse,
             configMapConflict ? reason::kConfigMapConflict : reason::kNetworkPolicyConflict,
             join(conflicts, "; "));
  } else if (!pass.published) {
    pass.set(kReady, kConditionFalse, reason::kNoValidPolicy,
             "no policy bundle is published, so the sidecars deny every call: ToolPolicies " +
                 join(failedNames, ", ") + " do not compile");
  } else if (!failures.empty()) {
    pass.set(kReady, kConditionTrue, reason::kLastGoodPolicy,
             "the sidecars enforce the last good policy version " + pass.published->version + " from ConfigMap " +
                 pass.published->configMap + "; ToolPolicies " + join(failedNames, ", ") + " do not compile");
  } else {
    pass.set(kReady, kConditionTrue, reason::kPublished,
             "policy version " + pass.published->version + " is published in ConfigMap " + configMapName);
  }
}

void McpServerReconciler::writeStatus(Pass& pass) {
  const json conditions = pass.conditions();
  json status = {{"observedGeneration", pass.generation}, {"conditions", conditions}};
  if (pass.published) {
    status["policyVersion"] = pass.published->version;
    status["policies"] = pass.published->policies;
    status["configMap"] = pass.published->configMap;
  }
  if (statusChanged(pass.oldStatus, status)) {
    const json intent = {{"apiVersion", resources::mcpServers().apiVersion()},
                         {"kind", resources::mcpServers().kind},
                         {"metadata", {{"name", pass.key.name}, {"namespace", pass.key.ns}}},
                         {"status", status}};
    const auto r = client_->applyStatus(resources::mcpServers(), pass.key.ns, pass.key.name, intent,
                                        options_.fieldManager, true);
    if (!r.ok()) {
      pass.result.error =
          describeApiFailure("applying the status of MCPServer " + makeKey(pass.key.ns, pass.key.name), r);
      return;
    }
    ++pass.result.writes;
  }
  // Warning events for conditions that newly took a problem's shape (after the status was recorded, so a failed
  // write leaves the transition to be seen, and reported, again).
  // One event per reason: an invalid spec sets three conditions, the first (Ready) says why.
  const json& before = arrayField(pass.oldStatus, "conditions");
  std::set<std::string> reported;
  for (const char* type : {kReady, kPolicyCompiled, kServiceReady}) {
    const json* c = findCondition(conditions, type);
    if (c == nullptr || !conditionTransitioned(before, conditions, type)) continue;
    const std::string& why = stringField(*c, "reason");
    if (isWarningReason(why) && reported.insert(why).second) {
      event(pass, EventType::Warning, why.c_str(), stringField(*c, "message"));
    }
  }
}

bool McpServerReconciler::applyWouldChange(const ResourceType& type, const json& intent,
                                           const ObjectPtr& live) const {
  if (!live) return true;
  return !appliedFieldsMatch(intent, withTypeMeta(*live, type)) ||
         appliedFieldsDropped(*live, intent, options_.fieldManager);
}

bool McpServerReconciler::apply(Pass& pass, const ResourceType& type, const json& intent) {
  const std::string& childName = stringField(objectField(intent, "metadata"), "name");
  // force: the operator owns these fields of its own children (ownership was checked before).
  const auto r = client_->apply(type, pass.key.ns, childName, intent, options_.fieldManager, true);
  if (!r.ok()) {
    pass.result.error = describeApiFailure("applying " + type.kind + " " + makeKey(pass.key.ns, childName), r);
    return false;
  }
  ++pass.result.writes;
  return true;
}

void McpServerReconciler::event(Pass& pass, EventType type, const char* why, const std::string& note) {
  if (events_.record(pass.live, type, why, "Reconcile", note).created()) ++pass.result.writes;
}

std::vector<std::string> McpServerReconciler::keysForToolPolicy(const json& toolPolicy, const json& oldToolPolicy) {
  std::set<std::string> keys;
  for (const json* p : {&toolPolicy, &oldToolPolicy}) {
    if (auto key = toolPolicyTargetKey(*p)) keys.insert(std::move(*key));
  }
  return {keys.begin(), keys.end()};
}

std::optional<std::string> McpServerReconciler::keyForChild(const json& child) {
  const json& metadata = objectField(child, "metadata");
  const std::string& ns = stringField(metadata, "namespace");
  if (ns.empty()) return std::nullopt;
  for (const auto& ref : arrayField(metadata, "ownerReferences")) {
    if (!ref.is_object() || ref.value("controller", json(false)) != json(true)) continue;
    if (stringField(ref, "apiVersion") != policy::kApiVersion || stringField(ref, "kind") != policy::kKindMCPServer) {
      continue;
    }
    const std::string& owner = stringField(ref, "name");
    if (!owner.empty()) return makeKey(ns, owner);
  }
  return std::nullopt;
}

}  // namespace warden::op
