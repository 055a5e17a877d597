#include "sidecar/sidecar_app.h"

#include "sidecar/admin/admin_server_thread.h"
#include "sidecar/common/logging.h"
#include "sidecar/enforcement/bundle_watcher.h"
#include "sidecar/enforcement/policy_store.h"
#include "sidecar/identity/file_identity_source.h"
#include "sidecar/identity/workload_api_source.h"
#include "sidecar/metrics/metrics.h"
#include "sidecar/proxy/proxy_context.h"
#include "sidecar/proxy/proxy_server.h"
#include "sidecar/receipts/receipt_log.h"
#include "sidecar/tls/tls_context_manager.h"

namespace warden::sidecar {

struct SidecarApp::Parts {
  explicit Parts(SidecarConfig c) : config(std::move(c)), proxyMetrics(registry) {}

  SidecarConfig config;
  MetricsRegistry registry;
  ProxyMetrics proxyMetrics;
  PolicyStore policies;
  policy::RateLimiter limiter;
  SessionRegistry sessions;
  TlsContextManager tls;
  std::unique_ptr<ReceiptLog> receipts;
  std::unique_ptr<ProxyContext> context;
  std::unique_ptr<IdentitySource> identity;
  std::unique_ptr<BundleWatcher> bundleWatcher;
  std::unique_ptr<ProxyServer> proxy;
  std::unique_ptr<AdminServerThread> admin;
};

SidecarApp::SidecarApp(SidecarConfig config, std::unique_ptr<IdentitySource> identity)
    : parts_(std::make_unique<Parts>(std::move(config))) {
  parts_->identity = std::move(identity);
}

SidecarApp::~SidecarApp() { stop(); }

bool SidecarApp::start(std::string* error) {
  auto& p = *parts_;
  const auto& c = p.config;

  ReceiptLogOptions receiptOptions;
  receiptOptions.path = c.receiptsPath;
  receiptOptions.mirrorToStdout = c.receiptsToStdout;
  receiptOptions.sync = parseReceiptSync(c.receiptsSync).value_or(ReceiptSync::Decision);  // validated before
  receiptOptions.syncInterval = c.receiptsSyncInterval;
  receiptOptions.onSync = [&metrics = p.proxyMetrics] { metrics.receiptSync(); };
  std::string receiptError;
  p.receipts = ReceiptLog::open(receiptOptions, &receiptError);
  if (!p.receipts) {
    *error = "receipt log: " + receiptError;
    return false;
  }
  // The chain's head, logged at open and at stop, is what `wardenctl receipts verify --expect-head` checks a file
  // against, so that receipts cut off the end of the file are detected too.
  logInfo("receipt log open", {{"path", c.receiptsPath},
                               {"sync", toString(receiptOptions.sync)},
                               {"seq", p.receipts->lastSeq()},
                               {"head", p.receipts->lastHash()}});

  std::string watchError;
  p.bundleWatcher = BundleWatcher::start(
      c.policyDir, p.policies,
      [&p](const LoadOutcome& outcome) {
        p.proxyMetrics.policyLoad(toString(outcome.result));
        const std::string line = describe(outcome);
        if (outcome.refused()) {
          logError(line, {{"policyVersion", outcome.policyVersion}});
        } else if (outcome.result == LoadOutcome::Result::Loaded) {
          logInfo(line, {{"policyVersion", outcome.policyVersion}});
        }
      },
      c.fileReloadPoll, &watchError);
  if (!p.bundleWatcher) {
    *error = "policy watcher: " + watchError;
    return false;
  }

  if (!p.identity) {
    if (!c.svidDir.empty()) {
      p.identity = std::make_unique<FileIdentitySource>(c.svidDir, c.fileReloadPoll);
    } else {
      WorkloadApiSource::Options options;
      options.address = c.spiffeEndpointSocket;
      std::string sourceError;
      p.identity = WorkloadApiSource::create(options, &sourceError);
      if (!p.identity) {
        *error = "SPIFFE Workload API: " + sourceError;
        return false;
      }
    }
  }
  p.identity->start(
      [&p](IdentitySnapshotPtr snapshot) {
        std::string tlsError;
        if (!p.tls.update(snapshot, &tlsError)) {
          logError("SVID refused", {{"error", tlsError}});
          return;
        }
        const double notAfter =
            std::chrono::duration<double>(snapshot->svid.notAfter.time_since_epoch()).count();
        p.proxyMetrics.svidUpdated(notAfter);
        std::vector<std::string> domains;
        for (const auto& [td, cas] : snapshot->bundles) domains.push_back(td);
        logInfo("SVID in use", {{"spiffeId", snapshot->svid.spiffeId},
                                {"notAfterUnix", notAfter},
                                {"trustDomains", domains},
                                {"source", snapshot->source}});
      },
      [](const std::string& message) { logError("identity source", {{"error", message}}); });

  p.context = std::make_unique<ProxyContext>(
      ProxyContext{p.config, p.policies, p.limiter, *p.receipts, p.sessions, p.proxyMetrics});
  p.proxy = std::make_unique<ProxyServer>(*p.context, p.tls);
  std::string proxyError;
  if (!p.proxy->start(&proxyError)) {
    *error = proxyError;
    return false;
  }

  AdminServerOptions adminOptions;
  adminOptions.address = c.adminAddress;
  adminOptions.port = static_cast<std::uint16_t>(c.adminPort);
  AdminHandlers handlers;
  handlers.renderMetrics = [&p] { return p.registry.render(); };
  handlers.notReadyReasons = [this] { return notReadyReasons(); };
  std::string adminError;
  p.admin = AdminServerThread::start(adminOptions, handlers, &adminError);
  if (!p.admin) {
    *error = "admin port: " + adminError;
    return false;
  }
  logInfo("warden-sidecar listening", {{"port", p.proxy->port()},
                                       {"adminPort", p.admin->port()},
                                       {"upstream", c.upstreamHost + ":" + std::to_string(c.upstreamPort)}});
  return true;
}

void SidecarApp::stop(std::chrono::milliseconds grace) {
  auto& p = *parts_;
  if (p.proxy) p.proxy->stop(grace);
  if (p.admin) p.admin->stop();
  p.identity.reset();
  p.bundleWatcher.reset();
  p.proxy.reset();
  p.admin.reset();
  if (p.receipts) {
    const auto seq = p.receipts->lastSeq();
    const auto head = p.receipts->lastHash();
    p.receipts.reset();  // flushes what is queued
    logInfo("receipt log closed", {{"seq", seq}, {"head", head}});
  }
}

unsigned short SidecarApp::proxyPort() const { return parts_->proxy ? parts_->proxy->port() : 0; }
unsigned short SidecarApp::adminPort() const { return parts_->admin ? parts_->admin->port() : 0; }

std::vector<std::string> SidecarApp::notReadyReasons() const {
  std::vector<std::string> reasons;
  if (!parts_->tls.current()) reasons.push_back("no SVID yet");
  if (auto policy = parts_->policies.notReadyReason(); !policy.empty()) reasons.push_back(policy);
  return reasons;
}

PolicyStore& SidecarApp::policies() { return parts_->policies; }
MetricsRegistry& SidecarApp::metrics() { return parts_->registry; }

}  // namespace warden::sidecar
