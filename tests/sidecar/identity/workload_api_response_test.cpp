#include "sidecar/identity/workload_api_response.h"

#include <gtest/gtest.h>

#include "workload_api_test_support.h"

namespace warden::sidecar {
namespace {

constexpr char kId[] = "spiffe://example.org/ns/tools/sa/files";

class WorkloadApiResponseTest : public ::testing::Test {
 protected:
  std::string rejected(const X509SVIDResponse& message) {
    std::string error;
    EXPECT_FALSE(parseX509SvidResponse(message, &error).has_value());
    return error;
  }

  DevCa ca_ = testing::makeCa("example.org");
  DevCa partner_ = testing::makeCa("partner.test");
  X509Svid svid_ = testing::issue(ca_, kId);
};

TEST_F(WorkloadApiResponseTest, ParsesTheDefaultSvidAndItsBundles) {
  auto message = testing::svidMessage(svid_, ca_, {&partner_});
  message.add_svids()->set_spiffe_id("spiffe://example.org/ignored");  // only svids[0] is this workload's default
  std::string error;
  auto update = parseX509SvidResponse(message, &error);
  ASSERT_TRUE(update.has_value()) << error;
  EXPECT_EQ(update->svid.spiffeId, kId);
  EXPECT_EQ(testing::leafDer(update->svid), testing::leafDer(svid_));
  ASSERT_EQ(update->bundles.size(), 2u);
  EXPECT_EQ(X509_cmp(update->bundles.at("example.org").front().get(), ca_.rootCertificate()), 0);
  EXPECT_EQ(X509_cmp(update->bundles.at("partner.test").front().get(), partner_.rootCertificate()), 0);
}

TEST_F(WorkloadApiResponseTest, BundleKeysMayBeBareTrustDomains) {
  auto message = testing::svidMessage(svid_, ca_);
  (*message.mutable_federated_bundles())["partner.test"] = testing::rootDer(partner_);
  std::string error;
  auto update = parseX509SvidResponse(message, &error);
  ASSERT_TRUE(update.has_value()) << error;
  EXPECT_EQ(update->bundles.count("partner.test"), 1u);
}

TEST_F(WorkloadApiResponseTest, RejectsMalformedSvidMessages) {
  EXPECT_NE(rejected(X509SVIDResponse()).find("no SVIDs"), std::string::npos);

  auto message = testing::svidMessage(svid_, ca_);
  message.mutable_svids(0)->set_x509_svid("garbage");
  EXPECT_NE(rejected(message).find("certificate chain"), std::string::npos);

  message = testing::svidMessage(svid_, ca_);
  message.mutable_svids(0)->set_x509_svid_key("garbage");
  EXPECT_NE(rejected(message).find("private key"), std::string::npos);

  message = testing::svidMessage(svid_, ca_);
  const auto other = testing::issue(ca_, kId);
  message.mutable_svids(0)->set_x509_svid_key(privateKeyToPkcs8Der(other.privateKey.get()));
  EXPECT_NE(rejected(message).find("does not match"), std::string::npos);

  message = testing::svidMessage(svid_, ca_);
  message.mutable_svids(0)->set_spiffe_id("spiffe://example.org/someone-else");
  EXPECT_NE(rejected(message).find("the certificate is for"), std::string::npos);

  message = testing::svidMessage(svid_, ca_);
  message.mutable_svids(0)->set_bundle("");
  EXPECT_NE(rejected(message).find("bundle of its trust domain"), std::string::npos);

  // A CA certificate is no X509-SVID.
  message = testing::svidMessage(svid_, ca_);
  std::vector<X509Ptr> caChain;
  caChain.push_back(upRef(ca_.certificate()));
  message.mutable_svids(0)->set_x509_svid(certificatesToDer(caChain));
  EXPECT_FALSE(rejected(message).empty());
}

TEST_F(WorkloadApiResponseTest, RejectsBadFederatedBundles) {
  auto message = testing::svidMessage(svid_, ca_);
  (*message.mutable_federated_bundles())["spiffe://partner.test"] = "garbage";
  EXPECT_NE(rejected(message).find("bundle of trust domain \"partner.test\""), std::string::npos);

  message = testing::svidMessage(svid_, ca_, {&partner_});
  (*message.mutable_federated_bundles())["partner.test"] = testing::rootDer(partner_);
  EXPECT_NE(rejected(message).find("two bundles"), std::string::npos);

  message = testing::svidMessage(svid_, ca_, {&ca_});  // the own trust domain again
  EXPECT_NE(rejected(message).find("two bundles"), std::string::npos);

  for (const char* key : {"spiffe://Partner.test", "spiffe://partner.test/path", "", "spiffe://"}) {
    message = testing::svidMessage(svid_, ca_);
    (*message.mutable_federated_bundles())[key] = testing::rootDer(partner_);
    EXPECT_NE(rejected(message).find("invalid trust domain"), std::string::npos) << key;
  }
}

TEST_F(WorkloadApiResponseTest, ParsesBundlesMessages) {
  std::string error;
  auto bundles = parseX509BundlesResponse(testing::bundlesMessage({&ca_, &partner_}), &error);
  ASSERT_TRUE(bundles.has_value()) << error;
  EXPECT_EQ(bundles->size(), 2u);
  EXPECT_EQ(X509_cmp(bundles->at("partner.test").front().get(), partner_.rootCertificate()), 0);

  EXPECT_FALSE(parseX509BundlesResponse(X509BundlesResponse(), &error).has_value());
  EXPECT_NE(error.find("no bundles"), std::string::npos) << error;

  auto bad = testing::bundlesMessage({&ca_});
  (*bad.mutable_bundles())["spiffe://partner.test"] = "";
  EXPECT_FALSE(parseX509BundlesResponse(bad, &error).has_value());
  EXPECT_NE(error.find("partner.test"), std::string::npos) << error;
}

TEST(TrustDomainFromBundleKeyTest, AcceptsBothSpellings) {
  std::string error;
  EXPECT_EQ(trustDomainFromBundleKey("example.org", &error).value_or(""), "example.org");
  EXPECT_EQ(trustDomainFromBundleKey("spiffe://example.org", &error).value_or(""), "example.org");
  EXPECT_FALSE(trustDomainFromBundleKey("https://example.org", &error).has_value());
  EXPECT_NE(error.find("invalid trust domain"), std::string::npos);
}

}  // namespace
}  // namespace warden::sidecar
