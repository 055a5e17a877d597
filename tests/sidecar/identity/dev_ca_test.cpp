#include "sidecar/identity/dev_ca.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <arpa/inet.h>

#include <set>
#include <thread>

#include "identity_test_util.h"
#include "sidecar/identity/svid_verifier.h"
#include "sidecar/identity/x509_time.h"

namespace warden::sidecar {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;
using testing::intermediatesOf;
using testing::makeCa;
using testing::TempDir;

using Clock = std::chrono::system_clock;

bool isCritical(X509* cert, int nid) {
  const int index = X509_get_ext_by_NID(cert, nid, -1);
  return index >= 0 && X509_EXTENSION_get_critical(X509_get_ext(cert, index)) == 1;
}

bool hasExtension(X509* cert, int nid) { return X509_get_ext_by_NID(cert, nid, -1) >= 0; }

// "URI:...", "DNS:...", "IP:..." for every subjectAltName entry.
std::vector<std::string> sans(X509* cert) {
  std::vector<std::string> out;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type == GEN_URI || name->type == GEN_DNS) {
      const ASN1_IA5STRING* text = name->type == GEN_URI ? name->d.uniformResourceIdentifier : name->d.dNSName;
      out.push_back(std::string(name->type == GEN_URI ? "URI:" : "DNS:") +
                    std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(text)), ASN1_STRING_length(text)));
    } else if (name->type == GEN_IPADD) {
      char buffer[INET6_ADDRSTRLEN] = {};
      const int length = ASN1_STRING_length(name->d.iPAddress);
      inet_ntop(length == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(name->d.iPAddress), buffer, sizeof buffer);
      out.push_back(std::string("IP:") + buffer);
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

std::vector<int> extendedKeyUsages(X509* cert) {
  std::vector<int> nids;
  auto* usages = static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(cert, NID_ext_key_usage, nullptr, nullptr));
  for (int i = 0; usages != nullptr && i < sk_ASN1_OBJECT_num(usages); ++i) {
    nids.push_back(OBJ_obj2nid(sk_ASN1_OBJECT_value(usages, i)));
  }
  EXTENDED_KEY_USAGE_free(usages);
  return nids;
}

bool isP256(X509* cert) {
  EVP_PKEY* key = X509_get0_pubkey(cert);
  char group[64] = {};
  std::size_t length = 0;
  return EVP_PKEY_is_a(key, "EC") == 1 &&
         EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof group, &length) == 1 &&
         std::string(group) == "prime256v1";
}

Clock::time_point notBefore(X509* cert) { return *asn1TimeToTimePoint(X509_get0_notBefore(cert)); }
Clock::time_point notAfter(X509* cert) { return *asn1TimeToTimePoint(X509_get0_notAfter(cert)); }

std::string serialHex(X509* cert) {
  BIGNUM* number = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  char* hex = BN_bn2hex(number);
  std::string text = hex;
  OPENSSL_free(hex);
  BN_free(number);
  return text;
}

int serialBits(X509* cert) {
  BIGNUM* number = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  const int bits = BN_num_bits(number);
  BN_free(number);
  return bits;
}

mode_t permissions(const std::string& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

TEST(DevCaTest, IssuesAnSvidThatVerifiesAgainstItsBundle) {
  std::string error;
  auto ca = DevCa::create("example.org", 24h, &error);
  ASSERT_TRUE(ca) << error;
  auto svid = ca->issue("spiffe://example.org/ns/tools/sa/files", {"files.tools.svc", "127.0.0.1"}, 1h, &error);
  ASSERT_TRUE(svid) << error;
  EXPECT_EQ(svid->spiffeId, "spiffe://example.org/ns/tools/sa/files");
  ASSERT_EQ(svid->chain.size(), 1u);
  const auto result = verifyPeerSvid(svid->chain.front().get(), {}, ca->bundle(), Clock::now());
  EXPECT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.spiffeId, svid->spiffeId);
}

