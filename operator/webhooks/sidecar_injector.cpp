#include "operator/webhooks/sidecar_injector.h"

#include <algorithm>
#include <map>
#include <variant>

#include "operator/webhooks/json_patch.h"
#include "operator/webhooks/label_selector.h"
#include "operator/webhooks/sidecar_template.h"
#include "policy/object_decoder.h"
#include "policy/quote.h"

namespace warden::op {
namespace {

using nlohmann::json;
using Outcome = InjectionDecision::Outcome;
using StringMap = std::map<std::string, std::string>;

constexpr int kForbidden = 403;
constexpr int kBadRequest = 400;
constexpr std::size_t kMaxServersListed = 10;

std::string forMessage(std::string_view text) { return policy::quoteForMessage(text, 128); }

InjectionDecision skip(std::string why) {
  InjectionDecision d;
  d.outcome = Outcome::Skip;
  d.message = std::move(why);
  return d;
}

InjectionDecision refuse(int code, std::string message) {
  InjectionDecision d;
  d.outcome = Outcome::Refuse;
  d.code = code;
  d.message = std::move(message);
  return d;
}

// The parts of a pod the injector reads, with the types the API guarantees checked (a malformed pod is refused,
// never guessed at).
struct PodView {
  std::string description;  // `pod "files-0"`, `pod "files-7d9c-*"` (generateName), for messages
  StringMap labels;
  StringMap annotations;
  bool hostNetwork = false;
  const json* containers = nullptr;      // never null once read
  const json* initContainers = nullptr;  // null: absent or null
  const json* volumes = nullptr;         // null: absent or null
};

// The member `key` of `object` when present and not null.
const json* member(const json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

std::optional<std::string> readStringMap(const json& metadata, const char* key, StringMap& out) {
  const json* value = member(metadata, key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_object()) return std::string("metadata.") + key + ": expected an object";
  for (const auto& [k, v] : value->items()) {
    if (!v.is_string()) return std::string("metadata.") + key + "[" + k + "]: expected a string";
    out.emplace(k, v.get<std::string>());
  }
  return std::nullopt;
}

std::optional<std::string> readContainerList(const json& list, const std::string& path) {
  if (!list.is_array()) return path + ": expected an array";
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto& c = list[i];
    const std::string at = path + "[" + std::to_string(i) + "]";
    if (!c.is_object()) return at + ": expected an object";
    for (const char* key : {"name", "restartPolicy"}) {
      if (const json* s = member(c, key); s != nullptr && !s->is_string()) {
        return at + "." + key + ": expected a string";
      }
    }
    if (const json* ports = member(c, "ports")) {
      if (!ports->is_array()) return at + ".ports: expected an array";
      for (std::size_t j = 0; j < ports->size(); ++j) {
        const auto& p = (*ports)[j];
        const std::string portAt = at + ".ports[" + std::to_string(j) + "]";
        if (!p.is_object()) return portAt + ": expected an object";
        if (const json* n = member(p, "containerPort"); n != nullptr && !n->is_number_integer()) {
          return portAt + ".containerPort: expected an integer";
        }
        for (const char* key : {"name", "protocol"}) {
          if (const json* s = member(p, key); s != nullptr && !s->is_string()) {
            return portAt + "." + key + ": expected a string";
          }
        }
      }
    }
  }
  return std::nullopt;
}

std::optional<std::string> readPod(const json& pod, PodView& view) {
  if (!pod.is_object()) return std::string("expected a Pod object, got ") + pod.type_name();
  if (const json* metadata = member(pod, "metadata")) {
    if (!metadata->is_object()) return std::string("metadata: expected an object");
    if (auto e = readStringMap(*metadata, "labels", view.labels)) return e;
    if (auto e = readStringMap(*metadata, "annotations", view.annotations)) return e;
    const json* name = member(*metadata, "name");
    const json* generateName = member(*metadata, "generateName");
    if (name != nullptr && name->is_string() && !name->get_ref<const std::string&>().empty()) {
      view.description = "pod " + forMessage(name->get<std::string>());
    } else if (generateName != nullptr && generateName->is_string()) {
      view.description = "pod " + forMessage(generateName->get<std::string>() + "*");
    }
  }
  if (view.description.empty()) view.description = "the pod";
  const json* spec = member(pod, "spec");
  if (spec == nullptr || !spec->is_object()) return std::string("spec: required object is missing");
  if (const json* hostNetwork = member(*spec, "hostNetwork")) {
    if (!hostNetwork->is_boolean()) return std::string("spec.hostNetwork: expected a boolean");
    view.hostNetwork = hostNetwork->get<bool>();
  }
  view.containers = member(*spec, "containers");
  if (view.containers == nullptr || (view.containers->is_array() && view.containers->empty())) {
    return std::string("spec.containers: a pod needs at least one container");
  }
  if (auto e = readContainerList(*view.containers, "spec.containers")) return e;
  view.initContainers = member(*spec, "initContainers");
  if (view.initContainers != nullptr) {
    if (auto e = readContainerList(*view.initContainers, "spec.initContainers")) return e;
  }
  view.volumes = member(*spec, "volumes");
  if (view.volumes != nullptr) {
    if (!view.volumes->is_array()) return std::string("spec.volumes: expected an array");
    for (std::size_t i = 0; i < view.volumes->size(); ++i) {
      const auto& v = (*view.volumes)[i];
      if (!v.is_object() || !v.contains("name") || !v.at("name").is_string()) {
        return "spec.volumes[" + std::to_string(i) + "]: expected an object with a name";
      }
    }
  }
  return std::nullopt;
}

bool hasContainerNamed(const json* list, std::string_view name) {
  if (list == nullptr) return false;
  return std::any_of(list->begin(), list->end(), [&](const json& c) {
    const json* n = member(c, "name");
    return n != nullptr && n->get_ref<const std::string&>() == name;
  });
}

std::string describeLabels(const StringMap& labels) {
  if (labels.empty()) return "{}";
  std::string out;
  for (const auto& [k, v] : labels) out += (out.empty() ? "" : ", ") + k + "=" + v;
  return forMessage(out);
}

// The MCPServers of the namespace, decoded by the policy library (defaults applied, invalid ones set aside).
struct Servers {
  std::vector<policy::MCPServer> valid;
  std::map<std::string, std::string> invalid;  // name -> first error
};

Servers decodeServers(const std::vector<json>& objects, const std::string& ns) {
  Servers out;
  for (const auto& object : objects) {
    if (!object.is_object()) continue;
    const json* metadata = member(object, "metadata");
    const json* objectNs = metadata != nullptr && metadata->is_object() ? member(*metadata, "namespace") : nullptr;
    if (objectNs != nullptr && (!objectNs->is_string() || objectNs->get_ref<const std::string&>() != ns)) continue;
    policy::FieldErrors errors;
    if (auto server = policy::decodeMCPServer(object, errors)) {
      out.valid.push_back(std::move(*server));
    } else {
      const json* name = metadata != nullptr && metadata->is_object() ? member(*metadata, "name") : nullptr;
      const std::string key = name != nullptr && name->is_string() ? name->get<std::string>() : "<unnamed>";
      out.invalid.emplace(key, errors.empty() ? "invalid" : errors.front().toString());
    }
  }
  std::sort(out.valid.begin(), out.valid.end(),
            [](const auto& a, const auto& b) { return a.metadata.name < b.metadata.name; });
  return out;
}

std::string invalidServersNote(const Servers& servers) {
  if (servers.invalid.empty()) return "";
  std::string out = "; MCPServers that cannot be used because they are invalid:";
  for (const auto& [name, error] : servers.invalid) out += " " + forMessage(name) + " (" + error + ")";
  return out;
}

std::string serverList(const Servers& servers) {
  if (servers.valid.empty()) return "there are none";
  std::string out = "they select:";
  for (std::size_t i = 0; i < servers.valid.size() && i < kMaxServersListed; ++i) {
    out += (i == 0 ? " " : "; ") + forMessage(servers.valid[i].metadata.name) + " " +
           forMessage(describeSelector(servers.valid[i].spec.selector));
  }
  if (servers.valid.size() > kMaxServersListed) {
    out += "; and " + std::to_string(servers.valid.size() - kMaxServersListed) + " more";
  }
  return out;
}

// The one MCPServer this pod serves, or the refusal that says why there is none.
std::variant<policy::MCPServer, InjectionDecision> matchServer(const PodView& pod, const std::string& ns,
                                                               const Servers& servers) {
  const std::string asks = pod.description + " in namespace " + forMessage(ns) + " asks for the warden sidecar (" +
                           std::string(kInjectAnnotation) + ": \"true\")";
  if (auto named = pod.annotations.find(std::string(kServerAnnotation)); named != pod.annotations.end()) {
    const std::string& name = named->second;
    for (const auto& s : servers.valid) {
      if (s.metadata.name == name) return s;
    }
    if (auto bad = servers.invalid.find(name); bad != servers.invalid.end()) {
      return refuse(kForbidden, asks + " for MCPServer " + forMessage(name) + " (annotation " +
                                    std::string(kServerAnnotation) + "), which is invalid: " + bad->second);
    }
    return refuse(kForbidden, asks + " but namespace " + forMessage(ns) + " has no MCPServer named " +
                                  forMessage(name) + " (annotation " + std::string(kServerAnnotation) + ")");
  }
  std::vector<const policy::MCPServer*> matches;
  for (const auto& s : servers.valid) {
    if (selectorMatches(s.spec.selector, pod.labels)) matches.push_back(&s);
  }
  if (matches.size() == 1) return *matches.front();
  if (matches.empty()) {
    return refuse(kForbidden, asks + " but no MCPServer in namespace " + forMessage(ns) +
                                  " has a spec.selector matching its labels " + describeLabels(pod.labels) + " (" +
                                  serverList(servers) + ")" + invalidServersNote(servers) +
                                  "; create the MCPServer first, fix its selector or the pod's labels, or name the "
                                  "server with the annotation " + std::string(kServerAnnotation));
  }
  std::string names;
  for (const auto* s : matches) names += (names.empty() ? "" : ", ") + forMessage(s->metadata.name);
  return refuse(kForbidden, asks + " but its labels " + describeLabels(pod.labels) + " match " +
                                std::to_string(matches.size()) + " MCPServers in namespace " + forMessage(ns) + ": " +
                                names + "; name the one it serves with the annotation " +
                                std::string(kServerAnnotation));
}

// Names and ports the sidecar brings that the pod must not already use: a duplicate volume name makes the pod
// invalid, a taken port number keeps the sidecar from listening, and a taken port name would let a Service or
// probe that selects the port by name reach the app instead of the sidecar. Ports count in the app containers and
// in native sidecars (init containers with restartPolicy Always), which run beside it.
std::optional<std::string> findConflict(const PodView& pod, const policy::MCPServer& server) {
  if (pod.volumes != nullptr) {
    for (const auto& v : *pod.volumes) {
      const auto& name = v.at("name").get_ref<const std::string&>();
      if (name == kPolicyVolumeName || name == kSpiffeVolumeName || name == kReceiptsVolumeName) {
        return "the pod already has a volume named " + forMessage(name) + ", which the sidecar adds";
      }
    }
  }
  for (const json* list : {pod.containers, pod.initContainers}) {
    if (list == nullptr) continue;
    for (const auto& c : *list) {
      // Init containers other than native sidecars have exited before the sidecar starts.
      const json* restart = member(c, "restartPolicy");
      if (list == pod.initContainers && (restart == nullptr || restart->get_ref<const std::string&>() != "Always")) {
        continue;
      }
      const json* ports = member(c, "ports");
      if (ports == nullptr) continue;
      const json* cname = member(c, "name");
      const std::string container = cname != nullptr ? forMessage(cname->get<std::string>()) : "\"\"";
      for (const auto& p : *ports) {
        const json* protocol = member(p, "protocol");
        const bool tcp = protocol == nullptr || protocol->get_ref<const std::string&>() == "TCP";
        if (const json* number = member(p, "containerPort"); number != nullptr && tcp) {
          const auto n = number->get<std::int64_t>();
          if (n == server.spec.port || n == server.spec.metricsPort) {
            return "container " + container + " declares port " + std::to_string(n) +
                   ", which the sidecar listens on (spec.port " + std::to_string(server.spec.port) +
                   ", spec.metricsPort " + std::to_string(server.spec.metricsPort) + " of MCPServer " +
                   forMessage(server.metadata.name) + ")";
          }
        }
        if (const json* name = member(p, "name")) {
          const auto& portName = name->get_ref<const std::string&>();
          if (portName == kSidecarPortName || portName == kAdminPortName) {
            return "container " + container + " declares a port named " + forMessage(portName) +
                   ", the name of a sidecar port (Services select it by name); rename the container's port";
          }
        }
      }
    }
  }
  return std::nullopt;
}

json buildPatch(const PodView& view, const SidecarTemplate& sidecar, bool native) {
  json patch = json::array();
  // A pod is only injected when it carries the inject annotation, so metadata.annotations always exists here.
  patch.push_back(
      patchAdd("/metadata/annotations/" + escapeJsonPointerToken(kStatusAnnotation), sidecar.status.dump()));
  if (!native) {
    patch.push_back(patchAdd("/spec/containers/-", sidecar.container));
  } else if (view.initContainers == nullptr) {
    patch.push_back(patchAdd("/spec/initContainers", json::array({sidecar.container})));
  } else {
    patch.push_back(patchAdd("/spec/initContainers/-", sidecar.container));
  }
  if (view.volumes == nullptr) {
    patch.push_back(patchAdd("/spec/volumes", sidecar.volumes));
  } else {
    for (const auto& v : sidecar.volumes) patch.push_back(patchAdd("/spec/volumes/-", v));
  }
  return patch;
}

}  // namespace

bool useNativeSidecars(NativeSidecarMode mode, const std::optional<ServerVersion>& version) {
  switch (mode) {
    case NativeSidecarMode::On: return true;
    case NativeSidecarMode::Off: return false;
    case NativeSidecarMode::Auto: return version.has_value() && version->atLeast(1, 29);
  }
  return false;
}

SidecarInjector::SidecarInjector(InjectorConfig config, std::optional<ServerVersion> serverVersion)
    : config_(std::move(config)), native_(useNativeSidecars(config_.nativeSidecars, serverVersion)) {}

InjectionDecision SidecarInjector::decide(const json& pod, const std::string& ns,
                                          const std::vector<json>& servers) const {
  return decide(pod, ns, [&servers] { return servers; });
}

InjectionDecision SidecarInjector::decide(const json& pod, const std::string& ns,
                                          const std::function<std::vector<json>()>& listServers) const {
  PodView view;
  if (auto error = readPod(pod, view)) {
    return refuse(kBadRequest, "cannot inject the warden sidecar: the pod is malformed: " + *error);
  }
  if (config_.isSkippedNamespace(ns)) return skip("namespace " + forMessage(ns) + " is never injected");
  const auto inject = view.annotations.find(std::string(kInjectAnnotation));
  if (inject == view.annotations.end()) return skip("no " + std::string(kInjectAnnotation) + " annotation");
  if (inject->second != "true") {
    return skip(std::string(kInjectAnnotation) + " is " + forMessage(inject->second) + ", not \"true\"");
  }
  if (view.hostNetwork) return skip("hostNetwork pods are not injected");
  if (view.annotations.count(std::string(kStatusAnnotation)) != 0) {
    return skip("already injected (" + std::string(kStatusAnnotation) + " is set)");
  }
  if (hasContainerNamed(view.containers, kSidecarContainerName) ||
      hasContainerNamed(view.initContainers, kSidecarContainerName)) {
    return skip("already injected (it has a container named " + std::string(kSidecarContainerName) + ")");
  }

  const auto matched = matchServer(view, ns, decodeServers(listServers(), ns));
  if (const auto* refusal = std::get_if<InjectionDecision>(&matched)) return *refusal;
  const auto& server = std::get<policy::MCPServer>(matched);
  if (auto conflict = findConflict(view, server)) {
    return refuse(kForbidden, "cannot inject the warden sidecar for MCPServer " + forMessage(server.metadata.name) +
                                  " into " + view.description + " in namespace " + forMessage(ns) + ": " + *conflict);
  }

  const auto sidecar = renderSidecar(server, config_, native_);
  InjectionDecision d;
  d.outcome = Outcome::Inject;
  d.server = server.metadata.name;
  d.native = native_;
  d.patch = buildPatch(view, sidecar, native_);
  d.message = "added " + std::string(kSidecarContainerName) + " (" +
              (native_ ? "native sidecar" : "regular container") + ") for MCPServer " + ns + "/" +
              server.metadata.name;
  return d;
}

}  // namespace warden::op
