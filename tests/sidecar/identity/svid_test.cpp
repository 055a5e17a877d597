#include "sidecar/identity/svid.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/pem.h>

#include "identity_test_util.h"
#include "sidecar/identity/dev_ca.h"

namespace warden::sidecar {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::issue;
using testing::issueWith;
using testing::makeCa;

class SvidTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new DevCa(makeCa("example.org"));
    std::string error;
    auto intermediate = root_->issueIntermediate(12h, &error);
    ASSERT_TRUE(intermediate) << error;
    intermediate_ = new DevCa(std::move(*intermediate));
  }
  static void TearDownTestSuite() {
    delete intermediate_;
    delete root_;
  }
  static DevCa* root_;
  static DevCa* intermediate_;
};
DevCa* SvidTest::root_ = nullptr;
DevCa* SvidTest::intermediate_ = nullptr;

std::string traditionalEcPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey_traditional(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  return bioContents(bio.get());
}

TEST_F(SvidTest, DerChainRoundTrip) {
  const X509Svid svid = issue(*intermediate_, "spiffe://example.org/a");
  ASSERT_EQ(svid.chain.size(), 2u);
  const std::string der = certificatesToDer(svid.chain);
  ASSERT_FALSE(der.empty());
  std::string error;
  auto parsed = parseDerCertificates(der, &error);
  ASSERT_TRUE(parsed) << error;
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ(X509_cmp((*parsed)[0].get(), svid.chain[0].get()), 0);
  EXPECT_EQ(X509_cmp((*parsed)[1].get(), svid.chain[1].get()), 0);
  EXPECT_EQ(certificatesToDer(*parsed), der);
}

TEST_F(SvidTest, PemChainRoundTrip) {
  const X509Svid svid = issue(*intermediate_, "spiffe://example.org/a");
  const std::string pem = certificatesToPem(svid.chain);
  EXPECT_TRUE(pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
  std::string error;
  auto parsed = parsePemCertificates(pem, &error);
  ASSERT_TRUE(parsed) << error;
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ(certificatesToPem(*parsed), pem);
  EXPECT_EQ(certificatesToDer(*parsed), certificatesToDer(svid.chain));
}

TEST_F(SvidTest, PemAllowsTextAroundBlocks) {
  const X509Svid svid = issue(*root_, "spiffe://example.org/a");
  const std::string pem = "subject=O = something\n" + certificatesToPem(svid.chain) + "trailing notes\n";
  std::string error;
  auto parsed = parsePemCertificates(pem, &error);
  ASSERT_TRUE(parsed) << error;
  EXPECT_EQ(parsed->size(), 1u);
}

TEST_F(SvidTest, KeyRoundTrips) {
  const X509Svid svid = issue(*root_, "spiffe://example.org/a");
  const std::string der = privateKeyToPkcs8Der(svid.privateKey.get());
  std::string error;
  EvpPkeyPtr fromDer = parsePkcs8DerKey(der, &error);
  ASSERT_TRUE(fromDer) << error;
  EXPECT_EQ(EVP_PKEY_eq(fromDer.get(), svid.privateKey.get()), 1);

  const std::string pem = privateKeyToPem(svid.privateKey.get());
  EXPECT_TRUE(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));  // PKCS#8
  EvpPkeyPtr fromPem = parsePemPrivateKey(pem, &error);
  ASSERT_TRUE(fromPem) << error;
  EXPECT_EQ(EVP_PKEY_eq(fromPem.get(), svid.privateKey.get()), 1);
  EXPECT_EQ(privateKeyToPkcs8Der(fromPem.get()), der);
}

TEST_F(SvidTest, TraditionalEcKeysAndEcParametersAreRead) {
  const X509Svid svid = issue(*root_, "spiffe://example.org/a");
  const std::string traditional = traditionalEcPem(svid.privateKey.get());
  ASSERT_TRUE(traditional.starts_with("-----BEGIN EC PRIVATE KEY-----")) << traditional;
  std::string error;
  EvpPkeyPtr key = parsePemPrivateKey(traditional, &error);
  ASSERT_TRUE(key) << error;
  EXPECT_EQ(EVP_PKEY_eq(key.get(), svid.privateKey.get()), 1);
  // `openssl ecparam -genkey` output: parameters first.
  const std::string withParams = "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" +
                                 traditional;
  key = parsePemPrivateKey(withParams, &error);
  ASSERT_TRUE(key) << error;
  EXPECT_EQ(EVP_PKEY_eq(key.get(), svid.privateKey.get()), 1);
}

