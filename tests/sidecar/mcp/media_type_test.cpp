#include "sidecar/mcp/media_type.h"

#include <gtest/gtest.h>

namespace warden::sidecar::mcp {
namespace {

TEST(MediaTypeTest, AcceptMustListBothTypes) {
  EXPECT_TRUE(acceptsJsonAndEventStream("application/json, text/event-stream"));
  EXPECT_TRUE(acceptsJsonAndEventStream("text/event-stream,application/json"));
  EXPECT_TRUE(acceptsJsonAndEventStream("Application/JSON;q=0.9 , TEXT/Event-Stream; charset=utf-8"));
  EXPECT_TRUE(acceptsJsonAndEventStream("text/html, application/json, text/event-stream;q=0.5"));
  EXPECT_FALSE(acceptsJsonAndEventStream("application/json"));
  EXPECT_FALSE(acceptsJsonAndEventStream("text/event-stream"));
  EXPECT_FALSE(acceptsJsonAndEventStream("*/*"));
  EXPECT_FALSE(acceptsJsonAndEventStream("application/*, text/*"));
  EXPECT_FALSE(acceptsJsonAndEventStream(""));
  EXPECT_FALSE(acceptsJsonAndEventStream("application/jsonx, text/event-streams"));
  EXPECT_FALSE(acceptsJsonAndEventStream("application/json;q=0, text/event-stream"));
  EXPECT_FALSE(acceptsJsonAndEventStream("application/json, text/event-stream; Q=0.000"));
  EXPECT_TRUE(acceptsJsonAndEventStream("application/json;q=0.001, text/event-stream"));
}

TEST(MediaTypeTest, ContentTypeMustBeJson) {
  EXPECT_TRUE(isJsonContentType("application/json"));
  EXPECT_TRUE(isJsonContentType("Application/Json; charset=utf-8"));
  EXPECT_TRUE(isJsonContentType(" application/json ;"));
  EXPECT_FALSE(isJsonContentType("text/plain; a=application/json"));
  EXPECT_FALSE(isJsonContentType("application/json-patch+json"));
  EXPECT_FALSE(isJsonContentType("application/json, text/plain"));
  EXPECT_FALSE(isJsonContentType(""));
}

}  // namespace
}  // namespace warden::sidecar::mcp
