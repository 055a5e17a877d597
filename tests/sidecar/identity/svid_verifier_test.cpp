#include "sidecar/identity/svid_verifier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "identity_test_util.h"
#include "sidecar/identity/x509_time.h"

namespace warden::sidecar {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing::intermediatesOf;
using testing::issue;
using testing::issueWith;
using testing::makeCa;

using Clock = std::chrono::system_clock;

class SvidVerifierTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    example_ = new DevCa(makeCa("example.org"));
    partner_ = new DevCa(makeCa("partner.org"));
    std::string error;
    auto intermediate = example_->issueIntermediate(12h, &error);
    ASSERT_TRUE(intermediate) << error;
    intermediate_ = new DevCa(std::move(*intermediate));
  }
  static void TearDownTestSuite() {
    delete intermediate_;
    delete partner_;
    delete example_;
  }

  // example.org's bundle, and partner.org's as a federated one.
  static TrustBundles bothBundles() {
    TrustBundles bundles = example_->bundle();
    bundles.merge(partner_->bundle());
    return bundles;
  }
  static PeerVerification verify(const X509Svid& svid, const TrustBundles& bundles, Clock::time_point now = Clock::now()) {
    return verifyPeerSvid(svid.chain.front().get(), intermediatesOf(svid), bundles, now);
  }
  static SvidOptions options(std::vector<std::string> uris) {
    SvidOptions o;
    o.uriSans = std::move(uris);
    return o;
  }

  static DevCa* example_;
  static DevCa* partner_;
  static DevCa* intermediate_;
};
DevCa* SvidVerifierTest::example_ = nullptr;
DevCa* SvidVerifierTest::partner_ = nullptr;
DevCa* SvidVerifierTest::intermediate_ = nullptr;

TEST_F(SvidVerifierTest, AcceptsAnSvidIssuedByTheRoot) {
  const X509Svid svid = issue(*example_, "spiffe://example.org/ns/agents/sa/editor");
  const auto result = verify(svid, bothBundles());
  EXPECT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.spiffeId, "spiffe://example.org/ns/agents/sa/editor");
  EXPECT_EQ(result.error, "");
}

TEST_F(SvidVerifierTest, AcceptsAnSvidThroughAnIntermediateThePeerSends) {
  const X509Svid svid = issue(*intermediate_, "spiffe://example.org/agent");
  ASSERT_EQ(svid.chain.size(), 2u);
  const auto result = verify(svid, example_->bundle());
  EXPECT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.spiffeId, "spiffe://example.org/agent");
}

TEST_F(SvidVerifierTest, RefusesAnSvidWhoseIntermediateIsNotSent) {
  const X509Svid svid = issue(*intermediate_, "spiffe://example.org/agent");
  const auto result = verifyPeerSvid(svid.chain.front().get(), {}, example_->bundle(), Clock::now());
  EXPECT_FALSE(result.ok);
  EXPECT_THAT(result.error, StartsWith("chain does not verify against the bundle of \"example.org\": "));
  EXPECT_THAT(result.error, HasSubstr("unable to get local issuer certificate"));
  EXPECT_EQ(result.spiffeId, "");
}

TEST_F(SvidVerifierTest, ABundleMayHoldIntermediateAuthorities) {
  // SPIFFE bundles are sets of authorities: any of them is a trust anchor (go-spiffe behaves the same).
  const X509Svid svid = issue(*intermediate_, "spiffe://example.org/agent");
  TrustBundles bundles;
  bundles["example.org"].push_back(upRef(intermediate_->certificate()));
  const auto result = verifyPeerSvid(svid.chain.front().get(), {}, bundles, Clock::now());
  EXPECT_TRUE(result.ok) << result.error;
}

TEST_F(SvidVerifierTest, NoCertificate) {
  const auto result = verifyPeerSvid(nullptr, {}, bothBundles(), Clock::now());
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.error, "no client certificate");
}

TEST_F(SvidVerifierTest, TwoUriSans) {
  const auto svid = issueWith(*example_, options({"spiffe://example.org/a", "spiffe://example.org/b"}));
  EXPECT_EQ(verify(svid, bothBundles()).error, "certificate has 2 URI SANs (an X509-SVID has exactly one)");
}

TEST_F(SvidVerifierTest, NoUriSan) {
  SvidOptions o = options({});
  o.dnsNames = {"agent.example.org"};
  const auto svid = issueWith(*example_, o);
  EXPECT_EQ(verify(svid, bothBundles()).error, "certificate has no URI SAN (an X509-SVID has exactly one)");
  const auto bare = issueWith(*example_, options({}));  // no subjectAltName extension at all
  EXPECT_EQ(verify(bare, bothBundles()).error, "certificate has no URI SAN (an X509-SVID has exactly one)");
}

