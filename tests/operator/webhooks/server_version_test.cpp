#include "operator/webhooks/server_version.h"

#include <gtest/gtest.h>

namespace warden::op {
namespace {

using nlohmann::json;

std::optional<ServerVersion> parse(const std::string& text, std::string* error = nullptr) {
  return parseServerVersion(std::string_view(text), error);
}

TEST(ServerVersionTest, ReadsMajorAndMinor) {
  EXPECT_EQ(parse(R"({"major":"1","minor":"29","gitVersion":"v1.29.4"})"), (ServerVersion{1, 29}));
  EXPECT_EQ(parse(R"({"major":"1","minor":"28"})"), (ServerVersion{1, 28}));
  // EKS and GKE: "29+".
  EXPECT_EQ(parse(R"({"major":"1","minor":"29+","gitVersion":"v1.29.6-eks-1de2ab1"})"), (ServerVersion{1, 29}));
}

TEST(ServerVersionTest, FallsBackToGitVersion) {
  EXPECT_EQ(parse(R"({"major":"","minor":"","gitVersion":"v1.30.2-gke.1587003"})"), (ServerVersion{1, 30}));
  EXPECT_EQ(parse(R"({"gitVersion":"v1.31.0"})"), (ServerVersion{1, 31}));
  EXPECT_EQ(parse(R"({"gitVersion":"1.29.0+k3s1"})"), (ServerVersion{1, 29}));
  EXPECT_EQ(parse(R"({"major":"1","minor":"x","gitVersion":"v1.27.3"})"), (ServerVersion{1, 27}));
  EXPECT_EQ(parse(R"({"major":1,"minor":29,"gitVersion":"v1.29.1"})"), (ServerVersion{1, 29}));
}

TEST(ServerVersionTest, RefusesWhatCannotBeRead) {
  std::string error;
  EXPECT_FALSE(parse(R"({"major":"","minor":"","gitVersion":"v1"})", &error));
  EXPECT_EQ(error, "cannot read the API server version: major \"\", minor \"\", gitVersion \"v1\"");
  EXPECT_FALSE(parse(R"({"major":"1","minor":"29.5"})", &error));
  EXPECT_FALSE(parse(R"({"gitVersion":"vX.29"})", &error));
  EXPECT_FALSE(parse(R"({"gitVersion":"v1.29x"})", &error));
  EXPECT_FALSE(parse(R"({"major":"1","minor":"1234567"})", &error));  // no overflow, just refused
  EXPECT_FALSE(parse(R"({"major":{"a":1}})", &error));
  EXPECT_EQ(error, "cannot read the API server version: major <object>, minor absent, gitVersion absent");
  EXPECT_FALSE(parse("[]", &error));
  EXPECT_EQ(error, "the /version answer is not a JSON object");
  EXPECT_FALSE(parse("not json", &error));
  EXPECT_EQ(error.rfind("the /version answer is not JSON: syntax error at byte ", 0), 0u) << error;
  EXPECT_FALSE(parse("{}"));  // no error pointer: still no crash
}

TEST(ServerVersionTest, Compares) {
  EXPECT_TRUE((ServerVersion{1, 29}).atLeast(1, 29));
  EXPECT_TRUE((ServerVersion{1, 30}).atLeast(1, 29));
  EXPECT_TRUE((ServerVersion{2, 0}).atLeast(1, 29));
  EXPECT_FALSE((ServerVersion{1, 28}).atLeast(1, 29));
  EXPECT_FALSE((ServerVersion{0, 99}).atLeast(1, 29));
  EXPECT_EQ((ServerVersion{1, 29}).toString(), "1.29");
}

}  // namespace
}  // namespace warden::op