TEST_F(SvidTest, DerGarbageIsRefused) {
  std::string error;
  EXPECT_FALSE(parseDerCertificates("", &error));
  EXPECT_THAT(error, HasSubstr("empty DER"));
  EXPECT_FALSE(parseDerCertificates("not a certificate", &error));
  EXPECT_THAT(error, HasSubstr("DER certificate 1 does not parse"));
  const X509Svid svid = issue(*root_, "spiffe://example.org/a");
  const std::string der = certificatesToDer(svid.chain);
  EXPECT_FALSE(parseDerCertificates(der + "\x30\x03junk", &error));
  EXPECT_THAT(error, HasSubstr("DER certificate 2 does not parse"));
  EXPECT_FALSE(parseDerCertificates(der.substr(0, der.size() - 1), &error));
  EXPECT_THAT(error, HasSubstr("DER certificate 1 does not parse"));
  EXPECT_FALSE(parsePkcs8DerKey("", &error));
  EXPECT_FALSE(parsePkcs8DerKey(der, &error));  // a certificate is not a key
  EXPECT_THAT(error, HasSubstr("not a PKCS#8 PrivateKeyInfo"));
}

TEST_F(SvidTest, PemGarbageIsRefused) {
  const X509Svid svid = issue(*root_, "spiffe://example.org/a");
  const std::string pem = certificatesToPem(svid.chain);
  std::string error;
  EXPECT_FALSE(parsePemCertificates("", &error));
  EXPECT_THAT(error, HasSubstr("no PEM certificate found"));
  EXPECT_FALSE(parsePemCertificates("hello\nworld\n", &error));
  EXPECT_THAT(error, HasSubstr("no PEM certificate found"));
  // Half-written: the END line is missing.
  EXPECT_FALSE(parsePemCertificates(pem.substr(0, pem.size() / 2), &error));
  EXPECT_THAT(error, HasSubstr("PEM block 1 is malformed or truncated"));
  // A key where certificates belong.
  EXPECT_FALSE(parsePemCertificates(pem + privateKeyToPem(svid.privateKey.get()), &error));
  EXPECT_THAT(error, HasSubstr("PEM block 2 is a \"PRIVATE KEY\", not a \"CERTIFICATE\""));
  // Valid base64 that is not a certificate.
  EXPECT_FALSE(parsePemCertificates("-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n", &error));
  EXPECT_THAT(error, HasSubstr("PEM block 1 is not a valid X.509 certificate"));
}

TEST_F(SvidTest, PemKeyProblemsAreNamed) {
  const X509Svid svid = issue(*root_, "spiffe://example.org/a");
  const X509Svid other = issue(*root_, "spiffe://example.org/b");
  const std::string key = privateKeyToPem(svid.privateKey.get());
  std::string error;
  EXPECT_FALSE(parsePemPrivateKey("", &error));
  EXPECT_THAT(error, HasSubstr("no PEM private key found"));
  EXPECT_FALSE(parsePemPrivateKey(certificatesToPem(svid.chain), &error));
  EXPECT_THAT(error, HasSubstr("\"CERTIFICATE\" is not a private key"));
  EXPECT_FALSE(parsePemPrivateKey(key + privateKeyToPem(other.privateKey.get()), &error));
  EXPECT_THAT(error, HasSubstr("more than one private key"));
  EXPECT_FALSE(parsePemPrivateKey(key.substr(0, key.size() - 20), &error));
  EXPECT_THAT(error, HasSubstr("malformed or truncated"));

  BioPtr bio(BIO_new(BIO_s_mem()));
  char passphrase[] = "secret";
  ASSERT_EQ(PEM_write_bio_PKCS8PrivateKey(bio.get(), svid.privateKey.get(), EVP_aes_256_cbc(), passphrase, 6,
                                          nullptr, nullptr),
            1);
  EXPECT_FALSE(parsePemPrivateKey(bioContents(bio.get()), &error));  // never prompts
  EXPECT_THAT(error, HasSubstr("encrypted"));
}