TEST(DevCaTest, RootCertificateIsASelfSignedSpiffeCa) {
  const auto before = Clock::now();
  const DevCa ca = makeCa("example.org");
  X509* root = ca.certificate();
  EXPECT_EQ(ca.rootCertificate(), root);
  EXPECT_EQ(ca.trustDomain(), "example.org");
  EXPECT_EQ(X509_check_issued(root, root), X509_V_OK);
  EXPECT_NE(X509_get_extension_flags(root) & EXFLAG_CA, 0u);
  EXPECT_TRUE(isCritical(root, NID_basic_constraints));
  EXPECT_TRUE(isCritical(root, NID_key_usage));
  EXPECT_EQ(X509_get_key_usage(root), static_cast<std::uint32_t>(KU_KEY_CERT_SIGN | KU_CRL_SIGN));
  EXPECT_THAT(sans(root), UnorderedElementsAre("URI:spiffe://example.org"));
  EXPECT_TRUE(isP256(root));
  EXPECT_LE(notBefore(root), before - 59s);
  EXPECT_GE(notBefore(root), before - 62s);
  EXPECT_GE(notAfter(root), before + 24h - 2s);
  EXPECT_EQ(ca.notAfter(), notAfter(root));
  const auto bundle = ca.bundle();
  ASSERT_EQ(bundle.size(), 1u);
  ASSERT_EQ(bundle.at("example.org").size(), 1u);
  EXPECT_EQ(X509_cmp(bundle.at("example.org")[0].get(), root), 0);
}

TEST(DevCaTest, SvidHasTheStandardShape) {
  const DevCa ca = makeCa("example.org");
  const auto before = Clock::now();
  std::string error;
  auto svid = ca.issue("spiffe://example.org/ns/tools/sa/files", {"files.tools.svc", "localhost", "127.0.0.1", "::1"},
                       2h, &error);
  ASSERT_TRUE(svid) << error;
  X509* leaf = svid->chain.front().get();
  EXPECT_EQ(X509_check_issued(ca.certificate(), leaf), X509_V_OK);
  EXPECT_EQ(X509_get_extension_flags(leaf) & EXFLAG_CA, 0u);
  EXPECT_TRUE(isCritical(leaf, NID_basic_constraints));
  EXPECT_TRUE(isCritical(leaf, NID_key_usage));
  EXPECT_EQ(X509_get_key_usage(leaf), static_cast<std::uint32_t>(KU_DIGITAL_SIGNATURE));
  EXPECT_THAT(extendedKeyUsages(leaf), UnorderedElementsAre(NID_server_auth, NID_client_auth));
  EXPECT_TRUE(hasExtension(leaf, NID_subject_key_identifier));
  EXPECT_TRUE(hasExtension(leaf, NID_authority_key_identifier));
  EXPECT_THAT(sans(leaf), UnorderedElementsAre("URI:spiffe://example.org/ns/tools/sa/files", "DNS:files.tools.svc",
                                               "DNS:localhost", "IP:127.0.0.1", "IP:::1"));
  EXPECT_TRUE(isP256(leaf));
  EXPECT_GT(serialBits(leaf), 96);  // 128 random bits, top bit cleared: below 97 bits once in 2^30 runs
  EXPECT_LE(serialBits(leaf), 127);
  EXPECT_LE(notBefore(leaf), before - 59s);  // backdated for clock skew
  EXPECT_GE(notBefore(leaf), before - 62s);
  EXPECT_GE(notAfter(leaf), before + 2h - 2s);
  EXPECT_LE(notAfter(leaf), Clock::now() + 2h);
  EXPECT_EQ(svid->notAfter, notAfter(leaf));
  EXPECT_EQ(EVP_PKEY_eq(X509_get0_pubkey(leaf), svid->privateKey.get()), 1);
}

TEST(DevCaTest, SerialsDiffer) {
  const DevCa ca = makeCa("example.org");
  std::set<std::string> serials;
  for (int i = 0; i < 8; ++i) serials.insert(serialHex(testing::issue(ca, "spiffe://example.org/a").chain[0].get()));
  EXPECT_EQ(serials.size(), 8u);
}

TEST(DevCaTest, SvidNeverOutlivesItsCa) {
  std::string error;
  auto ca = DevCa::create("example.org", 2h, &error);
  ASSERT_TRUE(ca) << error;
  auto svid = ca->issue("spiffe://example.org/a", {}, 10h, &error);
  ASSERT_TRUE(svid) << error;
  EXPECT_EQ(svid->notAfter, ca->notAfter());
}

