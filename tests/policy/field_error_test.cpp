#include "policy/field_error.h"

#include <gtest/gtest.h>

namespace warden::policy {
namespace {

TEST(FieldPathTest, BuildsKubernetesStylePaths) {
  FieldPath spec("spec");
  EXPECT_EQ(spec.field("rules").index(2).field("when").index(0).field("op").str(), "spec.rules[2].when[0].op");
  EXPECT_EQ(FieldPath("metadata").field("labels").key("app").str(), "metadata.labels[app]");
  EXPECT_EQ(FieldPath().field("spec").str(), "spec");
}

TEST(FieldErrorTest, FormatsPathAndMessage) {
  FieldError e{"spec.rules[2].when[0].op", "unknown operator \"Matchs\""};
  EXPECT_EQ(e.toString(), "spec.rules[2].when[0].op: unknown operator \"Matchs\"");
  EXPECT_EQ((FieldError{"", "bad"}).toString(), "bad");
  EXPECT_EQ(formatErrors({{"a", "x"}, {"b", "y"}}), "a: x\nb: y\n");
}

}  // namespace
}  // namespace warden::policy
