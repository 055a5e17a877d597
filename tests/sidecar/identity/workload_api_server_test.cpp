#include "sidecar/identity/workload_api_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include <cstring>
#include <fstream>

#include "sidecar/identity/workload_api_address.h"
#include "sidecar/identity/workload_api_response.h"
#include "workload_api_test_support.h"

namespace warden::sidecar {
namespace {

using namespace std::chrono_literals;
using testing::SocketDir;

constexpr char kId[] = "spiffe://example.org/ns/tools/sa/files";

std::unique_ptr<SpiffeWorkloadAPI::Stub> stubFor(const DevWorkloadApiServer& server) {
  std::string error;
  const auto target = grpcTargetFor(server.address(), &error);
  EXPECT_TRUE(target.has_value()) << error;
  return SpiffeWorkloadAPI::NewStub(grpc::CreateChannel(target.value_or(""), grpc::InsecureChannelCredentials()));
}

void withHeader(grpc::ClientContext& context) { context.AddMetadata("workload.spiffe.io", "true"); }

DevWorkloadApiOptions options(const SocketDir& dir) {
  DevWorkloadApiOptions o;
  o.socketPath = dir.socket();
  o.spiffeId = kId;
  o.dnsNames = {"files.tools.svc"};
  return o;
}

std::vector<std::string> subjectAltNames(X509* cert, int type) {
  std::vector<std::string> names;
  auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; sans != nullptr && i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(sans, i);
    if (name->type != type) continue;
    if (type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = name->d.iPAddress;
      if (ip->length == 4) {
        names.push_back(std::to_string(ip->data[0]) + "." + std::to_string(ip->data[1]) + "." +
                        std::to_string(ip->data[2]) + "." + std::to_string(ip->data[3]));
      }
    } else {
      const ASN1_IA5STRING* text = name->d.ia5;
      names.emplace_back(reinterpret_cast<const char*>(text->data), static_cast<std::size_t>(text->length));
    }
  }
  GENERAL_NAMES_free(sans);
  return names;
}

X509SvidUpdate readSvid(grpc::ClientReader<X509SVIDResponse>& reader) {
  X509SVIDResponse response;
  EXPECT_TRUE(reader.Read(&response));
  std::string error;
  auto update = parseX509SvidResponse(response, &error);
  EXPECT_TRUE(update.has_value()) << error;
  if (!update) return {};
  return std::move(*update);
}

TEST(DevWorkloadApiServerTest, CallsWithoutTheSecurityHeaderGetInvalidArgument) {
  SocketDir dir;
  const DevCa ca = testing::makeCa("example.org");
  std::string error;
  auto server = DevWorkloadApiServer::start(ca, options(dir), &error);
  ASSERT_NE(server, nullptr) << error;
  auto stub = stubFor(*server);
  auto expectRefused = [](const grpc::Status& status) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(status.error_message(), "security header missing from request");
  };
  {
    grpc::ClientContext context;
    auto reader = stub->FetchX509SVID(&context, X509SVIDRequest());
    X509SVIDResponse response;
    EXPECT_FALSE(reader->Read(&response));
    expectRefused(reader->Finish());
  }
  {
    grpc::ClientContext context;
    context.AddMetadata("workload.spiffe.io", "TRUE");  // the value is case-sensitive
    auto reader = stub->FetchX509Bundles(&context, X509BundlesRequest());
    X509BundlesResponse response;
    EXPECT_FALSE(reader->Read(&response));
    expectRefused(reader->Finish());
  }
  {
    grpc::ClientContext context;
    JWTSVIDResponse response;
    expectRefused(stub->FetchJWTSVID(&context, JWTSVIDRequest(), &response));
  }
  {
    grpc::ClientContext context;
    auto reader = stub->FetchJWTBundles(&context, JWTBundlesRequest());
    JWTBundlesResponse response;
    EXPECT_FALSE(reader->Read(&response));
    expectRefused(reader->Finish());
  }
  {
    grpc::ClientContext context;
    ValidateJWTSVIDResponse response;
    expectRefused(stub->ValidateJWTSVID(&context, ValidateJWTSVIDRequest(), &response));
  }
  EXPECT_EQ(server->openStreams(), 0u);
}

