#include "operator/webhooks/webhook_runtime.h"

#include "operator/webhooks/webhook_cert_keeper.h"
#include "operator/webhooks/webhook_server.h"
#include "sidecar/common/file_watcher.h"
#include "sidecar/common/logging.h"
#include "sidecar/identity/file_io.h"

namespace warden::op {

struct WebhookRuntime::Parts {
  std::shared_ptr<AdmissionHandlers> handlers;
  std::unique_ptr<WebhookServer> server;
  std::unique_ptr<WebhookCertKeeper> keeper;            // self mode
  std::unique_ptr<sidecar::FileWatcher> certWatcher;    // external mode
};

std::vector<std::string> webhookHosts(const OperatorConfig& c) {
  std::vector<std::string> hosts;
  const std::string& ns = c.operatorNamespace;
  if (!c.webhookService.empty() && !ns.empty()) {
    hosts.push_back(c.webhookService + "." + ns + ".svc");
    hosts.push_back(c.webhookService + "." + ns + ".svc.cluster.local");
    hosts.push_back(c.webhookService + "." + ns);
    hosts.push_back(c.webhookService);
  }
  hosts.insert(hosts.end(), c.webhookExtraHosts.begin(), c.webhookExtraHosts.end());
  return hosts;
}

WebhookRuntime::WebhookRuntime(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

WebhookRuntime::~WebhookRuntime() { stop(); }

std::unique_ptr<WebhookRuntime> WebhookRuntime::start(const OperatorConfig& config, KubeClientPtr client,
                                                      std::optional<ServerVersion> serverVersion,
                                                      McpServerLister servers, std::string* error) {
  InjectorConfig injector;
  injector.image = config.sidecarImage;
  injector.imagePullPolicy = config.sidecarImagePullPolicy;
  injector.nativeSidecars = parseNativeSidecarMode(config.nativeSidecars).value_or(NativeSidecarMode::Auto);
  injector.spiffeCsiDriver = config.spiffeCsiDriver;
  injector.spiffeSocketName = config.spiffeSocketName;
  injector.cpuRequest = config.sidecarCpuRequest;
  injector.memoryRequest = config.sidecarMemoryRequest;
  injector.cpuLimit = config.sidecarCpuLimit;
  injector.memoryLimit = config.sidecarMemoryLimit;
  injector.operatorNamespace = config.operatorNamespace;
  if (auto problem = injector.validate()) {
    *error = *problem;
    return nullptr;
  }
  sidecar::logInfo("sidecar injection", {{"native", useNativeSidecars(injector.nativeSidecars, serverVersion)},
                                         {"image", injector.image}});

  auto parts = std::make_unique<Parts>();
  parts->handlers = std::make_shared<AdmissionHandlers>(SidecarInjector(injector, serverVersion), std::move(servers));
  std::shared_ptr<const AdmissionHandlers> handlers = parts->handlers;
  auto route = [handlers](AdmissionHttpReply (AdmissionHandlers::*handle)(std::string_view) const noexcept) {
    return [handlers, handle](const std::string& body) {
      AdmissionHttpReply reply = ((*handlers).*handle)(body);
      sidecar::logInfo("admission", {{"decision", reply.summary}, {"status", reply.status}});
      return WebhookResponse{reply.status, std::move(reply.body), "application/json"};
    };
  };
  WebhookServerOptions serverOptions;
  serverOptions.address = config.webhookAddress;
  serverOptions.port = static_cast<std::uint16_t>(config.webhookPort);
  serverOptions.maxBodyBytes = kMaxAdmissionBodyBytes;
  parts->server = WebhookServer::start(
      serverOptions, {{"/inject", route(&AdmissionHandlers::inject)}, {"/validate", route(&AdmissionHandlers::validate)}},
      error);
  if (!parts->server) return nullptr;
  WebhookServer* server = parts->server.get();

  if (config.webhookCertMode == "self") {
    WebhookCertKeeperOptions keeperOptions;
    keeperOptions.secretNamespace = config.operatorNamespace;
    keeperOptions.secretName = config.webhookSecret;
    keeperOptions.mutatingConfig = config.mutatingWebhookConfig;
    keeperOptions.validatingConfig = config.validatingWebhookConfig;
    keeperOptions.certificate.hosts = webhookHosts(config);
    if (keeperOptions.certificate.hosts.empty()) {
      *error = "the webhook certificate needs --webhook-service and --operator-namespace, or --webhook-extra-host";
      return nullptr;
    }
    parts->keeper = std::make_unique<WebhookCertKeeper>(
        std::move(client), keeperOptions, [server](const ServingCertificate& material) {
          std::string why;
          if (server->setCertificate(material.certPem, material.keyPem, &why))
            sidecar::logInfo("webhook serving certificate loaded", {{"source", "secret"}});
          else
            sidecar::logError("webhook serving certificate refused", {{"error", why}});
        });
    parts->keeper->start();
  } else {
    const std::string dir = config.webhookCertDir;
    auto reload = [server, dir] {
      std::string why;
      auto cert = sidecar::readFileBounded(dir + "/tls.crt", 1 << 20, &why);
      auto key = cert ? sidecar::readFileBounded(dir + "/tls.key", 1 << 20, &why) : std::nullopt;
      if (!cert || !key) {
        sidecar::logWarn("webhook certificate files not readable yet", {{"dir", dir}, {"error", why}});
        return;
      }
      if (server->setCertificate(*cert, *key, &why))
        sidecar::logInfo("webhook serving certificate loaded", {{"source", dir}});
      else
        sidecar::logError("webhook serving certificate refused", {{"dir", dir}, {"error", why}});
    };
    parts->certWatcher = sidecar::FileWatcher::start(dir, reload, std::chrono::seconds(60), error);
    if (!parts->certWatcher) return nullptr;
  }
  return std::unique_ptr<WebhookRuntime>(new WebhookRuntime(std::move(parts)));
}

std::string WebhookRuntime::notReadyReason() const {
  if (!parts_ || !parts_->server) return "webhooks stopped";
  return parts_->server->hasCertificate() ? "" : "no webhook serving certificate yet";
}

void WebhookRuntime::stop() {
  if (!parts_) return;
  parts_->certWatcher.reset();
  if (parts_->keeper) parts_->keeper->stop();
  if (parts_->server) parts_->server->stop();
}

}  // namespace warden::op
