#include "operator/webhooks/webhook_cert_keeper.h"

#include <openssl/evp.h>

#include "operator/kube/base64.h"
#include "sidecar/common/logging.h"

namespace warden::op {
namespace {

std::optional<std::string> secretField(const nlohmann::json& secret, const char* key) {
  auto data = secret.find("data");
  if (data == secret.end() || !data->is_object()) return std::nullopt;
  auto it = data->find(key);
  if (it == data->end() || !it->is_string()) return std::nullopt;
  return decodeBase64(it->get<std::string>());
}

ServingCertificate fromSecret(const nlohmann::json& secret) {
  ServingCertificate m;
  m.caCertPem = secretField(secret, "ca.crt").value_or("");
  m.caKeyPem = secretField(secret, "ca.key").value_or("");
  m.certPem = secretField(secret, "tls.crt").value_or("");
  m.keyPem = secretField(secret, "tls.key").value_or("");
  return m;
}

nlohmann::json secretData(const ServingCertificate& m) {
  return {{"ca.crt", encodeBase64(m.caCertPem)},
          {"ca.key", encodeBase64(m.caKeyPem)},
          {"tls.crt", encodeBase64(m.certPem)},
          {"tls.key", encodeBase64(m.keyPem)}};
}

}  // namespace

std::string encodeBase64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
  return out;
}

WebhookCertKeeper::WebhookCertKeeper(KubeClientPtr client, Options options, OnCertificate onCertificate)
    : client_(std::move(client)), options_(std::move(options)), onCertificate_(std::move(onCertificate)) {
  if (!client_) throw std::invalid_argument("WebhookCertKeeper needs a client");
  if (options_.secretNamespace.empty() || options_.secretName.empty())
    throw std::invalid_argument("WebhookCertKeeper needs the Secret's namespace and name");
  if (options_.certificate.hosts.empty()) throw std::invalid_argument("WebhookCertKeeper needs at least one host");
}

WebhookCertKeeper::~WebhookCertKeeper() { stop(); }

bool WebhookCertKeeper::syncSecret(ServingCertificate* material, std::string* error) {
  const ResourceType& secrets = resources::secrets();
  const auto now = options_.clock();
  // Two attempts: a 409 (another replica wrote first) is followed by one more read, which then finds its material.
  for (int attempt = 0; attempt < 2; ++attempt) {
    ApiResult got = client_->get(secrets, options_.secretNamespace, options_.secretName);
    if (!got.ok() && !got.notFound()) {
      *error = "reading Secret " + options_.secretNamespace + "/" + options_.secretName + ": " + got.error;
      return false;
    }
    ServingCertificate current = got.ok() ? fromSecret(got.body) : ServingCertificate{};
    std::string reason = "the Secret does not exist";
    CertificateState state = got.ok() ? checkServingCertificate(current, options_.certificate, now, &reason)
                                      : CertificateState::Regenerate;
    if (state == CertificateState::Valid) {
      *material = std::move(current);
      return true;
    }
    std::string why;
    auto fresh = state == CertificateState::RenewCert
                     ? renewServingCertificate(current, options_.certificate, now, &why)
                     : generateServingCertificate(options_.certificate, now, &why);
    if (!fresh) {
      *error = "cannot make the webhook certificate: " + why;
      return false;
    }
    sidecar::logInfo(state == CertificateState::RenewCert ? "renewing the webhook serving certificate"
                                                          : "generating the webhook CA and serving certificate",
                     {{"secret", options_.secretNamespace + "/" + options_.secretName}, {"reason", reason}});
    ApiResult written;
    if (got.ok()) {
      nlohmann::json secret = got.body;
      secret["data"] = secretData(*fresh);
      written = client_->update(secrets, options_.secretNamespace, options_.secretName, secret);
    } else {
      nlohmann::json secret = {{"apiVersion", "v1"},
                               {"kind", "Secret"},
                               {"metadata",
                                {{"name", options_.secretName},
                                 {"namespace", options_.secretNamespace},
                                 {"labels", {{"app.kubernetes.io/managed-by", "mcp-warden"}}}}},
                               {"type", "Opaque"},
                               {"data", secretData(*fresh)}};
      written = client_->create(secrets, options_.secretNamespace, secret);
    }
    ++writes_;
    if (written.ok()) {
      *material = std::move(*fresh);
      return true;
    }
    if (!written.conflict()) {
      *error = "writing Secret " + options_.secretNamespace + "/" + options_.secretName + ": " + written.error;
      return false;
    }
  }
  *error = "Secret " + options_.secretName + " keeps changing under us";
  return false;
}

bool WebhookCertKeeper::patchCaBundle(const ResourceType& type, const std::string& name, const std::string& caPem,
                                      std::string* error) {
  if (name.empty()) return true;
  ApiResult got = client_->get(type, "", name);
  if (got.notFound()) {
    // Not installed (yet): nothing to keep; the next round looks again.
    sidecar::logDebug("webhook configuration not found", {{"kind", type.kind}, {"name", name}});
    return true;
  }
  if (!got.ok()) {
    *error = "reading " + type.kind + " " + name + ": " + got.error;
    return false;
  }
  const std::string bundle = encodeBase64(caPem);
  nlohmann::json config = got.body;
  bool changed = false;
  if (config.contains("webhooks") && config["webhooks"].is_array()) {
    for (auto& webhook : config["webhooks"]) {
      auto& clientConfig = webhook["clientConfig"];
      if (clientConfig.value("caBundle", std::string()) != bundle) {
        clientConfig["caBundle"] = bundle;
        changed = true;
      }
    }
  }
  if (!changed) return true;
  ++writes_;
  ApiResult written = client_->update(type, "", name, config);  // resourceVersion precondition: 409 retries later
  if (!written.ok()) {
    *error = "patching the caBundle of " + type.kind + " " + name + ": " + written.error;
    return false;
  }
  sidecar::logInfo("caBundle updated", {{"kind", type.kind}, {"name", name}});
  return true;
}

bool WebhookCertKeeper::syncOnce(std::string* error) {
  ServingCertificate material;
  if (!syncSecret(&material, error)) return false;
  if (material.certPem != servedCertPem_) {
    onCertificate_(material);
    servedCertPem_ = material.certPem;
  }
  return patchCaBundle(resources::mutatingWebhookConfigurations(), options_.mutatingConfig, material.caCertPem,
                       error) &&
         patchCaBundle(resources::validatingWebhookConfigurations(), options_.validatingConfig, material.caCertPem,
                       error);
}

void WebhookCertKeeper::start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      std::string error;
      bool ok = false;
      try {
        ok = syncOnce(&error);
      } catch (const std::exception& e) {
        error = e.what();
      }
      if (!ok) sidecar::logWarn("webhook certificate sync failed; retrying", {{"error", error}});
      lock.lock();
      cv_.wait_for(lock, ok ? options_.checkInterval : options_.retryInterval, [this] { return stopping_; });
    }
  });
}

void WebhookCertKeeper::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace warden::op
