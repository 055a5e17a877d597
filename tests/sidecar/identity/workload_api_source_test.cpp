#include "sidecar/identity/workload_api_source.h"

#include <gtest/gtest.h>

#include <stdlib.h>

#include <filesystem>

#include "sidecar/identity/workload_api_address.h"
#include "sidecar/identity/workload_api_server.h"
#include "workload_api_test_support.h"

namespace warden::sidecar {
namespace {

using namespace std::chrono_literals;
using testing::FakeServer;
using testing::Recorder;
using testing::SocketDir;

constexpr char kId[] = "spiffe://example.org/ns/tools/sa/files";

std::unique_ptr<WorkloadApiSource> makeSource(const std::string& address, std::chrono::milliseconds initial = 5ms,
                                              std::chrono::milliseconds max = 50ms) {
  std::string error;
  auto source = WorkloadApiSource::create({address, initial, max}, &error);
  EXPECT_NE(source, nullptr) << error;
  return source;
}

std::unique_ptr<DevWorkloadApiServer> startDevServer(const DevCa& ca, const SocketDir& dir) {
  DevWorkloadApiOptions options;
  options.socketPath = dir.socket();
  options.spiffeId = kId;
  options.dnsNames = {"files.tools.svc"};
  std::string error;
  auto server = DevWorkloadApiServer::start(ca, std::move(options), &error);
  EXPECT_NE(server, nullptr) << error;
  return server;
}

TEST(WorkloadApiSourceTest, CreateRefusesBadAddressesAndBackoffs) {
  std::string error;
  EXPECT_EQ(WorkloadApiSource::create({"tcp://localhost:8000"}, &error), nullptr);
  EXPECT_NE(error.find("not a name"), std::string::npos) << error;
  EXPECT_EQ(WorkloadApiSource::create({"unix:///a.sock", 0ms, 10ms}, &error), nullptr);
  EXPECT_NE(error.find("initial backoff must be positive"), std::string::npos) << error;
  EXPECT_EQ(WorkloadApiSource::create({"unix:///a.sock", 20ms, 10ms}, &error), nullptr);
  EXPECT_NE(error.find("maximum backoff"), std::string::npos) << error;
  auto source = WorkloadApiSource::create({"unix:///a.sock"}, &error);
  ASSERT_NE(source, nullptr) << error;
  EXPECT_EQ(source->current(), nullptr);  // never started: nothing, and destruction does not hang
}

TEST(WorkloadApiSourceTest, DeliversTheFirstSnapshotFromTheDevServer) {
  SocketDir dir;
  const DevCa ca = testing::makeCa("example.org");
  auto server = startDevServer(ca, dir);
  ASSERT_NE(server, nullptr);
  Recorder recorder;
  auto source = makeSource(server->address());
  ASSERT_NE(source, nullptr);
  source->start(recorder.onUpdate(), recorder.onError());

  ASSERT_TRUE(recorder.waitForSnapshots(1)) << recorder.allErrors();
  const auto snapshot = recorder.snapshot(0);
  EXPECT_EQ(snapshot->svid.spiffeId, kId);
  EXPECT_TRUE(testing::sameSerial(snapshot->svid, server->currentSvid()));
  ASSERT_EQ(snapshot->bundles.size(), 1u);
  ASSERT_EQ(snapshot->bundles.count("example.org"), 1u);
  ASSERT_EQ(snapshot->bundles.at("example.org").size(), 1u);
  EXPECT_EQ(X509_cmp(snapshot->bundles.at("example.org").front().get(), ca.rootCertificate()), 0);
  EXPECT_EQ(snapshot->source, "workload-api:" + server->address());
  EXPECT_EQ(source->current(), snapshot);
  EXPECT_TRUE(server->waitForOpenStreams(2, testing::kWait));  // both streams are open
}

TEST(WorkloadApiSourceTest, RotationIsPushedAndDelivered) {
  SocketDir dir;
  const DevCa ca = testing::makeCa("example.org");
  auto server = startDevServer(ca, dir);
  ASSERT_NE(server, nullptr);
  Recorder recorder;
  auto source = makeSource(server->address());
  source->start(recorder.onUpdate(), recorder.onError());
  ASSERT_TRUE(recorder.waitForSnapshots(1)) << recorder.allErrors();

  ASSERT_TRUE(server->rotate());
  ASSERT_TRUE(recorder.waitForSnapshots(2)) << recorder.allErrors();
  const auto first = recorder.snapshot(0);
  const auto second = recorder.snapshot(1);
  EXPECT_EQ(second->svid.spiffeId, first->svid.spiffeId);
  EXPECT_FALSE(testing::sameSerial(second->svid, first->svid));
  EXPECT_TRUE(testing::sameSerial(second->svid, server->currentSvid()));
  EXPECT_EQ(source->current(), second);
}

TEST(WorkloadApiSourceTest, FederatedBundlesFromTheDevServer) {
  SocketDir dir;
  const DevCa ca = testing::makeCa("example.org");
  const DevCa partner = testing::makeCa("partner.test");
  auto server = startDevServer(ca, dir);
  ASSERT_NE(server, nullptr);
  Recorder recorder;
  auto source = makeSource(server->address());
  source->start(recorder.onUpdate(), recorder.onError());
  ASSERT_TRUE(recorder.waitForSnapshots(1)) << recorder.allErrors();

  std::string error;
  ASSERT_TRUE(server->setFederatedBundles(partner.bundle(), &error)) << error;
  // Both streams carry the change; whichever is first, a snapshot with the partner's bundle follows.
  ASSERT_TRUE(recorder.waitForLast([](const IdentitySnapshot& s) { return s.bundles.count("partner.test") == 1; }))
      << recorder.allErrors();
  const auto last = recorder.last();
  EXPECT_EQ(X509_cmp(last->bundles.at("partner.test").front().get(), partner.rootCertificate()), 0);
  EXPECT_EQ(last->bundles.count("example.org"), 1u);
}

TEST(WorkloadApiSourceTest, FederatedBundlesFromTheSvidStreamAlone) {
  SocketDir dir;
  FakeServer fake(dir.socket());
  const DevCa ca = testing::makeCa("example.org");
  const DevCa partner = testing::makeCa("partner.test");
  fake.api().failBundleCalls({grpc::StatusCode::UNIMPLEMENTED, "no bundles here"});
  fake.api().pushSvid(testing::svidMessage(testing::issue(ca, kId), ca, {&partner}));

  Recorder recorder;
  auto source = makeSource(dir.address());
  source->start(recorder.onUpdate(), recorder.onError());
  ASSERT_TRUE(recorder.waitForSnapshots(1)) << recorder.allErrors();
  const auto snapshot = recorder.snapshot(0);
  EXPECT_EQ(snapshot->bundles.size(), 2u);
  EXPECT_EQ(snapshot->bundles.count("example.org"), 1u);
  EXPECT_EQ(snapshot->bundles.count("partner.test"), 1u);
  // The bundles stream keeps failing and keeps being retried, without disturbing the identity.
  EXPECT_TRUE(recorder.waitForErrors("FetchX509Bundles at", 2));
  EXPECT_TRUE(recorder.waitForErrors("Unimplemented: \"no bundles here\"", 2));
  EXPECT_EQ(recorder.errorCount("FetchX509SVID"), 0u) << recorder.allErrors();
}

TEST(WorkloadApiSourceTest, TheBundlesStreamSupersedesTheSvidStreamBundles) {
  SocketDir dir;
  FakeServer fake(dir.socket());
  const DevCa ca = testing::makeCa("example.org");
  const DevCa viaSvid = testing::makeCa("svid-stream.test");
  const DevCa viaBundles = testing::makeCa("bundle-stream.test");
  fake.api().pushSvid(testing::svidMessage(testing::issue(ca, kId), ca, {&viaSvid}));

  Recorder recorder;
  auto source = makeSource(dir.address());
  source->start(recorder.onUpdate(), recorder.onError());
  ASSERT_TRUE(recorder.waitForSnapshots(1)) << recorder.allErrors();
  EXPECT_EQ(recorder.snapshot(0)->bundles.count("svid-stream.test"), 1u);

  fake.api().pushBundles(testing::bundlesMessage({&ca, &viaBundles}));
  ASSERT_TRUE(recorder.waitForSnapshots(2)) << recorder.allErrors();
  auto bundles = [&](std::size_t i) {
    std::vector<std::string> names;
    for (const auto& [name, certs] : recorder.snapshot(i)->bundles) names.push_back(name);
    return names;
  };
  EXPECT_EQ(bundles(1), (std::vector<std::string>{"bundle-stream.test", "example.org"}));

  // A later SVID message still carries its own federated bundles, but the bundles stream stays the authority.
  fake.api().pushSvid(testing::svidMessage(testing::issue(ca, kId), ca, {&viaSvid}));
  ASSERT_TRUE(recorder.waitForSnapshots(3)) << recorder.allErrors();
  EXPECT_EQ(bundles(2), (std::vector<std::string>{"bundle-stream.test", "example.org"}));
}

TEST(WorkloadApiSourceTest, IdenticalMessagesDeliverNothing) {
  SocketDir dir;
  FakeServer fake(dir.socket());
  const DevCa ca = testing::makeCa("example.org");
  const auto message = testing::svidMessage(testing::issue(ca, kId), ca);
  fake.api().pushSvid(message);

  Recorder recorder;
  auto source = makeSource(dir.address());
  source->start(recorder.onUpdate(), recorder.onError());
  ASSERT_TRUE(recorder.waitForSnapshots(1)) << recorder.allErrors();
  fake.api().pushSvid(message);
  fake.api().pushSvid(message);
  fake.api().pushSvid(testing::svidMessage(testing::issue(ca, kId), ca));
  // One stream, in order: when the different message has been delivered the identical ones were seen before it.
  ASSERT_TRUE(recorder.waitForSnapshots(2)) << recorder.allErrors();
  EXPECT_EQ(recorder.snapshotCount(), 2u);
  EXPECT_FALSE(testing::sameSerial(recorder.snapshot(0)->svid, recorder.snapshot(1)->svid));
}

TEST(WorkloadApiSourceTest, MalformedResponsesAreReportedAndTheLastGoodSnapshotKept) {
  SocketDir dir;
  FakeServer fake(dir.socket());
  const DevCa ca = testing::makeCa("example.org");
  const auto good = testing::issue(ca, kId);
  fake.api().pushSvid(testing::svidMessage(good, ca));

  Recorder recorder;
  auto source = makeSource(dir.address());
  source->start(recorder.onUpdate(), recorder.onError());
  ASSERT_TRUE(recorder.waitForSnapshots(1)) << recorder.allErrors();
  const auto goodSnapshot = recorder.snapshot(0);

  auto badDer = testing::svidMessage(good, ca);
  badDer.mutable_svids(0)->set_x509_svid("not DER at all");
  fake.api().pushSvid(badDer);
  ASSERT_TRUE(recorder.waitForErrors("certificate chain")) << recorder.allErrors();

  auto keyMismatch = testing::svidMessage(good, ca);
  const auto other = testing::issue(ca, kId);
  keyMismatch.mutable_svids(0)->set_x509_svid_key(privateKeyToPkcs8Der(other.privateKey.get()));
  fake.api().pushSvid(keyMismatch);
  ASSERT_TRUE(recorder.waitForErrors("does not match")) << recorder.allErrors();

  fake.api().pushSvid(X509SVIDResponse());
  ASSERT_TRUE(recorder.waitForErrors("no SVIDs")) << recorder.allErrors();

  auto badTrustDomain = testing::svidMessage(good, ca);
  (*badTrustDomain.mutable_federated_bundles())["Not A Domain"] = testing::rootDer(ca);
  fake.api().pushSvid(badTrustDomain);
  ASSERT_TRUE(recorder.waitForErrors("invalid trust domain")) << recorder.allErrors();

  EXPECT_EQ(recorder.errorCount("keeping the last good identity"), 4u) << recorder.allErrors();
  EXPECT_EQ(recorder.snapshotCount(), 1u);
  EXPECT_EQ(source->current(), goodSnapshot);

  // The stream is still in use: the next good message is delivered.
  fake.api().pushSvid(testing::svidMessage(testing::issue(ca, kId), ca));
  ASSERT_TRUE(recorder.waitForSnapshots(2)) << recorder.allErrors();
  EXPECT_EQ(fake.api().svidCalls().size(), 1u);  // malformed messages do not drop the stream
}

TEST(WorkloadApiSourceTest, PermissionDeniedIsRetriedWithBackoff) {
  SocketDir dir;
  FakeServer fake(dir.socket());
  const DevCa ca = testing::makeCa("example.org");
  fake.api().failSvidCalls(3, {grpc::StatusCode::PERMISSION_DENIED, "no identity issued"});
  fake.api().pushSvid(testing::svidMessage(testing::issue(ca, kId), ca));

  Recorder recorder;
  auto source = makeSource(dir.address());
  source->start(recorder.onUpdate(), recorder.onError());
  ASSERT_TRUE(recorder.waitForSnapshots(1)) << recorder.allErrors();
  EXPECT_EQ(recorder.errorCount("PermissionDenied: \"no identity issued\""), 3u) << recorder.allErrors();
  const auto calls = fake.api().svidCalls();
  ASSERT_EQ(calls.size(), 4u);
  for (const auto& call : calls) EXPECT_TRUE(call.hadSecurityHeader);
  // Between attempts the client waited at least the initial backoff.
  for (std::size_t i = 1; i < calls.size(); ++i) EXPECT_GE(calls[i].at - calls[i - 1].at, 5ms);
}

TEST(WorkloadApiSourceTest, InvalidArgumentIsReportedAndRetriedAtTheMaximumBackoff) {
  SocketDir dir;
  FakeServer fake(dir.socket());
  const DevCa ca = testing::makeCa("example.org");
  fake.api().failSvidCalls(1, {grpc::StatusCode::INVALID_ARGUMENT, "security header missing from request"});
  fake.api().pushSvid(testing::svidMessage(testing::issue(ca, kId), ca));

  Recorder recorder;
  auto source = makeSource(dir.address(), 1ms, 300ms);
  source->start(recorder.onUpdate(), recorder.onError());
  ASSERT_TRUE(recorder.waitForSnapshots(1)) << recorder.allErrors();
  EXPECT_EQ(recorder.errorCount("client bug"), 1u) << recorder.allErrors();
  EXPECT_EQ(recorder.errorCount("retrying every 300 ms"), 1u) << recorder.allErrors();
  const auto calls = fake.api().svidCalls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_GE(calls[1].at - calls[0].at, 300ms);
}

TEST(WorkloadApiSourceTest, ReconnectsWhenTheServerRestartsOnTheSameSocket) {
  SocketDir dir;
  const DevCa ca = testing::makeCa("example.org");
  auto server = startDevServer(ca, dir);
  ASSERT_NE(server, nullptr);
  Recorder recorder;
  auto source = makeSource(server->address());
  source->start(recorder.onUpdate(), recorder.onError());
  ASSERT_TRUE(recorder.waitForSnapshots(1)) << recorder.allErrors();

  server.reset();
  ASSERT_TRUE(recorder.waitForErrors("FetchX509SVID")) << recorder.allErrors();
  EXPECT_EQ(source->current(), recorder.snapshot(0));  // the agent going away does not take the identity

  server = startDevServer(ca, dir);  // a new agent, a new SVID
  ASSERT_NE(server, nullptr);
  ASSERT_TRUE(recorder.waitForSnapshots(2)) << recorder.allErrors();
  EXPECT_TRUE(testing::sameSerial(recorder.snapshot(1)->svid, server->currentSvid()));
  EXPECT_FALSE(testing::sameSerial(recorder.snapshot(1)->svid, recorder.snapshot(0)->svid));
}

TEST(WorkloadApiSourceTest, SocketPathsThatNeedPercentEncodingWork) {
  SocketDir dir;
  const std::string odd = dir.path() + "/a dir+100%";
  std::filesystem::create_directory(odd);
  const DevCa ca = testing::makeCa("example.org");
  DevWorkloadApiOptions options;
  options.socketPath = odd + "/agent.sock";
  options.spiffeId = kId;
  std::string error;
  auto server = DevWorkloadApiServer::start(ca, std::move(options), &error);
  ASSERT_NE(server, nullptr) << error;
  EXPECT_EQ(server->address(), "unix://" + dir.path() + "/a%20dir%2B100%25/agent.sock");
  Recorder recorder;
  auto source = makeSource(server->address());
  source->start(recorder.onUpdate(), recorder.onError());
  ASSERT_TRUE(recorder.waitForSnapshots(1)) << recorder.allErrors();
}

TEST(WorkloadApiSourceTest, WorksOverTcpLoopbackAndIgnoresProxySettings) {
  FakeServer fake(FakeServer::TcpLoopback{});
  ASSERT_GT(fake.port(), 0);
  const DevCa ca = testing::makeCa("example.org");
  fake.api().pushSvid(testing::svidMessage(testing::issue(ca, kId), ca));
  // A proxy that does not exist: the Workload API client must not try to use it.
  ::setenv("grpc_proxy", "http://127.0.0.1:9", 1);
  Recorder recorder;
  auto source = makeSource("tcp://127.0.0.1:" + std::to_string(fake.port()));
  source->start(recorder.onUpdate(), recorder.onError());
  const bool delivered = recorder.waitForSnapshots(1);
  ::unsetenv("grpc_proxy");
  ASSERT_TRUE(delivered) << recorder.allErrors();
  EXPECT_EQ(recorder.snapshot(0)->svid.spiffeId, kId);
}

TEST(WorkloadApiSourceTest, DestructionIsPromptWhileTheAgentIsUnreachable) {
  SocketDir dir;
  Recorder recorder;
  auto source = makeSource(dir.address(), 10s, 30s);  // nothing listens there
  source->start(recorder.onUpdate(), recorder.onError());
  // Both streams have failed and are now in a ten-second backoff.
  ASSERT_TRUE(recorder.waitForErrors("FetchX509SVID")) << recorder.allErrors();
  ASSERT_TRUE(recorder.waitForErrors("FetchX509Bundles")) << recorder.allErrors();
  EXPECT_NE(recorder.allErrors().find("Unavailable"), std::string::npos) << recorder.allErrors();
  const auto before = std::chrono::steady_clock::now();
  source.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - before, 2s);
  EXPECT_EQ(recorder.snapshotCount(), 0u);
}

TEST(WorkloadApiSourceTest, DestructionIsPromptWhileAStreamHangs) {
  SocketDir dir;
  FakeServer fake(dir.socket());  // accepts the calls and never answers
  Recorder recorder;
  auto source = makeSource(dir.address());
  source->start(recorder.onUpdate(), recorder.onError());
  ASSERT_TRUE(fake.api().waitForSvidCalls(1));
  const auto before = std::chrono::steady_clock::now();
  source.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - before, 2s);
  EXPECT_EQ(recorder.errorCount(""), 0u) << recorder.allErrors();  // a cancelled stream is not an error
}

}  // namespace
}  // namespace warden::sidecar
