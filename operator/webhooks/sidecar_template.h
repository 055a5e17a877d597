#pragma once

// What the injector adds to a pod (webhook contract): a pure function of the MCPServer, the injector settings and
// the native-sidecar decision.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "operator/webhooks/injector_config.h"
#include "policy/model.h"

namespace warden::op {

inline constexpr std::string_view kSidecarContainerName = "warden-sidecar";
inline constexpr std::string_view kPolicyVolumeName = "warden-policy";
inline constexpr std::string_view kSpiffeVolumeName = "spiffe-workload-api";
inline constexpr std::string_view kReceiptsVolumeName = "warden-receipts";
inline constexpr std::string_view kSidecarPortName = "mcp";
inline constexpr std::string_view kAdminPortName = "warden-admin";
inline constexpr std::string_view kPolicyMountPath = "/etc/mcp-warden/policy";
inline constexpr std::string_view kSpiffeMountPath = "/spiffe-workload-api";
inline constexpr std::string_view kReceiptsMountPath = "/var/lib/mcp-warden/receipts";
inline constexpr int kSidecarUid = 65532;  // "nonroot" of the distroless images

struct SidecarTemplate {
  nlohmann::json container;  // the warden-sidecar container (restartPolicy Always when native)
  nlohmann::json volumes;    // array: warden-policy, spiffe-workload-api, warden-receipts
  // The value of the mcpwarden.io/status annotation: what was added, so that it is never added twice.
  nlohmann::json status;
};

SidecarTemplate renderSidecar(const policy::MCPServer& server, const InjectorConfig& config, bool native);

}  // namespace warden::op
