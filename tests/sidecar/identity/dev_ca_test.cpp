#include "sidecar/identity/dev_ca.h"

#include <gtest/gtest.h>

#include "sidecar/identity/svid_verifier.h"

namespace warden::sidecar {
namespace {

using namespace std::chrono_literals;

TEST(DevCaTest, IssuesAnSvidThatVerifiesAgainstItsBundle) {
  std::string error;
  auto ca = DevCa::create("example.org", 24h, &error);
  ASSERT_TRUE(ca) << error;
  auto svid = ca->issue("spiffe://example.org/ns/tools/sa/files", {"files.tools.svc", "127.0.0.1"}, 1h, &error);
  ASSERT_TRUE(svid) << error;
  EXPECT_EQ(svid->spiffeId, "spiffe://example.org/ns/tools/sa/files");
  const auto result = verifyPeerSvid(svid->chain.front().get(), {}, ca->bundle(), std::chrono::system_clock::now());
  EXPECT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.spiffeId, svid->spiffeId);
}

}  // namespace
}  // namespace warden::sidecar