TEST_F(SvidVerifierTest, UriSanThatIsNotASpiffeId) {
  EXPECT_EQ(verify(issueWith(*example_, options({"https://x"})), bothBundles()).error,
            "URI SAN \"https://x\" is not a SPIFFE ID: SPIFFE ID must start with \"spiffe://\"");
  EXPECT_THAT(verify(issueWith(*example_, options({"spiffe://Example.org/a"})), bothBundles()).error,
              StartsWith("URI SAN \"spiffe://Example.org/a\" is not a SPIFFE ID: trust domain contains"));
  EXPECT_THAT(verify(issueWith(*example_, options({"spiffe://example.org/a/../b"})), bothBundles()).error,
              StartsWith("URI SAN \"spiffe://example.org/a/../b\" is not a SPIFFE ID: path segment"));
  // Control characters in a hostile SAN are escaped, never copied into the log line.
  EXPECT_EQ(verify(issueWith(*example_, options({"spiffe://example.org/a\nb"})), bothBundles()).error,
            "URI SAN \"spiffe://example.org/a\\nb\" is not a SPIFFE ID: path segment contains an invalid character "
            "byte 0x0a");
}

TEST_F(SvidVerifierTest, LeafWithoutAPath) {
  EXPECT_EQ(verify(issueWith(*example_, options({"spiffe://example.org"})), bothBundles()).error,
            "SPIFFE ID \"spiffe://example.org\" has no path (a leaf X509-SVID names a workload, not a trust domain)");
}

TEST_F(SvidVerifierTest, LeafThatIsACa) {
  SvidOptions o = options({"spiffe://example.org/a"});
  o.isCa = true;
  EXPECT_EQ(verify(issueWith(*example_, o), bothBundles()).error, "leaf certificate is a CA");
}

TEST_F(SvidVerifierTest, LeafThatMaySignCertificates) {
  SvidOptions o = options({"spiffe://example.org/a"});
  o.keyCertSign = true;
  EXPECT_EQ(verify(issueWith(*example_, o), bothBundles()).error,
            "leaf certificate may sign certificates (keyCertSign)");
}

TEST_F(SvidVerifierTest, LeafThatMaySignCrls) {
  SvidOptions o = options({"spiffe://example.org/a"});
  o.cRLSign = true;
  EXPECT_EQ(verify(issueWith(*example_, o), bothBundles()).error, "leaf certificate may sign CRLs (cRLSign)");
}

TEST_F(SvidVerifierTest, LeafWithoutDigitalSignature) {
  SvidOptions o = options({"spiffe://example.org/a"});
  o.digitalSignature = false;
  EXPECT_EQ(verify(issueWith(*example_, o), bothBundles()).error,
            "leaf certificate has no keyUsage extension (an X509-SVID leaf needs digitalSignature)");
}

TEST_F(SvidVerifierTest, UnknownTrustDomain) {
  const X509Svid svid = issue(makeCa("other.org"), "spiffe://other.org/a");
  EXPECT_EQ(verify(svid, bothBundles()).error, "unknown trust domain \"other.org\"");
}

TEST_F(SvidVerifierTest, ABundleNeverVouchesForAnotherTrustDomain) {
  // partner.org's CA signs a certificate claiming an example.org identity.
  const auto forged = issueWith(*partner_, options({"spiffe://example.org/admin"}));
  // Even when partner.org's bundle is the only one there is...
  EXPECT_EQ(verify(forged, partner_->bundle()).error, "unknown trust domain \"example.org\"");
  // ...and when both are present, only example.org's is consulted.
  const auto result = verify(forged, bothBundles());
  EXPECT_FALSE(result.ok);
  EXPECT_THAT(result.error, StartsWith("chain does not verify against the bundle of \"example.org\": "));
}

TEST_F(SvidVerifierTest, AFederatedBundleVerifiesItsOwnDomain) {
  const X509Svid partnerAgent = issue(*partner_, "spiffe://partner.org/agent");
  const auto result = verify(partnerAgent, bothBundles());
  EXPECT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.spiffeId, "spiffe://partner.org/agent");
  // Without the federated bundle the same SVID is unknown.
  EXPECT_EQ(verify(partnerAgent, example_->bundle()).error, "unknown trust domain \"partner.org\"");
}

TEST_F(SvidVerifierTest, AnotherCaOfTheSameTrustDomainIsNotTrusted) {
  const DevCa impostor = makeCa("example.org");
  const X509Svid svid = issue(impostor, "spiffe://example.org/a");
  const auto result = verify(svid, bothBundles());
  EXPECT_FALSE(result.ok);
  EXPECT_THAT(result.error, StartsWith("chain does not verify against the bundle of \"example.org\": "));
}

TEST_F(SvidVerifierTest, IntermediatesFromThePeerAreNotAnchors) {
  // The peer sends its own root along: it must not become trusted.
  const DevCa impostor = makeCa("example.org");
  const X509Svid svid = issue(impostor, "spiffe://example.org/a");
  const auto result =
      verifyPeerSvid(svid.chain.front().get(), {impostor.certificate()}, bothBundles(), Clock::now());
  EXPECT_FALSE(result.ok);
  EXPECT_THAT(result.error, StartsWith("chain does not verify against the bundle of \"example.org\": "));
}