TEST(DevWorkloadApiServerTest, JwtMethodsAreUnimplemented) {
  SocketDir dir;
  const DevCa ca = testing::makeCa("example.org");
  std::string error;
  auto server = DevWorkloadApiServer::start(ca, options(dir), &error);
  ASSERT_NE(server, nullptr) << error;
  auto stub = stubFor(*server);
  auto expectUnimplemented = [](const grpc::Status& status) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
    EXPECT_NE(status.error_message().find("X.509-SVIDs only"), std::string::npos) << status.error_message();
  };
  {
    grpc::ClientContext context;
    withHeader(context);
    JWTSVIDResponse response;
    expectUnimplemented(stub->FetchJWTSVID(&context, JWTSVIDRequest(), &response));
  }
  {
    grpc::ClientContext context;
    withHeader(context);
    auto reader = stub->FetchJWTBundles(&context, JWTBundlesRequest());
    JWTBundlesResponse response;
    EXPECT_FALSE(reader->Read(&response));
    expectUnimplemented(reader->Finish());
  }
  {
    grpc::ClientContext context;
    withHeader(context);
    ValidateJWTSVIDResponse response;
    expectUnimplemented(stub->ValidateJWTSVID(&context, ValidateJWTSVIDRequest(), &response));
  }
}

TEST(DevWorkloadApiServerTest, ServesAnSvidWithTheLocalNamesAndTheBundles) {
  SocketDir dir;
  const DevCa ca = testing::makeCa("example.org");
  const DevCa partner = testing::makeCa("partner.test");
  auto o = options(dir);
  o.federatedBundles = partner.bundle();
  std::string error;
  auto server = DevWorkloadApiServer::start(ca, std::move(o), &error);
  ASSERT_NE(server, nullptr) << error;
  EXPECT_EQ(server->address(), "unix://" + dir.socket());
  auto stub = stubFor(*server);

  grpc::ClientContext svidContext;
  withHeader(svidContext);
  auto svidReader = stub->FetchX509SVID(&svidContext, X509SVIDRequest());
  X509SVIDResponse raw;
  ASSERT_TRUE(svidReader->Read(&raw));
  ASSERT_EQ(raw.svids_size(), 1);
  EXPECT_EQ(raw.svids(0).spiffe_id(), kId);
  // Bundle map keys as SPIRE writes them.
  ASSERT_EQ(raw.federated_bundles().size(), 1u);
  EXPECT_EQ(raw.federated_bundles().begin()->first, "spiffe://partner.test");
  auto update = parseX509SvidResponse(raw, &error);
  ASSERT_TRUE(update.has_value()) << error;
  EXPECT_EQ(update->svid.spiffeId, kId);
  EXPECT_TRUE(testing::sameSerial(update->svid, server->currentSvid()));
  X509* leaf = update->svid.chain.front().get();
  EXPECT_EQ(subjectAltNames(leaf, GEN_DNS), (std::vector<std::string>{"files.tools.svc", "localhost"}));
  EXPECT_EQ(subjectAltNames(leaf, GEN_IPADD), (std::vector<std::string>{"127.0.0.1"}));
  ASSERT_EQ(update->bundles.size(), 2u);
  EXPECT_EQ(X509_cmp(update->bundles.at("example.org").front().get(), ca.rootCertificate()), 0);
  EXPECT_EQ(X509_cmp(update->bundles.at("partner.test").front().get(), partner.rootCertificate()), 0);

  grpc::ClientContext bundlesContext;
  withHeader(bundlesContext);
  auto bundlesReader = stub->FetchX509Bundles(&bundlesContext, X509BundlesRequest());
  X509BundlesResponse bundles;
  ASSERT_TRUE(bundlesReader->Read(&bundles));
  auto parsed = parseX509BundlesResponse(bundles, &error);
  ASSERT_TRUE(parsed.has_value()) << error;
  EXPECT_EQ(parsed->size(), 2u);
  EXPECT_EQ(bundles.bundles().count("spiffe://example.org"), 1u);
  EXPECT_TRUE(server->waitForOpenStreams(2, testing::kWait));
  svidContext.TryCancel();
  bundlesContext.TryCancel();
}

