#pragma once

// The admission webhooks as the operator runs them: the HTTPS server with /inject and /validate, and where its
// serving certificate comes from (self-managed Secret + caBundle, or cert-manager's files). Runs on every
// replica, leader or not: the API server calls whichever replica its Service picks.

#include <memory>
#include <optional>
#include <string>

#include "operator/config/operator_config.h"
#include "operator/kube/kube_client.h"
#include "operator/webhooks/admission_handlers.h"
#include "operator/webhooks/server_version.h"

namespace warden::op {

class WebhookRuntime {
 public:
  // nullptr with *error for an unusable configuration or port.
  static std::unique_ptr<WebhookRuntime> start(const OperatorConfig& config, KubeClientPtr client,
                                               std::optional<ServerVersion> serverVersion, McpServerLister servers,
                                               std::string* error);
  ~WebhookRuntime();
  WebhookRuntime(const WebhookRuntime&) = delete;
  WebhookRuntime& operator=(const WebhookRuntime&) = delete;

  // Empty when serving; else why not (no certificate yet).
  std::string notReadyReason() const;
  void stop();

  struct Parts;

 private:
  explicit WebhookRuntime(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

// The names the serving certificate covers: the Service's cluster DNS names plus the extra hosts.
std::vector<std::string> webhookHosts(const OperatorConfig& config);

}  // namespace warden::op