TEST_F(SvidTest, MakeSvidAcceptsAMatchingChainAndKey) {
  X509Svid issued = issue(*intermediate_, "spiffe://example.org/ns/a/sa/b");
  std::string error;
  auto svid = makeSvid(std::move(issued.chain), std::move(issued.privateKey), &error);
  ASSERT_TRUE(svid) << error;
  EXPECT_EQ(svid->spiffeId, "spiffe://example.org/ns/a/sa/b");
  EXPECT_EQ(svid->chain.size(), 2u);
  EXPECT_EQ(svid->notAfter, issued.notAfter);
  const auto expected = std::chrono::system_clock::now() + 1h;
  EXPECT_LE(svid->notAfter, expected);
  EXPECT_GT(svid->notAfter, expected - 1min);
}

TEST_F(SvidTest, MakeSvidRefusesAKeyOfAnotherCertificate) {
  X509Svid a = issue(*root_, "spiffe://example.org/a");
  X509Svid b = issue(*root_, "spiffe://example.org/b");
  std::string error;
  EXPECT_FALSE(makeSvid(std::move(a.chain), std::move(b.privateKey), &error));
  EXPECT_THAT(error, HasSubstr("private key does not match the SVID leaf certificate spiffe://example.org/a"));
}

TEST_F(SvidTest, MakeSvidRefusesWhatIsNotAnSvid) {
  std::string error;
  X509Svid a = issue(*root_, "spiffe://example.org/a");
  EXPECT_FALSE(makeSvid({}, std::move(a.privateKey), &error));
  EXPECT_THAT(error, HasSubstr("chain is empty"));
  EXPECT_FALSE(makeSvid(std::move(a.chain), nullptr, &error));
  EXPECT_THAT(error, HasSubstr("no private key"));

  SvidOptions ca;
  ca.uriSans = {"spiffe://example.org/a"};
  ca.isCa = true;
  X509Svid caLeaf = issueWith(*root_, ca);
  EXPECT_FALSE(makeSvid(std::move(caLeaf.chain), std::move(caLeaf.privateKey), &error));
  EXPECT_EQ(error, "SVID leaf is not an X509-SVID: leaf certificate is a CA");

  SvidOptions rootPath;
  rootPath.uriSans = {"spiffe://example.org"};
  X509Svid rootLeaf = issueWith(*root_, rootPath);
  EXPECT_FALSE(makeSvid(std::move(rootLeaf.chain), std::move(rootLeaf.privateKey), &error));
  EXPECT_THAT(error, HasSubstr("has no path"));
}

TEST_F(SvidTest, SameSnapshotComparesBytesNotObjects) {
  X509Svid svid = issue(*intermediate_, "spiffe://example.org/a");
  IdentitySnapshot a{copySvid(svid), root_->bundle(), "file:/a"};
  // The same bytes in new objects, and another source label.
  std::string error;
  auto chain = parseDerCertificates(certificatesToDer(svid.chain), &error);
  ASSERT_TRUE(chain) << error;
  auto key = parsePkcs8DerKey(privateKeyToPkcs8Der(svid.privateKey.get()), &error);
  ASSERT_TRUE(key) << error;
  auto reparsed = makeSvid(std::move(*chain), std::move(key), &error);
  ASSERT_TRUE(reparsed) << error;
  IdentitySnapshot b{std::move(*reparsed), copyBundles(a.bundles), "workload-api"};
  EXPECT_TRUE(sameSnapshot(a, b));
  EXPECT_TRUE(sameSnapshot(a, a));

  IdentitySnapshot otherSvid{issue(*intermediate_, "spiffe://example.org/a"), copyBundles(a.bundles), ""};
  EXPECT_FALSE(sameSnapshot(a, otherSvid));

  IdentitySnapshot federated{copySvid(svid), copyBundles(a.bundles), ""};
  federated.bundles.merge(makeCa("other.org").bundle());
  EXPECT_FALSE(sameSnapshot(a, federated));

  IdentitySnapshot otherRoot{copySvid(svid), makeCa("example.org").bundle(), ""};
  EXPECT_FALSE(sameSnapshot(a, otherRoot));

  // Same certificates, another key (only possible when assembled by hand).
  IdentitySnapshot otherKey{copySvid(svid), copyBundles(a.bundles), ""};
  otherKey.svid.privateKey = std::move(issue(*root_, "spiffe://example.org/b").privateKey);
  EXPECT_FALSE(sameSnapshot(a, otherKey));
}

}  // namespace
}  // namespace warden::sidecar
