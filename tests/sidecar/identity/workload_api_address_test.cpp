#include "sidecar/identity/workload_api_address.h"

#include <gtest/gtest.h>

#include <string>

namespace warden::sidecar {
namespace {

std::string target(std::string_view address) {
  std::string error;
  auto result = grpcTargetFor(address, &error);
  EXPECT_TRUE(result.has_value()) << address << ": " << error;
  return result.value_or("");
}

std::string errorFor(std::string_view address) {
  std::string error;
  auto result = grpcTargetFor(address, &error);
  EXPECT_FALSE(result.has_value()) << address << " gave " << result.value_or("");
  return error;
}

TEST(WorkloadApiAddressTest, UnixAbsolutePath) {
  EXPECT_EQ(target("unix:///spiffe-workload-api/spire-agent.sock"), "unix:/spiffe-workload-api/spire-agent.sock");
  EXPECT_EQ(target("unix:/run/agent.sock"), "unix:/run/agent.sock");
  EXPECT_EQ(target("UNIX:///run/agent.sock"), "unix:/run/agent.sock");
  EXPECT_EQ(target(kDefaultWorkloadApiAddress), "unix:/spiffe-workload-api/spire-agent.sock");
}

TEST(WorkloadApiAddressTest, UnixPathIsPercentDecodedThenEncodedForGrpc) {
  // gRPC percent-decodes target paths, so bytes outside the plain set travel encoded.
  EXPECT_EQ(target("unix:///tmp/my%20dir/a.sock"), "unix:/tmp/my%20dir/a.sock");
  EXPECT_EQ(target("unix:///tmp/100%25/a.sock"), "unix:/tmp/100%25/a.sock");
  EXPECT_EQ(target("unix:///tmp/a+b/x.sock"), "unix:/tmp/a%2Bb/x.sock");
}

TEST(WorkloadApiAddressTest, UnixRejections) {
  EXPECT_NE(errorFor("unix://host/run/agent.sock").find("no authority"), std::string::npos);
  EXPECT_NE(errorFor("unix:relative/agent.sock").find("absolute path"), std::string::npos);
  EXPECT_NE(errorFor("unix://").find("no authority"), std::string::npos);
  EXPECT_NE(errorFor("unix:").find("absolute path"), std::string::npos);
  EXPECT_NE(errorFor("unix:///run/agent.sock?x=1").find("no query"), std::string::npos);
  EXPECT_NE(errorFor("unix:///run/agent.sock#frag").find("no fragment"), std::string::npos);
  EXPECT_NE(errorFor("unix:///run/a%2").find("percent-encoding"), std::string::npos);
  EXPECT_NE(errorFor("unix:///run/a%zz").find("percent-encoding"), std::string::npos);
  EXPECT_NE(errorFor("unix:///run/a%00b").find("NUL"), std::string::npos);
  EXPECT_NE(errorFor("unix:///run/my dir/a.sock").find("percent-encoded"), std::string::npos);
  EXPECT_NE(errorFor("unix:///" + std::string(120, 'a')).find("longer than"), std::string::npos);
}

TEST(WorkloadApiAddressTest, TcpIpLiterals) {
  EXPECT_EQ(target("tcp://127.0.0.1:8000"), "ipv4:127.0.0.1:8000");
  EXPECT_EQ(target("tcp://[::1]:8000"), "ipv6:[::1]:8000");
  EXPECT_EQ(target("tcp://[2001:DB8:0:0::1]:65535"), "ipv6:[2001:db8::1]:65535");
}

TEST(WorkloadApiAddressTest, TcpRejections) {
  EXPECT_NE(errorFor("tcp://localhost:8000").find("IP address, not a name"), std::string::npos);
  EXPECT_NE(errorFor("tcp://127.1:8000").find("IP address"), std::string::npos);
  EXPECT_NE(errorFor("tcp://127.0.0.1").find("needs a port"), std::string::npos);
  EXPECT_NE(errorFor("tcp://127.0.0.1:").find("1 to 65535"), std::string::npos);
  EXPECT_NE(errorFor("tcp://127.0.0.1:0").find("1 to 65535"), std::string::npos);
  EXPECT_NE(errorFor("tcp://127.0.0.1:65536").find("1 to 65535"), std::string::npos);
  EXPECT_NE(errorFor("tcp://127.0.0.1:80a").find("1 to 65535"), std::string::npos);
  EXPECT_NE(errorFor("tcp://127.0.0.1:8000/foo").find("nothing after the port"), std::string::npos);
  EXPECT_NE(errorFor("tcp://127.0.0.1:8000/").find("nothing after the port"), std::string::npos);
  EXPECT_NE(errorFor("tcp://127.0.0.1:8000?x").find("nothing after the port"), std::string::npos);
  EXPECT_NE(errorFor("tcp://user@127.0.0.1:8000").find("user information"), std::string::npos);
  EXPECT_NE(errorFor("tcp://::1:8000").find("IP address"), std::string::npos);
  EXPECT_NE(errorFor("tcp://[::1]").find("port after the bracketed"), std::string::npos);
  EXPECT_NE(errorFor("tcp://[fe80::1%25eth0]:8000").find("IPv6"), std::string::npos);
  EXPECT_NE(errorFor("tcp:127.0.0.1:8000").find("tcp://"), std::string::npos);
}

TEST(WorkloadApiAddressTest, OtherSchemesNameTheAcceptedForms) {
  for (std::string_view bad : {"", "/run/agent.sock", "http://127.0.0.1:8000", "dns:///agent:8000"}) {
    const std::string error = errorFor(bad);
    EXPECT_NE(error.find("unix:///absolute/path or tcp://<IP address>:<port>"), std::string::npos) << error;
  }
  // The error quotes the input so that a hostile value cannot forge log lines.
  EXPECT_NE(errorFor("bogus\nline").find("\"bogus\\nline\""), std::string::npos);
}

TEST(WorkloadApiAddressTest, NullErrorPointerIsAllowed) {
  EXPECT_FALSE(grpcTargetFor("bogus", nullptr).has_value());
  EXPECT_TRUE(grpcTargetFor("unix:///a.sock", nullptr).has_value());
}

}  // namespace
}  // namespace warden::sidecar
