// WebhookCertKeeper against the in-test API server double: the Secret is created once and reused, the caBundle of
// both webhook configurations is the Secret's CA, nothing is written when nothing changed, the serving
// certificate is re-issued from the same CA before it expires, and a broken Secret is regenerated.
#include "operator/webhooks/webhook_cert_keeper.h"

#include <gtest/gtest.h>

#include "operator/kube/base64.h"
#include "tests/operator/api_server_double.h"

namespace warden::op {
namespace {

using testing::ApiServerDouble;

nlohmann::json webhookConfig(const ResourceType& type, const std::string& name) {
  return {{"apiVersion", type.apiVersion()},
          {"kind", type.kind},
          {"metadata", {{"name", name}}},
          {"webhooks",
           {{{"name", "a.mcpwarden.io"}, {"clientConfig", {{"url", "https://127.0.0.1:9443/a"}}}},
            {{"name", "b.mcpwarden.io"}, {"clientConfig", {{"url", "https://127.0.0.1:9443/b"}}}}}}};
}

class WebhookCertKeeperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    api_ = std::make_shared<ApiServerDouble>();
    ASSERT_TRUE(api_->create(resources::mutatingWebhookConfigurations(), "",
                             webhookConfig(resources::mutatingWebhookConfigurations(), "mcp-warden-injector"))
                    .ok());
    ASSERT_TRUE(api_->create(resources::validatingWebhookConfigurations(), "",
                             webhookConfig(resources::validatingWebhookConfigurations(), "mcp-warden-validator"))
                    .ok());
  }

  std::unique_ptr<WebhookCertKeeper> keeper(std::chrono::system_clock::time_point* now) {
    WebhookCertKeeperOptions options;
    options.secretNamespace = "mcp-warden-system";
    options.certificate.hosts = {"mcp-warden-webhook.mcp-warden-system.svc", "127.0.0.1"};
    options.clock = [now] { return *now; };
    return std::make_unique<WebhookCertKeeper>(api_, options, [this](const ServingCertificate& m) {
      served_.push_back(m);
    });
  }

  std::string secretField(const char* key) {
    auto secret = api_->peek(resources::secrets(), "mcp-warden-system", "mcp-warden-webhook-tls");
    if (!secret) return "";
    return decodeBase64((*secret)["data"][key].get<std::string>()).value_or("");
  }
  std::vector<std::string> bundles(const ResourceType& type, const std::string& name) {
    std::vector<std::string> out;
    auto config = api_->peek(type, "", name);
    for (const auto& w : (*config)["webhooks"]) out.push_back(decodeBase64(w["clientConfig"]["caBundle"].get<std::string>()).value_or("?"));
    return out;
  }

  std::shared_ptr<ApiServerDouble> api_;
  std::vector<ServingCertificate> served_;
};

TEST_F(WebhookCertKeeperTest, CreatesTheSecretPatchesBothCaBundlesAndThenWritesNothing) {
  auto now = std::chrono::system_clock::now();
  auto k = keeper(&now);
  std::string error;
  ASSERT_TRUE(k->syncOnce(&error)) << error;
  const std::string ca = secretField("ca.crt");
  ASSERT_NE(ca.find("BEGIN CERTIFICATE"), std::string::npos);
  ASSERT_EQ(served_.size(), 1u);
  EXPECT_EQ(served_[0].certPem, secretField("tls.crt"));
  EXPECT_EQ(bundles(resources::mutatingWebhookConfigurations(), "mcp-warden-injector"),
            (std::vector<std::string>{ca, ca}));
  EXPECT_EQ(bundles(resources::validatingWebhookConfigurations(), "mcp-warden-validator"),
            (std::vector<std::string>{ca, ca}));
  std::string reason;
  EXPECT_EQ(checkServingCertificate(served_[0], {.hosts = {"mcp-warden-webhook.mcp-warden-system.svc", "127.0.0.1"}},
                                    now, &reason),
            CertificateState::Valid)
      << reason;

  const int writes = k->writes();
  ASSERT_TRUE(k->syncOnce(&error)) << error;
  EXPECT_EQ(k->writes(), writes) << "nothing changed, nothing written";
  EXPECT_EQ(served_.size(), 1u);
}

TEST_F(WebhookCertKeeperTest, ASecondReplicaUsesTheSecretTheFirstOneWrote) {
  auto now = std::chrono::system_clock::now();
  auto first = keeper(&now);
  std::string error;
  ASSERT_TRUE(first->syncOnce(&error)) << error;
  auto second = keeper(&now);
  ASSERT_TRUE(second->syncOnce(&error)) << error;
  EXPECT_EQ(second->writes(), 0);
  ASSERT_EQ(served_.size(), 2u);
  EXPECT_EQ(served_[0].certPem, served_[1].certPem);
}

TEST_F(WebhookCertKeeperTest, RenewsTheServingCertificateFromTheSameCaBeforeItExpires) {
  auto now = std::chrono::system_clock::now();
  auto k = keeper(&now);
  std::string error;
  ASSERT_TRUE(k->syncOnce(&error)) << error;
  const std::string ca = secretField("ca.crt");
  const std::string cert = secretField("tls.crt");
  now += std::chrono::hours(24 * 340);  // 25 days before the one-year certificate ends: within renewBefore (30 d)
  ASSERT_TRUE(k->syncOnce(&error)) << error;
  EXPECT_EQ(secretField("ca.crt"), ca) << "the CA, and so the caBundle, stays";
  EXPECT_NE(secretField("tls.crt"), cert);
  ASSERT_EQ(served_.size(), 2u);
  EXPECT_EQ(served_[1].certPem, secretField("tls.crt"));
}

TEST_F(WebhookCertKeeperTest, RegeneratesEverythingWhenTheSecretIsCorrupt) {
  auto now = std::chrono::system_clock::now();
  auto k = keeper(&now);
  std::string error;
  ASSERT_TRUE(k->syncOnce(&error)) << error;
  const std::string ca = secretField("ca.crt");
  auto secret = *api_->peek(resources::secrets(), "mcp-warden-system", "mcp-warden-webhook-tls");
  secret["data"]["ca.key"] = "bm90IGEga2V5";  // "not a key"
  ASSERT_TRUE(api_->update(resources::secrets(), "mcp-warden-system", "mcp-warden-webhook-tls", secret).ok());
  ASSERT_TRUE(k->syncOnce(&error)) << error;
  EXPECT_NE(secretField("ca.crt"), ca);
  EXPECT_EQ(bundles(resources::mutatingWebhookConfigurations(), "mcp-warden-injector")[0], secretField("ca.crt"));
}

TEST_F(WebhookCertKeeperTest, ApiFailureIsReportedAndNothingIsServed) {
  auto now = std::chrono::system_clock::now();
  auto k = keeper(&now);
  api_->startOutage(503);
  std::string error;
  EXPECT_FALSE(k->syncOnce(&error));
  EXPECT_NE(error.find("Secret"), std::string::npos) << error;
  EXPECT_TRUE(served_.empty());
  api_->endOutage();
  EXPECT_TRUE(k->syncOnce(&error)) << error;
  EXPECT_EQ(served_.size(), 1u);
}

}  // namespace
}  // namespace warden::op