TEST(DevCaTest, IssueRefusesWhatIsNotAStandardSvid) {
  const DevCa ca = makeCa("example.org");
  std::string error;
  EXPECT_FALSE(ca.issue("spiffe://other.org/a", {}, 1h, &error));
  EXPECT_EQ(error, "SPIFFE ID \"spiffe://other.org/a\" is not in trust domain \"example.org\"");
  EXPECT_FALSE(ca.issue("spiffe://example.org", {}, 1h, &error));
  EXPECT_THAT(error, HasSubstr("has no path"));
  EXPECT_FALSE(ca.issue("https://example.org/a", {}, 1h, &error));
  EXPECT_THAT(error, HasSubstr("invalid SPIFFE ID \"https://example.org/a\""));
  EXPECT_FALSE(ca.issue("spiffe://example.org/a", {"bad name"}, 1h, &error));
  EXPECT_EQ(error, "invalid DNS name \"bad name\"");
  EXPECT_FALSE(ca.issue("spiffe://example.org/a", {}, 0s, &error));
  EXPECT_THAT(error, HasSubstr("ttl must be positive"));
}

TEST(DevCaTest, CreateRefusesBadInput) {
  std::string error;
  EXPECT_FALSE(DevCa::create("Example.org", 1h, &error));
  EXPECT_THAT(error, HasSubstr("invalid trust domain \"Example.org\""));
  EXPECT_FALSE(DevCa::create("", 1h, &error));
  EXPECT_FALSE(DevCa::create("example.org", 0s, &error));
  EXPECT_THAT(error, HasSubstr("ttl must be positive"));
}

TEST(DevCaTest, LongTrustDomainsHaveNoCommonName) {
  const std::string longDomain(100, 'a');
  const DevCa ca = makeCa(longDomain);
  EXPECT_THAT(sans(ca.certificate()), UnorderedElementsAre("URI:spiffe://" + longDomain));
  const auto svid = testing::issue(ca, "spiffe://" + longDomain + "/a");
  EXPECT_TRUE(verifyPeerSvid(svid.chain[0].get(), {}, ca.bundle(), Clock::now()).ok);
}

TEST(DevCaTest, IntermediateChainsVerify) {
  const DevCa root = makeCa("example.org");
  std::string error;
  auto intermediate = root.issueIntermediate(4h, &error);
  ASSERT_TRUE(intermediate) << error;
  EXPECT_EQ(intermediate->trustDomain(), "example.org");
  EXPECT_EQ(intermediate->rootCertificate(), root.certificate());
  EXPECT_EQ(X509_check_issued(root.certificate(), intermediate->certificate()), X509_V_OK);
  EXPECT_THAT(sans(intermediate->certificate()), UnorderedElementsAre("URI:spiffe://example.org"));
  auto deeper = intermediate->issueIntermediate(2h, &error);
  ASSERT_TRUE(deeper) << error;
  auto svid = deeper->issue("spiffe://example.org/a", {}, 1h, &error);
  ASSERT_TRUE(svid) << error;
  ASSERT_EQ(svid->chain.size(), 3u);  // leaf, deeper, intermediate: never the root
  EXPECT_EQ(X509_cmp(svid->chain[1].get(), deeper->certificate()), 0);
  EXPECT_EQ(X509_cmp(svid->chain[2].get(), intermediate->certificate()), 0);
  const auto result = verifyPeerSvid(svid->chain[0].get(), intermediatesOf(*svid), root.bundle(), Clock::now());
  EXPECT_TRUE(result.ok) << result.error;
  // The bundle of an intermediate is still the root.
  EXPECT_EQ(X509_cmp(deeper->bundle().at("example.org")[0].get(), root.certificate()), 0);
}

