#include "cli/dev_workload_api_command.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <sstream>

#include <grpcpp/grpcpp.h>

#include "cli/exit_codes.h"
#include "cli_fixture.h"
#include "sidecar/identity/dev_ca.h"
#include "sidecar/identity/workload_api_address.h"
#include "sidecar/identity/workload_api_response.h"
#include "workload.grpc.pb.h"

namespace warden::cli {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

constexpr char kId[] = "spiffe://example.org/ns/tools/sa/files";

class DevWorkloadApiCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    auto ca = sidecar::DevCa::create("example.org", std::chrono::hours(24), &error);
    ASSERT_TRUE(ca.has_value()) << error;
    ASSERT_TRUE(ca->save(dir_.path() + "/ca", &error)) << error;
    args_.caDir = dir_.path() + "/ca";
    args_.socket = dir_.path() + "/agent.sock";
    args_.spiffeId = kId;
    args_.dnsNames = {"files.tools.svc"};
  }

  // Runs the command to completion; for arguments it refuses before serving.
  int runRefused() {
    std::atomic<bool> stop{true};
    return runDevWorkloadApi(args_, out_, err_, stop);
  }

  TempDir dir_;
  DevWorkloadApiArgs args_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(DevWorkloadApiCommandTest, ServesSvidsUntilStopped) {
  std::atomic<bool> stop{false};
  auto run = std::async(std::launch::async, [&] { return runDevWorkloadApi(args_, out_, err_, stop); });
  // A failed assertion returns early; the command must still stop, or the future's destructor would wait forever.
  struct StopOnExit {
    std::atomic<bool>& stop;
    ~StopOnExit() { stop = true; }
  } stopOnExit{stop};

  // A real Workload API client: waits (bounded) for the socket to appear, then reads the first SVID.
  std::string error;
  const auto target = sidecar::grpcTargetFor("unix://" + args_.socket, &error);
  ASSERT_TRUE(target.has_value()) << error;
  auto stub = SpiffeWorkloadAPI::NewStub(grpc::CreateChannel(*target, grpc::InsecureChannelCredentials()));
  {
    grpc::ClientContext context;
    context.AddMetadata("workload.spiffe.io", "true");
    context.set_wait_for_ready(true);
    context.set_deadline(std::chrono::system_clock::now() + 5s);
    auto reader = stub->FetchX509SVID(&context, X509SVIDRequest());
    X509SVIDResponse response;
    const bool read = reader->Read(&response);
    context.TryCancel();
    reader->Finish();
    ASSERT_TRUE(read) << "no SVID from the dev Workload API";
    auto update = sidecar::parseX509SvidResponse(response, &error);
    ASSERT_TRUE(update.has_value()) << error;
    EXPECT_EQ(update->svid.spiffeId, kId);
  }

  stop = true;
  ASSERT_EQ(run.wait_for(5s), std::future_status::ready) << "did not stop within 5s";
  EXPECT_EQ(run.get(), kExitOk) << err_.str();
  const std::string out = out_.str();
  EXPECT_EQ(out.rfind("issued spiffe://example.org/ns/tools/sa/files, expires 20", 0), 0u) << out;
  EXPECT_EQ(out.back(), '\n');
  EXPECT_NE(err_.str().find("SPIFFE_ENDPOINT_SOCKET=unix://" + args_.socket), std::string::npos) << err_.str();
  EXPECT_NE(err_.str().find("stopped"), std::string::npos) << err_.str();
}

TEST_F(DevWorkloadApiCommandTest, MissingCaIsADataError) {
  args_.caDir = dir_.path() + "/nowhere";
  EXPECT_EQ(runRefused(), kExitDataError);
  EXPECT_NE(err_.str().find("wardenctl dev ca"), std::string::npos) << err_.str();
  EXPECT_TRUE(out_.str().empty());
}

TEST_F(DevWorkloadApiCommandTest, BadArgumentsAreUsageErrors) {
  auto refused = [&](DevWorkloadApiArgs args, std::string_view expected) {
    std::ostringstream out;
    std::ostringstream err;
    std::atomic<bool> stop{true};
    EXPECT_EQ(runDevWorkloadApi(args, out, err, stop), kExitUsage) << err.str();
    EXPECT_NE(err.str().find(expected), std::string::npos) << err.str();
    EXPECT_TRUE(out.str().empty());
  };
  auto args = args_;
  args.ttl = "an hour";
  refused(args, "--ttl");
  args.ttl = "1s";
  refused(args, "at least 2s");
  args = args_;
  args.spiffeId = "spiffe://example.org";
  refused(args, "--spiffe-id");
  args.spiffeId = "spiffe://other.org/x";
  refused(args, "not in the CA's trust domain");
  args = args_;
  args.dnsNames = {"bad name"};
  refused(args, "--dns");
  args = args_;
  args.socket.clear();
  refused(args, "required");
}

TEST_F(DevWorkloadApiCommandTest, AnOccupiedSocketPathFails) {
  dir_.write("agent.sock", "a regular file");
  EXPECT_EQ(runRefused(), kExitFailed);
  EXPECT_NE(err_.str().find("not a socket"), std::string::npos) << err_.str();
}

TEST_F(DevWorkloadApiCommandTest, StopsAtOnceWhenAlreadyStopped) {
  const auto before = std::chrono::steady_clock::now();
  EXPECT_EQ(runRefused(), kExitOk) << err_.str();
  EXPECT_LT(std::chrono::steady_clock::now() - before, 3s);
  EXPECT_NE(out_.str().find("issued " + std::string(kId)), std::string::npos);
}

}  // namespace
}  // namespace warden::cli
