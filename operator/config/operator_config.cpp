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