TEST(DevWorkloadApiServerTest, RotationIsPushedToEveryOpenStream) {
  SocketDir dir;
  const DevCa ca = testing::makeCa("example.org");
  std::vector<std::string> issued;
  auto o = options(dir);
  o.onIssued = [&](const X509Svid& svid) { issued.push_back(testing::leafDer(svid)); };
  std::string error;
  auto server = DevWorkloadApiServer::start(ca, std::move(o), &error);
  ASSERT_NE(server, nullptr) << error;
  auto stub = stubFor(*server);
  grpc::ClientContext first;
  grpc::ClientContext second;
  withHeader(first);
  withHeader(second);
  auto reader1 = stub->FetchX509SVID(&first, X509SVIDRequest());
  auto reader2 = stub->FetchX509SVID(&second, X509SVIDRequest());
  const auto initial1 = readSvid(*reader1);
  const auto initial2 = readSvid(*reader2);
  ASSERT_FALSE(initial1.svid.chain.empty());
  ASSERT_FALSE(initial2.svid.chain.empty());
  EXPECT_TRUE(testing::sameSerial(initial1.svid, initial2.svid));
  ASSERT_TRUE(server->waitForOpenStreams(2, testing::kWait));

  ASSERT_TRUE(server->rotate(&error)) << error;
  const auto rotated1 = readSvid(*reader1);
  const auto rotated2 = readSvid(*reader2);
  ASSERT_FALSE(rotated1.svid.chain.empty());
  ASSERT_FALSE(rotated2.svid.chain.empty());
  EXPECT_FALSE(testing::sameSerial(rotated1.svid, initial1.svid));
  EXPECT_TRUE(testing::sameSerial(rotated1.svid, rotated2.svid));
  EXPECT_TRUE(testing::sameSerial(rotated1.svid, server->currentSvid()));
  EXPECT_EQ(rotated1.svid.spiffeId, kId);
  // onIssued saw the first SVID and the rotation, in order.
  ASSERT_EQ(issued.size(), 2u);
  EXPECT_EQ(issued[0], testing::leafDer(initial1.svid));
  EXPECT_EQ(issued[1], testing::leafDer(rotated1.svid));

  // A client going away closes its stream on the server.
  first.TryCancel();
  EXPECT_TRUE(server->waitForOpenStreams(1, testing::kWait));
  second.TryCancel();
  EXPECT_TRUE(server->waitForOpenStreams(0, testing::kWait));
}

TEST(DevWorkloadApiServerTest, FederatedBundlesArePushedOnBothStreams) {
  SocketDir dir;
  const DevCa ca = testing::makeCa("example.org");
  const DevCa partner = testing::makeCa("partner.test");
  std::string error;
  auto server = DevWorkloadApiServer::start(ca, options(dir), &error);
  ASSERT_NE(server, nullptr) << error;
  auto stub = stubFor(*server);
  grpc::ClientContext svidContext;
  grpc::ClientContext bundlesContext;
  withHeader(svidContext);
  withHeader(bundlesContext);
  auto svidReader = stub->FetchX509SVID(&svidContext, X509SVIDRequest());
  auto bundlesReader = stub->FetchX509Bundles(&bundlesContext, X509BundlesRequest());
  X509SVIDResponse svid;
  X509BundlesResponse bundles;
  ASSERT_TRUE(svidReader->Read(&svid));
  ASSERT_TRUE(bundlesReader->Read(&bundles));
  EXPECT_TRUE(svid.federated_bundles().empty());
  EXPECT_EQ(bundles.bundles().size(), 1u);

  ASSERT_TRUE(server->setFederatedBundles(partner.bundle(), &error)) << error;
  ASSERT_TRUE(svidReader->Read(&svid));
  ASSERT_TRUE(bundlesReader->Read(&bundles));
  EXPECT_EQ(svid.federated_bundles().count("spiffe://partner.test"), 1u);
  EXPECT_EQ(bundles.bundles().count("spiffe://partner.test"), 1u);
  EXPECT_EQ(bundles.bundles().count("spiffe://example.org"), 1u);

  // Bundles the server cannot serve are refused and change nothing.
  EXPECT_FALSE(server->setFederatedBundles(ca.bundle(), &error));
  EXPECT_NE(error.find("own trust domain"), std::string::npos) << error;
  TrustBundles empty;
  empty["empty.test"];
  EXPECT_FALSE(server->setFederatedBundles(std::move(empty), &error));
  EXPECT_NE(error.find("no authorities"), std::string::npos) << error;
  svidContext.TryCancel();
  bundlesContext.TryCancel();
}

