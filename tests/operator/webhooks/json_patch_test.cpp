#include "operator/webhooks/json_patch.h"

#include <gtest/gtest.h>

namespace warden::op {
namespace {

using nlohmann::json;

TEST(JsonPatchTest, EscapesPointerTokens) {
  EXPECT_EQ(escapeJsonPointerToken("mcpwarden.io/status"), "mcpwarden.io~1status");
  EXPECT_EQ(escapeJsonPointerToken("a~b"), "a~0b");
  EXPECT_EQ(escapeJsonPointerToken("~/"), "~0~1");
  EXPECT_EQ(escapeJsonPointerToken("~1"), "~01");  // '~' first, so "~1" is not read back as '/'
  EXPECT_EQ(escapeJsonPointerToken("plain"), "plain");
  EXPECT_EQ(escapeJsonPointerToken(""), "");
}

TEST(JsonPatchTest, EscapedPathsApply) {
  json doc = {{"metadata", {{"annotations", {{"x", "1"}}}}}};
  const json patch = {patchAdd("/metadata/annotations/" + escapeJsonPointerToken("example.com/odd~key"), "v")};
  EXPECT_EQ(patch[0], json({{"op", "add"}, {"path", "/metadata/annotations/example.com~1odd~0key"}, {"value", "v"}}));
  const auto patched = doc.patch(patch);
  EXPECT_EQ(patched.at("metadata").at("annotations").at("example.com/odd~key"), "v");
  EXPECT_EQ(patched.at("metadata").at("annotations").at("x"), "1");
}

}  // namespace
}  // namespace warden::op
