#include "cli/dev_ca_command.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/exit_codes.h"
#include "cli_fixture.h"
#include "sidecar/identity/file_identity_source.h"
#include "sidecar/identity/svid_verifier.h"

namespace warden::cli {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::TempDir;

std::string readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

mode_t permissions(const std::string& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

class DevCaCommandTest : public ::testing::Test {
 protected:
  int run(DevCaArgs args) {
    out_.str("");
    err_.str("");
    return runDevCa(args, out_, err_);
  }
  DevCaArgs args(std::vector<std::string> svids = {}) {
    DevCaArgs a;
    a.dir = dir_.path() + "/dev";
    a.trustDomain = "example.org";
    a.svids = std::move(svids);
    return a;
  }
  std::string dev(const std::string& relative) const { return dir_.path() + "/dev/" + relative; }

  TempDir dir_;
  std::ostringstream out_, err_;
};

TEST_F(DevCaCommandTest, CreatesTheCaAndTheSvids) {
  DevCaArgs a = args({"files=spiffe://example.org/ns/tools/sa/files", "agent=spiffe://example.org/ns/agents/sa/editor"});
  a.dnsNames = {"files.tools.svc.cluster.local"};
  a.ttl = "2h";
  ASSERT_EQ(run(a), kExitOk) << err_.str();
  EXPECT_EQ(err_.str(), "");
  EXPECT_THAT(out_.str(), HasSubstr("created a CA for trust domain example.org in " + dir_.path() + "/dev"));
  for (const char* file : {"files/svid.pem", "files/svid_key.pem", "files/bundle.pem", "agent/svid.pem"}) {
    EXPECT_THAT(out_.str(), HasSubstr("wrote " + dev(file) + "\n"));
  }
  EXPECT_EQ(permissions(dev("ca_key.pem")), 0600u);
  EXPECT_EQ(permissions(dev("files/svid_key.pem")), 0600u);
  EXPECT_EQ(permissions(dev("files/svid.pem")), 0644u);

  // The sets load as the sidecar loads them.
  std::string error;
  auto files = sidecar::FileIdentitySource::loadOnce(dev("files"), &error);
  ASSERT_TRUE(files) << error;
  EXPECT_EQ(files->svid.spiffeId, "spiffe://example.org/ns/tools/sa/files");
  X509* leaf = files->svid.chain[0].get();
  EXPECT_EQ(X509_check_host(leaf, "files.tools.svc.cluster.local", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(leaf, "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(leaf, "127.0.0.1", 0), 1);
  const auto lifetime = files->svid.notAfter - std::chrono::system_clock::now();
  EXPECT_GT(lifetime, std::chrono::minutes(119));
  EXPECT_LE(lifetime, std::chrono::hours(2));

  // The agent verifies against the server's bundle, and the other way round.
  auto agent = sidecar::FileIdentitySource::loadOnce(dev("agent"), &error);
  ASSERT_TRUE(agent) << error;
  const auto result = sidecar::verifyPeerSvid(agent->svid.chain[0].get(), {}, files->bundles,
                                              std::chrono::system_clock::now());
  EXPECT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.spiffeId, "spiffe://example.org/ns/agents/sa/editor");
}

TEST_F(DevCaCommandTest, ReusesTheExistingCa) {
  ASSERT_EQ(run(args({"a=spiffe://example.org/a"})), kExitOk) << err_.str();
  const std::string caPem = readAll(dev("ca.pem"));
  const std::string caKey = readAll(dev("ca_key.pem"));
  DevCaArgs again = args({"b=spiffe://example.org/b"});
  again.trustDomain.clear();  // taken from the CA
  ASSERT_EQ(run(again), kExitOk) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("using the CA of trust domain example.org"));
  EXPECT_EQ(readAll(dev("ca.pem")), caPem);
  EXPECT_EQ(readAll(dev("ca_key.pem")), caKey);
  std::string error;
  auto a = sidecar::FileIdentitySource::loadOnce(dev("a"), &error);
  auto b = sidecar::FileIdentitySource::loadOnce(dev("b"), &error);
  ASSERT_TRUE(a && b) << error;
  EXPECT_TRUE(sidecar::verifyPeerSvid(b->svid.chain[0].get(), {}, a->bundles, std::chrono::system_clock::now()).ok);
}

TEST_F(DevCaCommandTest, OnlyTheCa) {
  ASSERT_EQ(run(args()), kExitOk) << err_.str();
  EXPECT_TRUE(fs::exists(dev("ca.pem")));
  EXPECT_TRUE(fs::exists(dev("ca_key.pem")));
}

TEST_F(DevCaCommandTest, AnotherTrustDomainThanTheCasIsAUsageError) {
  ASSERT_EQ(run(args()), kExitOk) << err_.str();
  DevCaArgs other = args({"a=spiffe://other.org/a"});
  other.trustDomain = "other.org";
  EXPECT_EQ(run(other), kExitUsage);
  EXPECT_THAT(err_.str(), HasSubstr("holds the CA of trust domain \"example.org\", not \"other.org\""));
  EXPECT_FALSE(fs::exists(dev("a")));
}

TEST_F(DevCaCommandTest, UsageErrorsWriteNothing) {
  const std::vector<std::pair<DevCaArgs, std::string>> cases = [&] {
    std::vector<std::pair<DevCaArgs, std::string>> c;
    c.emplace_back(args({"files=https://example.org/a"}), "invalid SPIFFE ID \"https://example.org/a\"");
    c.emplace_back(args({"files=spiffe://other.org/a"}),
                   "SPIFFE ID \"spiffe://other.org/a\" is outside trust domain \"example.org\"");
    c.emplace_back(args({"files=spiffe://example.org"}), "has no path");
    c.emplace_back(args({"spiffe://example.org/a"}), "must be name=spiffe://");
    c.emplace_back(args({"../x=spiffe://example.org/a"}), "invalid SVID name \"../x\"");
    c.emplace_back(args({"a/b=spiffe://example.org/a"}), "invalid SVID name \"a/b\"");
    c.emplace_back(args({"=spiffe://example.org/a"}), "invalid SVID name \"\"");
    c.emplace_back(args({"ca.pem=spiffe://example.org/a"}), "invalid SVID name \"ca.pem\"");
    c.emplace_back(args({"a=spiffe://example.org/a", "a=spiffe://example.org/b"}), "given twice");
    DevCaArgs badTtl = args({"a=spiffe://example.org/a"});
    badTtl.ttl = "tomorrow";
    c.emplace_back(badTtl, "invalid --ttl \"tomorrow\"");
    DevCaArgs badDns = args({"a=spiffe://example.org/a"});
    badDns.dnsNames = {"not a name"};
    c.emplace_back(badDns, "invalid --dns-name \"not a name\"");
    DevCaArgs badDomain = args();
    badDomain.trustDomain = "Example.org";
    c.emplace_back(badDomain, "invalid --trust-domain \"Example.org\"");
    DevCaArgs noDomain = args({"a=spiffe://example.org/a"});
    noDomain.trustDomain.clear();
    c.emplace_back(noDomain, "--trust-domain is required to create a CA");
    DevCaArgs noDir = args();
    noDir.dir.clear();
    c.emplace_back(noDir, "--dir is required");
    return c;
  }();
  for (const auto& [a, message] : cases) {
    EXPECT_EQ(run(a), kExitUsage) << message;
    EXPECT_THAT(err_.str(), HasSubstr(message));
    EXPECT_FALSE(fs::exists(dir_.path() + "/dev")) << message;
  }
}

TEST_F(DevCaCommandTest, AnUnreadableCaIsADataError) {
  dir_.write("dev/ca.pem", "not a certificate");
  dir_.write("dev/ca_key.pem", "not a key");
  EXPECT_EQ(run(args({"a=spiffe://example.org/a"})), kExitDataError);
  EXPECT_THAT(err_.str(), HasSubstr(dev("ca.pem") + ": no PEM certificate found"));
  EXPECT_FALSE(fs::exists(dev("a")));
}

TEST_F(DevCaCommandTest, AnUnwritableDirectoryIsADataError) {
  dir_.write("dev", "a file where the directory should be");
  EXPECT_EQ(run(args({"a=spiffe://example.org/a"})), kExitDataError);
  EXPECT_THAT(err_.str(), HasSubstr("cannot create " + dir_.path() + "/dev"));
}

}  // namespace
}  // namespace warden::cli