TEST(DevWorkloadApiServerTest, RotatesByItselfAtHalfTheTtl) {
  SocketDir dir;
  const DevCa ca = testing::makeCa("example.org");
  std::mutex mu;
  std::condition_variable issuedCv;
  int issued = 0;
  auto o = options(dir);
  o.svidTtl = 2s;
  o.onIssued = [&](const X509Svid&) {
    std::lock_guard lock(mu);
    ++issued;
    issuedCv.notify_all();
  };
  std::string error;
  const auto started = std::chrono::system_clock::now();
  auto server = DevWorkloadApiServer::start(ca, std::move(o), &error);
  ASSERT_NE(server, nullptr) << error;
  // Half the lifetime granted; certificate times have whole seconds, so that is between 0.5 s and 1 s.
  const auto next = server->nextRotation();
  EXPECT_GE(next - started, 400ms);
  EXPECT_LE(next - started, 1100ms);
  std::unique_lock lock(mu);
  EXPECT_TRUE(issuedCv.wait_for(lock, testing::kWait, [&] { return issued >= 2; }));
  EXPECT_GE(std::chrono::system_clock::now() - started, 400ms);
}

TEST(DevWorkloadApiServerTest, StoppingEndsOpenStreams) {
  SocketDir dir;
  const DevCa ca = testing::makeCa("example.org");
  std::string error;
  auto server = DevWorkloadApiServer::start(ca, options(dir), &error);
  ASSERT_NE(server, nullptr) << error;
  auto stub = stubFor(*server);
  grpc::ClientContext context;
  withHeader(context);
  auto reader = stub->FetchX509SVID(&context, X509SVIDRequest());
  X509SVIDResponse response;
  ASSERT_TRUE(reader->Read(&response));
  ASSERT_TRUE(server->waitForOpenStreams(1, testing::kWait));
  const auto before = std::chrono::steady_clock::now();
  server.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - before, 2s);
  EXPECT_FALSE(reader->Read(&response));
  EXPECT_FALSE(reader->Finish().ok());
  // The socket is gone with the server.
  EXPECT_FALSE(std::filesystem::exists(dir.socket()));
}

TEST(DevWorkloadApiServerTest, SocketIsOwnerOnlyAndAStaleOneIsReplaced) {
  SocketDir dir;
  const DevCa ca = testing::makeCa("example.org");
  // A socket file nobody accepts on, as a crashed server leaves it.
  {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, dir.socket().c_str(), sizeof address.sun_path - 1);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    ::close(fd);
  }
  ASSERT_TRUE(std::filesystem::is_socket(dir.socket()));
  std::string error;
  auto server = DevWorkloadApiServer::start(ca, options(dir), &error);
  ASSERT_NE(server, nullptr) << error;
  struct stat info {};
  ASSERT_EQ(::stat(dir.socket().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);

  // A live one is not taken over.
  EXPECT_EQ(DevWorkloadApiServer::start(ca, options(dir), &error), nullptr);
  EXPECT_NE(error.find("already serving"), std::string::npos) << error;
  EXPECT_EQ(server->openStreams(), 0u);
}

TEST(DevWorkloadApiServerTest, StartRefusesBadSettings) {
  SocketDir dir;
  const DevCa ca = testing::makeCa("example.org");
  const DevCa partner = testing::makeCa("partner.test");
  std::string error;
  auto refused = [&](DevWorkloadApiOptions o, std::string_view expected) {
    EXPECT_EQ(DevWorkloadApiServer::start(ca, std::move(o), &error), nullptr);
    EXPECT_NE(error.find(expected), std::string::npos) << error;
  };
  {
    auto o = options(dir);
    o.spiffeId = "spiffe://other.org/workload";
    refused(std::move(o), "not in trust domain");
  }
  {
    auto o = options(dir);
    o.spiffeId = "https://example.org/x";
    refused(std::move(o), "invalid SPIFFE ID");
  }
  {
    auto o = options(dir);
    o.dnsNames = {"bad name"};
    refused(std::move(o), "invalid DNS name");
  }
  {
    auto o = options(dir);
    o.svidTtl = 1s;
    refused(std::move(o), "at least 2s");
  }
  {
    auto o = options(dir);
    o.socketPath = dir.path() + "/missing/agent.sock";
    refused(std::move(o), "does not exist");
  }
  {
    auto o = options(dir);
    o.socketPath = dir.path() + "/" + std::string(120, 'x');
    refused(std::move(o), "longer than");
  }
  {
    auto o = options(dir);
    o.federatedBundles = ca.bundle();
    refused(std::move(o), "own trust domain");
  }
  {
    std::ofstream(dir.socket()) << "not a socket";
    refused(options(dir), "not a socket");
    EXPECT_TRUE(std::filesystem::is_regular_file(dir.socket()));  // left alone
  }
}

}  // namespace
}  // namespace warden::sidecar
