#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace warden::op {

// Every setting of warden-operator. Each is a flag and an environment variable (WARDEN_<NAME>); `--help` lists both.
struct OperatorConfig {
  // Where the API is: --kubeconfig, else $KUBECONFIG, else in-cluster, else ~/.kube/config (client-go's order).
  std::string kubeconfig;
  // Namespace scope: "" watches every namespace (cluster-wide RBAC), else only this one.
  std::string watchNamespace;
  // The SPIFFE trust domain `ns/<ns>/sa/<sa>` principals expand into (design D4).
  std::string trustDomain = "cluster.local";

  bool leaderElect = true;
  std::string leaseNamespace;  // "" : the namespace of the kubeconfig context / service account
  std::string leaseName = "mcp-warden-operator";
  std::string identity;        // "" : hostname plus a random suffix
  std::chrono::milliseconds leaseDuration{15'000};
  std::chrono::milliseconds renewDeadline{10'000};
  std::chrono::milliseconds retryPeriod{2'000};

  // /metrics, /healthz, /readyz (plain HTTP).
  std::string adminAddress = "0.0.0.0";
  int adminPort = 8080;

  // Admission webhooks (design D7; names in manifests/ and the chart): HTTPS /inject and /validate.
  int webhookPort = 9443;                  // 0: no webhook server
  std::string webhookAddress = "0.0.0.0";
  std::string webhookCertMode = "self";     // self: generated and kept in a Secret; external: files (cert-manager)
  std::string webhookCertDir = "/etc/mcp-warden/webhook-certs";  // external: tls.crt, tls.key
  std::string webhookSecret = "mcp-warden-webhook-tls";
  std::string webhookService = "mcp-warden-webhook";
  std::vector<std::string> webhookExtraHosts;  // more names/IPs for the serving certificate (tests: 127.0.0.1)
  std::string operatorNamespace;               // the operator's own namespace (POD_NAMESPACE)
  std::string mutatingWebhookConfig = "mcp-warden-injector";
  std::string validatingWebhookConfig = "mcp-warden-validator";
  // The injected sidecar.
  std::string sidecarImage = "ghcr.io/mcp-warden/warden-sidecar:0.1.0";
  std::string sidecarImagePullPolicy = "IfNotPresent";
  std::string nativeSidecars = "auto";  // auto (API server >= 1.29) | on | off
  std::string spiffeCsiDriver = "csi.spiffe.io";
  std::string spiffeSocketName = "spire-agent.sock";
  std::string sidecarCpuRequest = "50m";
  std::string sidecarMemoryRequest = "32Mi";
  std::string sidecarCpuLimit;
  std::string sidecarMemoryLimit = "128Mi";

  int workers = 2;                                  // reconcile threads per controller
  std::chrono::milliseconds resyncPeriod{600'000};  // every cached object is reconciled again this often
  std::chrono::milliseconds requestTimeout{30'000};
  std::string logLevel = "info";

  // An error message for an invalid combination, else nullopt. Never throws.
  std::optional<std::string> validate() const;
};

// Registers every setting on `app` (flags with environment variable fallbacks and defaults shown in --help).
void addOperatorOptions(CLI::App& app, OperatorConfig& config);

}  // namespace warden::op
