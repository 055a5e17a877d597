#include "operator/config/operator_config.h"

#include <CLI/CLI.hpp>

#include "sidecar/config/duration_option.h"

namespace warden::op {

std::optional<std::string> OperatorConfig::validate() const {
  if (adminPort < 0 || adminPort > 65535) return "--admin-port must be between 0 and 65535";
  if (workers < 1 || workers > 64) return "--workers must be between 1 and 64";
  if (trustDomain.empty()) return "--trust-domain must not be empty";
  if (leaseName.empty()) return "--lease-name must not be empty";
  if (requestTimeout.count() <= 0) return "--request-timeout must be positive";
  if (resyncPeriod.count() < 0) return "--resync-period must not be negative";
  if (leaderElect) {
    // client-go's rule: the leader must give up before another replica may take the lease.
    if (retryPeriod.count() <= 0) return "--lease-retry-period must be positive";
    if (renewDeadline.count() * 10 <= retryPeriod.count() * 12)
      return "--lease-renew-deadline must exceed 1.2 x --lease-retry-period";
    if (leaseDuration <= renewDeadline) return "--lease-duration must exceed --lease-renew-deadline";
  }
  if (webhookPort < 0 || webhookPort > 65535) return "--webhook-port must be between 0 and 65535";
  if (webhookCertMode != "self" && webhookCertMode != "external") return "--webhook-cert-mode must be self or external";
  if (webhookPort != 0 && webhookCertMode == "self" && operatorNamespace.empty())
    return "--operator-namespace (or POD_NAMESPACE) is required for self-managed webhook certificates";
  if (nativeSidecars != "auto" && nativeSidecars != "on" && nativeSidecars != "off")
    return "--native-sidecars must be auto, on or off";
  if (sidecarImage.empty()) return "--sidecar-image must not be empty";
  if (logLevel != "trace" && logLevel != "debug" && logLevel != "info" && logLevel != "warn" && logLevel != "error")
    return "--log-level must be trace, debug, info, warn or error";
  return std::nullopt;
}

void addOperatorOptions(CLI::App& app, OperatorConfig& c) {
  using sidecar::addDurationOption;
  app.add_option("--kubeconfig", c.kubeconfig,
                 "kubeconfig file (default: $KUBECONFIG, else in-cluster, else ~/.kube/config)")
      ->envname("WARDEN_KUBECONFIG");
  app.add_option("--namespace", c.watchNamespace, "Watch only this namespace (default: all namespaces)")
      ->envname("WARDEN_NAMESPACE");
  app.add_option("--trust-domain", c.trustDomain, "SPIFFE trust domain for ns/<ns>/sa/<sa> principals")
      ->envname("WARDEN_TRUST_DOMAIN")->capture_default_str();
  app.add_option("--leader-elect", c.leaderElect, "Elect one active replica with a coordination.k8s.io Lease")
      ->envname("WARDEN_LEADER_ELECT")->capture_default_str();
  app.add_option("--lease-namespace", c.leaseNamespace,
                 "Namespace of the Lease (default: the service account's or kubeconfig context's namespace)")
      ->envname("WARDEN_LEASE_NAMESPACE");
  app.add_option("--lease-name", c.leaseName, "Name of the Lease")->envname("WARDEN_LEASE_NAME")->capture_default_str();
  app.add_option("--identity", c.identity, "This replica's identity in the Lease (default: hostname + random)")
      ->envname("WARDEN_IDENTITY");
  addDurationOption(app, "--lease-duration", "WARDEN_LEASE_DURATION", c.leaseDuration,
                    "How long other replicas wait before taking an unrenewed lease");
  addDurationOption(app, "--lease-renew-deadline", "WARDEN_LEASE_RENEW_DEADLINE", c.renewDeadline,
                    "The leader stops leading when it has not renewed within this");
  addDurationOption(app, "--lease-retry-period", "WARDEN_LEASE_RETRY_PERIOD", c.retryPeriod,
                    "Interval of lease renewals and acquisition attempts");
  app.add_option("--admin-address", c.adminAddress, "Address of the /metrics, /healthz, /readyz port")
      ->envname("WARDEN_ADMIN_ADDRESS")->capture_default_str();
  app.add_option("--admin-port", c.adminPort, "Port of /metrics, /healthz, /readyz (0: any free port)")
      ->envname("WARDEN_ADMIN_PORT")->capture_default_str();
  app.add_option("--webhook-port", c.webhookPort, "HTTPS port of the admission webhooks (0: none)")
      ->envname("WARDEN_WEBHOOK_PORT")->capture_default_str();
  app.add_option("--webhook-address", c.webhookAddress, "Address of the admission webhooks")
      ->envname("WARDEN_WEBHOOK_ADDRESS")->capture_default_str();
  app.add_option("--webhook-cert-mode", c.webhookCertMode,
                 "self: generate the serving certificate, keep it in a Secret, patch caBundle; external: read "
                 "tls.crt/tls.key from --webhook-cert-dir (cert-manager)")
      ->envname("WARDEN_WEBHOOK_CERT_MODE")->capture_default_str();
  app.add_option("--webhook-cert-dir", c.webhookCertDir, "Directory of tls.crt and tls.key (external mode)")
      ->envname("WARDEN_WEBHOOK_CERT_DIR")->capture_default_str();
  app.add_option("--webhook-secret", c.webhookSecret, "Secret holding the self-managed webhook certificate")
      ->envname("WARDEN_WEBHOOK_SECRET")->capture_default_str();
  app.add_option("--webhook-service", c.webhookService, "Service in front of the webhook port (certificate names)")
      ->envname("WARDEN_WEBHOOK_SERVICE")->capture_default_str();
  app.add_option("--webhook-extra-host", c.webhookExtraHosts, "More DNS names or IPs for the serving certificate")
      ->envname("WARDEN_WEBHOOK_EXTRA_HOSTS")->delimiter(',');
  app.add_option("--operator-namespace", c.operatorNamespace, "The operator's namespace")
      ->envname("POD_NAMESPACE");
  app.add_option("--mutating-webhook-config", c.mutatingWebhookConfig,
                 "MutatingWebhookConfiguration whose caBundle self mode keeps")
      ->envname("WARDEN_MUTATING_WEBHOOK_CONFIG")->capture_default_str();
  app.add_option("--validating-webhook-config", c.validatingWebhookConfig,
                 "ValidatingWebhookConfiguration whose caBundle self mode keeps")
      ->envname("WARDEN_VALIDATING_WEBHOOK_CONFIG")->capture_default_str();
  app.add_option("--sidecar-image", c.sidecarImage, "Image of the injected warden-sidecar")
      ->envname("WARDEN_SIDECAR_IMAGE")->capture_default_str();
  app.add_option("--sidecar-image-pull-policy", c.sidecarImagePullPolicy, "Pull policy of the injected sidecar")
      ->envname("WARDEN_SIDECAR_IMAGE_PULL_POLICY")->capture_default_str();
  app.add_option("--native-sidecars", c.nativeSidecars,
                 "Inject as a native sidecar (init container, restartPolicy Always): auto (API server >= 1.29), on, off")
      ->envname("WARDEN_NATIVE_SIDECARS")->capture_default_str();
  app.add_option("--spiffe-csi-driver", c.spiffeCsiDriver, "CSI driver of the SPIFFE Workload API volume")
      ->envname("WARDEN_SPIFFE_CSI_DRIVER")->capture_default_str();
  app.add_option("--spiffe-socket-name", c.spiffeSocketName,
                 "File name of the Workload API socket in the directory the CSI driver mounts")
      ->envname("WARDEN_SPIFFE_SOCKET_NAME")->capture_default_str();
  app.add_option("--sidecar-cpu-request", c.sidecarCpuRequest, "CPU request of the sidecar")
      ->envname("WARDEN_SIDECAR_CPU_REQUEST")->capture_default_str();
  app.add_option("--sidecar-memory-request", c.sidecarMemoryRequest, "Memory request of the sidecar")
      ->envname("WARDEN_SIDECAR_MEMORY_REQUEST")->capture_default_str();
  app.add_option("--sidecar-cpu-limit", c.sidecarCpuLimit, "CPU limit of the sidecar (empty: none)")
      ->envname("WARDEN_SIDECAR_CPU_LIMIT");
  app.add_option("--sidecar-memory-limit", c.sidecarMemoryLimit, "Memory limit of the sidecar (empty: none)")
      ->envname("WARDEN_SIDECAR_MEMORY_LIMIT")->capture_default_str();
  app.add_option("--workers", c.workers, "Reconcile threads per controller")
      ->envname("WARDEN_WORKERS")->capture_default_str();
  addDurationOption(app, "--resync-period", "WARDEN_RESYNC_PERIOD", c.resyncPeriod,
                    "Reconcile every cached object again this often (0: never)");
  addDurationOption(app, "--request-timeout", "WARDEN_REQUEST_TIMEOUT", c.requestTimeout,
                    "Inactivity limit of one API request");
  app.add_option("--log-level", c.logLevel, "trace, debug, info, warn or error")
      ->envname("WARDEN_LOG_LEVEL")->capture_default_str();
}

}  // namespace warden::op
