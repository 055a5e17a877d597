#pragma once

// The decision of the mutating webhook /inject for one pod (design D7, webhook contract): skip it, refuse it, or
// add the sidecar with an RFC 6902 JSON Patch. Pure: no I/O, no clock, no state; safe to call from any thread.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/webhooks/injector_config.h"
#include "operator/webhooks/server_version.h"

namespace warden::op {

inline constexpr std::string_view kInjectAnnotation = "mcpwarden.io/inject";
inline constexpr std::string_view kServerAnnotation = "mcpwarden.io/server";
inline constexpr std::string_view kStatusAnnotation = "mcpwarden.io/status";

struct InjectionDecision {
  enum class Outcome {
    Skip,    // allowed unchanged: not asked for, system namespace, hostNetwork, already injected
    Refuse,  // not allowed: the pod asks for protection it cannot get (it is never started unprotected)
    Inject,  // allowed with `patch`
  };
  Outcome outcome = Outcome::Refuse;
  int code = 0;           // Refuse: 403 (no or several MCPServers, conflicts), 400 (malformed pod)
  std::string message;    // Skip: why; Refuse: what the user sees; Inject: what was added
  std::string server;     // Inject: the MCPServer's name
  bool native = false;    // Inject: added as a native sidecar
  nlohmann::json patch;   // Inject: the JSON Patch operations (array)
};

// Native sidecars (init container, restartPolicy Always) are beta and on by default from Kubernetes 1.29. With an
// unknown version, Auto chooses a regular container, which works on every version.
bool useNativeSidecars(NativeSidecarMode mode, const std::optional<ServerVersion>& version);

class SidecarInjector {
 public:
  SidecarInjector(InjectorConfig config, std::optional<ServerVersion> serverVersion);

  // `pod` as the AdmissionReview carries it; `ns` the request's namespace (a pod's own metadata.namespace may be
  // empty at admission); `servers` the MCPServer objects of that namespace as the API returns them (objects of
  // other namespaces are ignored; invalid ones are never used, and named in the refusal they may explain).
  InjectionDecision decide(const nlohmann::json& pod, const std::string& ns,
                           const std::vector<nlohmann::json>& servers) const;
  // The same, listing the MCPServers only when the pod asks for injection (most pods do not): `listServers` is
  // called at most once; what it throws propagates.
  InjectionDecision decide(const nlohmann::json& pod, const std::string& ns,
                           const std::function<std::vector<nlohmann::json>()>& listServers) const;

  bool nativeSidecars() const { return native_; }
  const InjectorConfig& config() const { return config_; }

 private:
  InjectorConfig config_;
  bool native_;
};

}  // namespace warden::op
