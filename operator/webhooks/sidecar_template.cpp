#include "operator/webhooks/sidecar_template.h"

#include "operator/controllers/desired_objects.h"

namespace warden::op {
namespace {

using nlohmann::json;

json httpProbe(std::string_view path, int port, int periodSeconds, int failureThreshold) {
  return {{"httpGet", {{"path", path}, {"port", port}, {"scheme", "HTTP"}}},
          {"periodSeconds", periodSeconds},
          {"timeoutSeconds", 1},
          {"successThreshold", 1},
          {"failureThreshold", failureThreshold}};
}

json resources(const InjectorConfig& config) {
  json requests = json::object();
  json limits = json::object();
  if (!config.cpuRequest.empty()) requests["cpu"] = config.cpuRequest;
  if (!config.memoryRequest.empty()) requests["memory"] = config.memoryRequest;
  if (!config.cpuLimit.empty()) limits["cpu"] = config.cpuLimit;
  if (!config.memoryLimit.empty()) limits["memory"] = config.memoryLimit;
  json out = json::object();
  if (!requests.empty()) out["requests"] = std::move(requests);
  if (!limits.empty()) out["limits"] = std::move(limits);
  return out;
}

}  // namespace

SidecarTemplate renderSidecar(const policy::MCPServer& server, const InjectorConfig& config, bool native) {
  const auto& spec = server.spec;
  const std::string configMap = policyConfigMapName(server.metadata.name);
  json container = {
      {"name", kSidecarContainerName},
      {"image", config.image},
      {"imagePullPolicy", config.imagePullPolicy},
      {"args",
       {"--port=" + std::to_string(spec.port), "--upstream-port=" + std::to_string(spec.upstream.port),
        "--upstream-path=" + spec.upstream.path, "--admin-port=" + std::to_string(spec.metricsPort),
        "--policy-dir=" + std::string(kPolicyMountPath),
        "--receipts-path=" + std::string(kReceiptsMountPath) + "/receipts.jsonl"}},
      {"env",
       {{{"name", "SPIFFE_ENDPOINT_SOCKET"},
         {"value", "unix://" + std::string(kSpiffeMountPath) + "/" + config.spiffeSocketName}}}},
      {"ports",
       {{{"name", kSidecarPortName}, {"containerPort", spec.port}, {"protocol", "TCP"}},
        {{"name", kAdminPortName}, {"containerPort", spec.metricsPort}, {"protocol", "TCP"}}}},
      {"resources", resources(config)},
      {"volumeMounts",
       {{{"name", kPolicyVolumeName}, {"mountPath", kPolicyMountPath}, {"readOnly", true}},
        {{"name", kSpiffeVolumeName}, {"mountPath", kSpiffeMountPath}, {"readOnly", true}},
        {{"name", kReceiptsVolumeName}, {"mountPath", kReceiptsMountPath}}}},
      // /readyz answers 200 only with an SVID and a policy: as a native sidecar's startup probe it holds the app
      // containers back until the pod can enforce (up to two minutes for the SPIRE agent to issue the SVID).
      {"startupProbe", httpProbe("/readyz", spec.metricsPort, 1, 120)},
      {"readinessProbe", httpProbe("/readyz", spec.metricsPort, 5, 3)},
      {"livenessProbe", httpProbe("/healthz", spec.metricsPort, 10, 3)},
      {"securityContext",
       {{"runAsNonRoot", true},
        {"runAsUser", kSidecarUid},
        {"allowPrivilegeEscalation", false},
        {"readOnlyRootFilesystem", true},
        {"capabilities", {{"drop", {"ALL"}}}},
        {"seccompProfile", {{"type", "RuntimeDefault"}}}}},
      {"terminationMessagePolicy", "FallbackToLogsOnError"},
  };
  if (native) container["restartPolicy"] = "Always";

  json volumes = {
      {{"name", kPolicyVolumeName}, {"configMap", {{"name", configMap}}}},
      {{"name", kSpiffeVolumeName}, {"csi", {{"driver", config.spiffeCsiDriver}, {"readOnly", true}}}},
      {{"name", kReceiptsVolumeName}, {"emptyDir", json::object()}},
  };
  json names = {kSidecarContainerName};
  json status = {
      {"version", 1},
      {"server", server.metadata.name},
      {"policyConfigMap", configMap},
      {"containers", native ? json::array() : names},
      {"initContainers", native ? names : json::array()},
      {"volumes", {kPolicyVolumeName, kSpiffeVolumeName, kReceiptsVolumeName}},
      {"native", native},
  };
  return {std::move(container), std::move(volumes), std::move(status)};
}

}  // namespace warden::op