TEST_F(SvidVerifierTest, ExpiredAtNow) {
  const X509Svid svid = issue(*example_, "spiffe://example.org/a");
  // OpenSSL's rule, for the leaf as for the rest of the chain: valid before notAfter, not at it.
  EXPECT_TRUE(verify(svid, bothBundles(), svid.notAfter - 1s).ok);
  EXPECT_EQ(verify(svid, bothBundles(), svid.notAfter).error,
            "certificate expired at " + formatUtc(svid.notAfter));
  EXPECT_THAT(verify(svid, bothBundles(), Clock::now() + 2h).error, StartsWith("certificate expired at 20"));
}

TEST_F(SvidVerifierTest, NotYetValidAtNow) {
  SvidOptions o = options({"spiffe://example.org/a"});
  o.notBefore = Clock::now() + 10min;
  o.notAfter = Clock::now() + 1h;
  const auto svid = issueWith(*example_, o);
  const auto notBefore = std::chrono::floor<std::chrono::seconds>(o.notBefore);
  EXPECT_EQ(verify(svid, bothBundles()).error, "certificate not valid before " + formatUtc(notBefore));
  EXPECT_TRUE(verify(svid, bothBundles(), notBefore).ok);
  EXPECT_FALSE(verify(svid, bothBundles(), notBefore - 1s).ok);
}

TEST_F(SvidVerifierTest, AnExpiredIntermediateFailsTheChain) {
  std::string error;
  auto shortLived = example_->issueIntermediate(1h, &error);
  ASSERT_TRUE(shortLived) << error;
  SvidOptions o = options({"spiffe://example.org/a"});
  o.notAfter = Clock::now() + 3h;  // outlives its issuer
  const auto svid = issueWith(*shortLived, o);
  EXPECT_TRUE(verify(svid, bothBundles()).ok);
  const auto result = verify(svid, bothBundles(), Clock::now() + 2h);
  EXPECT_EQ(result.error.rfind("chain does not verify against the bundle of \"example.org\": certificate has expired "
                               "at depth 1",
                               0),
            0u)
      << result.error;
}

TEST_F(SvidVerifierTest, VerifierTakesAnOpensslStack) {
  const PeerVerifier verifier(bothBundles());
  const X509Svid svid = issue(*intermediate_, "spiffe://example.org/a");
  STACK_OF(X509)* stack = sk_X509_new_null();
  ASSERT_NE(stack, nullptr);
  sk_X509_push(stack, svid.chain[1].get());
  const auto withStack = verifier.verify(svid.chain.front().get(), stack, Clock::now());
  sk_X509_free(stack);
  EXPECT_TRUE(withStack.ok) << withStack.error;
  STACK_OF(X509)* none = nullptr;
  EXPECT_FALSE(verifier.verify(svid.chain.front().get(), none, Clock::now()).ok);
  EXPECT_EQ(verifier.trustDomains(), (std::vector<std::string>{"example.org", "partner.org"}));
}

TEST_F(SvidVerifierTest, AnEmptyBundleVerifiesNobody) {
  TrustBundles bundles;
  bundles["example.org"];
  const PeerVerifier verifier(bundles);
  EXPECT_TRUE(verifier.trustDomains().empty());
  ASSERT_EQ(verifier.buildErrors().size(), 1u);
  const X509Svid svid = issue(*example_, "spiffe://example.org/a");
  EXPECT_EQ(verifier.verify(svid.chain.front().get(), std::vector<X509*>{}, Clock::now()).error,
            "the bundle of \"example.org\" is unusable: the bundle has no authorities");
}

TEST_F(SvidVerifierTest, OneVerifierServesManyThreads) {
  const PeerVerifier verifier(bothBundles());
  const X509Svid good = issue(*intermediate_, "spiffe://example.org/a");
  const X509Svid partner = issue(*partner_, "spiffe://partner.org/b");
  const X509Svid bad = issue(makeCa("example.org"), "spiffe://example.org/c");
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        const auto now = Clock::now();
        if (!verifier.verify(good.chain[0].get(), intermediatesOf(good), now).ok) ++failures;
        if (!verifier.verify(partner.chain[0].get(), intermediatesOf(partner), now).ok) ++failures;
        if (verifier.verify(bad.chain[0].get(), intermediatesOf(bad), now).ok) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST_F(SvidVerifierTest, SpiffeIdOfASigningCertificate) {
  std::string error;
  EXPECT_EQ(spiffeIdOfCertificate(example_->certificate(), &error).value_or(error), "spiffe://example.org");
  EXPECT_EQ(spiffeIdOfCertificate(intermediate_->certificate(), &error).value_or(error), "spiffe://example.org");
  EXPECT_FALSE(spiffeIdOfCertificate(nullptr, &error));
}

}  // namespace
}  // namespace warden::sidecar
