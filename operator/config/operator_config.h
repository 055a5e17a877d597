#pragma once

#include <chrono>
#include <optional>
#include <string>

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
