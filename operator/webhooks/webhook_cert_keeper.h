#pragma once

// Self-managed webhook certificates (design D7): every replica keeps the Secret holding the CA and the serving
// certificate current (created when missing, the serving certificate re-issued before it expires or when the
// Service names change, everything regenerated when the CA is unusable), serves what the Secret holds, and keeps
// the CA in the caBundle of both webhook configurations. Replicas race safely: writes carry the resourceVersion
// read, a 409 means another replica wrote first, and its material is then used.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "operator/controllers/clock.h"
#include "operator/kube/kube_client.h"
#include "operator/webhooks/serving_certificate.h"

namespace warden::op {

struct WebhookCertKeeperOptions {
  std::string secretNamespace;  // the operator's namespace
  std::string secretName = "mcp-warden-webhook-tls";
  std::string mutatingConfig = "mcp-warden-injector";      // "" : none to patch
  std::string validatingConfig = "mcp-warden-validator";  // "" : none to patch
  ServingCertificateOptions certificate;
  std::chrono::milliseconds checkInterval{3'600'000};  // look again this often
  std::chrono::milliseconds retryInterval{5'000};      // after a failure
  Clock clock = systemClock();
};

class WebhookCertKeeper {
 public:
  using Options = WebhookCertKeeperOptions;
  // Called with the material to serve whenever it changes (first on the first successful sync).
  using OnCertificate = std::function<void(const ServingCertificate&)>;

  WebhookCertKeeper(KubeClientPtr client, Options options, OnCertificate onCertificate);
  ~WebhookCertKeeper();
  WebhookCertKeeper(const WebhookCertKeeper&) = delete;
  WebhookCertKeeper& operator=(const WebhookCertKeeper&) = delete;

  // One round: Secret, then caBundles. False with *error when something could not be done (the next round retries).
  bool syncOnce(std::string* error);
  void start();  // a thread running syncOnce every checkInterval (retryInterval after a failure)
  void stop();
  int writes() const { return writes_.load(); }  // API writes made (for tests: an unchanged state writes nothing)

 private:
  bool syncSecret(ServingCertificate* material, std::string* error);
  bool patchCaBundle(const ResourceType& type, const std::string& name, const std::string& caPem, std::string* error);

  KubeClientPtr client_;
  Options options_;
  OnCertificate onCertificate_;
  std::string servedCertPem_;  // the last material handed to onCertificate_
  std::atomic<int> writes_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

std::string encodeBase64(std::string_view bytes);

}  // namespace warden::op