TEST(DevCaTest, SaveAndLoadRoundTrip) {
  TempDir dir;
  const DevCa ca = makeCa("example.org");
  std::string error;
  ASSERT_TRUE(ca.save(dir / "ca", &error)) << error;
  EXPECT_EQ(permissions(dir / "ca/ca_key.pem"), 0600u);
  EXPECT_EQ(permissions(dir / "ca/ca.pem"), 0644u);
  auto loaded = DevCa::load(dir / "ca", &error);
  ASSERT_TRUE(loaded) << error;
  EXPECT_EQ(loaded->trustDomain(), "example.org");
  EXPECT_EQ(X509_cmp(loaded->certificate(), ca.certificate()), 0);
  EXPECT_EQ(loaded->notAfter(), ca.notAfter());
  // The loaded CA issues what the original's bundle trusts.
  const auto svid = testing::issue(*loaded, "spiffe://example.org/a");
  EXPECT_TRUE(verifyPeerSvid(svid.chain[0].get(), {}, ca.bundle(), Clock::now()).ok);
  // Saving again replaces the files and keeps the key private even if it was widened meanwhile.
  ASSERT_EQ(::chmod((dir / "ca/ca_key.pem").c_str(), 0644), 0);
  ASSERT_TRUE(loaded->save(dir / "ca", &error)) << error;
  EXPECT_EQ(permissions(dir / "ca/ca_key.pem"), 0600u);
}

TEST(DevCaTest, SaveAndLoadAnIntermediate) {
  TempDir dir;
  const DevCa root = makeCa("example.org");
  std::string error;
  auto intermediate = root.issueIntermediate(4h, &error);
  ASSERT_TRUE(intermediate) << error;
  ASSERT_TRUE(intermediate->save(dir.path(), &error)) << error;
  auto loaded = DevCa::load(dir.path(), &error);
  ASSERT_TRUE(loaded) << error;
  EXPECT_EQ(X509_cmp(loaded->certificate(), intermediate->certificate()), 0);
  EXPECT_EQ(X509_cmp(loaded->rootCertificate(), root.certificate()), 0);
  const auto svid = testing::issue(*loaded, "spiffe://example.org/a");
  ASSERT_EQ(svid.chain.size(), 2u);
  EXPECT_TRUE(verifyPeerSvid(svid.chain[0].get(), intermediatesOf(svid), root.bundle(), Clock::now()).ok);
}

TEST(DevCaTest, LoadNamesWhatIsWrong) {
  TempDir dir;
  std::string error;
  EXPECT_FALSE(DevCa::load(dir / "missing", &error));
  EXPECT_EQ(error, "cannot read " + (dir / "missing/ca.pem") + ": No such file or directory");

  const DevCa a = makeCa("example.org");
  const DevCa b = makeCa("example.org");
  ASSERT_TRUE(a.save(dir / "a", &error)) << error;
  ASSERT_TRUE(b.save(dir / "b", &error)) << error;
  std::filesystem::copy_file(dir / "b/ca_key.pem", dir / "a/ca_key.pem",
                             std::filesystem::copy_options::overwrite_existing);
  EXPECT_FALSE(DevCa::load(dir / "a", &error));
  EXPECT_EQ(error, (dir / "a/ca_key.pem") + " does not match the certificate in " + (dir / "a/ca.pem"));

  // An SVID where the CA belongs.
  const auto svid = testing::issue(b, "spiffe://example.org/a");
  testing::writeFile(dir / "c/ca.pem", certificatesToPem(svid.chain));
  testing::writeFile(dir / "c/ca_key.pem", privateKeyToPem(svid.privateKey.get()));
  EXPECT_FALSE(DevCa::load(dir / "c", &error));
  EXPECT_EQ(error, (dir / "c/ca.pem") + ": the first certificate is not a CA");

  testing::writeFile(dir / "d/ca.pem", "garbage");
  testing::writeFile(dir / "d/ca_key.pem", "garbage");
  EXPECT_FALSE(DevCa::load(dir / "d", &error));
  EXPECT_EQ(error, (dir / "d/ca.pem") + ": no PEM certificate found");
}

TEST(DevCaTest, IssuesFromManyThreads) {
  const DevCa ca = makeCa("example.org");
  const PeerVerifier verifier(ca.bundle());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        std::string error;
        const std::string id = "spiffe://example.org/t" + std::to_string(t) + "/" + std::to_string(i);
        auto svid = ca.issue(id, {"localhost"}, 1h, &error);
        if (!svid || !verifier.verify(svid->chain[0].get(), std::vector<X509*>{}, Clock::now()).ok) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace warden::sidecar
