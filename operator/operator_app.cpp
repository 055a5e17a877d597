#include "operator/operator_app.h"

#include <unistd.h>

#include <openssl/rand.h>

#include "operator/kube/http_kube_client.h"
#include "operator/kube/kube_config.h"
#include "operator/kube/leader_election.h"
#include "operator/manager/controller_manager.h"
#include "operator/webhooks/webhook_runtime.h"
#include "sidecar/admin/admin_server_thread.h"
#include "sidecar/common/logging.h"
#include "sidecar/metrics/metrics.h"

namespace warden::op {
namespace {

// hostname-<8 hex>: unique per process, readable in `kubectl get lease -o yaml`.
std::string defaultIdentity() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  unsigned char random[4] = {};
  RAND_bytes(random, sizeof random);
  static const char* hex = "0123456789abcdef";
  std::string id = host[0] ? host : "mcp-warden-operator";
  id += '-';
  for (unsigned char b : random) {
    id += hex[b >> 4];
    id += hex[b & 15];
  }
  return id;
}

}  // namespace

struct OperatorApp::Parts {
  sidecar::MetricsRegistry registry;
  std::shared_ptr<HttpKubeClient> client;
  std::unique_ptr<ControllerManager> manager;
  std::unique_ptr<LeaderElector> elector;
  std::unique_ptr<WebhookRuntime> webhooks;
  std::unique_ptr<sidecar::AdminServerThread> admin;
};

OperatorApp::OperatorApp(OperatorConfig config) : config_(std::move(config)) {}

OperatorApp::~OperatorApp() { stop(); }

bool OperatorApp::start(std::string* error) {
  using sidecar::logInfo;
  auto parts = std::make_unique<Parts>();

  std::string why;
  auto kube = resolveKubeConfig(config_.kubeconfig, &why);
  if (!kube) {
    *error = "no usable Kubernetes API configuration: " + why;
    return false;
  }
  HttpClientOptions httpOptions;
  httpOptions.requestTimeout = config_.requestTimeout;
  parts->client = makeHttpKubeClient(*kube, httpOptions, &why);
  if (!parts->client) {
    *error = "cannot use the Kubernetes API configuration from " + kube->source + ": " + why;
    return false;
  }

  ControllerManagerOptions managerOptions;
  managerOptions.watchNamespace = config_.watchNamespace;
  managerOptions.workers = config_.workers;
  managerOptions.resyncPeriod = config_.resyncPeriod;
  managerOptions.compile.trustDomain = config_.trustDomain;
  const std::string identity = config_.identity.empty() ? defaultIdentity() : config_.identity;
  managerOptions.reportingInstance = identity;
  parts->manager = std::make_unique<ControllerManager>(parts->client, managerOptions, parts->registry);

  auto& leader = parts->registry.gauge("warden_operator_leader", "1 while this replica leads and reconciles");
  auto& writes = parts->registry.counter("warden_operator_api_writes_total",
                                         "Write requests sent to the API server (create, update, delete, apply)");
  ControllerManager& manager = *parts->manager;
  HttpKubeClient& client = *parts->client;
  sidecar::MetricsRegistry& registry = parts->registry;
  sidecar::AdminHandlers handlers;
  handlers.renderMetrics = [&manager, &client, &registry, &writes] {
    manager.refreshMetrics();
    if (auto now = client.writeCount(); now > writes.value()) writes.inc(now - writes.value());
    return registry.render();
  };
  Parts* raw = parts.get();
  handlers.notReadyReasons = [&manager, raw] {
    auto reasons = manager.notReadyReasons();
    if (raw->webhooks)
      if (auto why = raw->webhooks->notReadyReason(); !why.empty()) reasons.push_back(why);
    return reasons;
  };
  sidecar::AdminServerOptions adminOptions;
  adminOptions.address = config_.adminAddress;
  adminOptions.port = static_cast<std::uint16_t>(config_.adminPort);
  parts->admin = sidecar::AdminServerThread::start(adminOptions, handlers, &why);
  if (!parts->admin) {
    *error = "cannot serve the admin port " + config_.adminAddress + ":" + std::to_string(config_.adminPort) + ": " +
             why;
    return false;
  }

  logInfo("starting", {{"api", client.server()},
                       {"config", client.configSource()},
                       {"namespace", config_.watchNamespace.empty() ? "(all)" : config_.watchNamespace},
                       {"identity", identity},
                       {"adminPort", parts->admin->port()}});
  parts->manager->startInformers();

  if (config_.webhookPort != 0) {
    // The API server's version decides native sidecars (1.29+) in auto mode; unknown: regular containers.
    std::optional<ServerVersion> version;
    ApiResult got = parts->client->getPath("/version");
    if (got.ok()) version = parseServerVersion(got.body, &why);
    if (!version) sidecar::logWarn("API server version unknown; injecting regular containers", {{"error", got.ok() ? why : got.error}});
    McpServerLister lister = [&manager](const std::string& ns) {
      std::vector<nlohmann::json> servers;
      for (const auto& server : manager.reader().list(resources::mcpServers(), ns)) servers.push_back(*server);
      return servers;
    };
    parts->webhooks = WebhookRuntime::start(config_, parts->client, version, lister, &why);
    if (!parts->webhooks) {
      *error = "cannot serve the admission webhooks: " + why;
      parts->manager->stop();
      return false;
    }
  }

  if (!config_.leaderElect) {
    leader.set(1);
    parts->manager->startControllers();
  } else {
    LeaderElectionConfig lease;
    lease.leaseNamespace = !config_.leaseNamespace.empty() ? config_.leaseNamespace
                           : !kube->namespace_.empty()     ? kube->namespace_
                                                           : config_.watchNamespace;
    if (lease.leaseNamespace.empty()) {
      *error = "leader election needs a namespace for its Lease: set --lease-namespace (the API configuration from " +
               kube->source + " names none)";
      parts->manager->stop();
      return false;
    }
    lease.leaseName = config_.leaseName;
    lease.identity = identity;
    lease.leaseDuration = config_.leaseDuration;
    lease.renewDeadline = config_.renewDeadline;
    lease.retryPeriod = config_.retryPeriod;
    LeaderElector::Callbacks callbacks;
    callbacks.onStartedLeading = [&manager, &leader, identity] {
      sidecar::logInfo("leading", {{"identity", identity}});
      leader.set(1);
      manager.startControllers();
    };
    callbacks.onStoppedLeading = [&manager, &leader, identity] {
      // At once: another replica may take over as soon as the lease expires.
      leader.set(0);
      manager.stopControllers();
      sidecar::logInfo("stopped leading", {{"identity", identity}});
    };
    parts->elector = std::make_unique<LeaderElector>(parts->client, lease, callbacks);
    parts->elector->start();
  }
  parts_ = std::move(parts);
  return true;
}

void OperatorApp::stop() {
  if (!parts_) return;
  // The elector first: it stops the controllers and releases the lease for a prompt takeover.
  if (parts_->elector) parts_->elector->stop();
  if (parts_->webhooks) parts_->webhooks->stop();
  parts_->manager->stop();
  parts_->admin->stop();
  parts_.reset();
}

std::uint16_t OperatorApp::adminPort() const { return parts_ ? parts_->admin->port() : 0; }

}  // namespace warden::op
