#pragma once

// The settings of the sidecar injector (webhook contract; set from warden-operator's flags).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace warden::op {

// --native-sidecars: Auto injects a native sidecar (init container, restartPolicy Always) when the API server is
// 1.29 or newer, where the feature is on by default; On and Off force the choice.
enum class NativeSidecarMode { Auto, On, Off };

std::optional<NativeSidecarMode> parseNativeSidecarMode(std::string_view text);  // "auto", "on", "off"
const char* toString(NativeSidecarMode mode);

struct InjectorConfig {
  std::string image = "ghcr.io/mcp-warden/warden-sidecar:0.1.0";
  std::string imagePullPolicy = "IfNotPresent";  // Always | IfNotPresent | Never
  NativeSidecarMode nativeSidecars = NativeSidecarMode::Auto;
  std::string spiffeCsiDriver = "csi.spiffe.io";
  // The Workload API socket in the directory that driver mounts (SPIRE's agent names it spire-agent.sock).
  std::string spiffeSocketName = "spire-agent.sock";
  // Kubernetes quantities; an empty one is left out of the container's resources.
  std::string cpuRequest = "50m";
  std::string memoryRequest = "32Mi";
  std::string cpuLimit;
  std::string memoryLimit = "128Mi";
  // Pods there are never injected, whatever they ask for; the operator's own namespace is skipped as well.
  std::vector<std::string> systemNamespaces = {"kube-system", "kube-public", "kube-node-lease"};
  std::string operatorNamespace;

  // Checks what the flags set: a clear message for the first bad setting, nullopt when all are usable.
  std::optional<std::string> validate() const;
  bool isSkippedNamespace(std::string_view ns) const;
};

}  // namespace warden::op
