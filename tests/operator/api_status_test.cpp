#include "operator/kube/api_status.h"

#include <gtest/gtest.h>

namespace warden::op {
namespace {

using nlohmann::json;

json statusObject(int code, const std::string& reason, const std::string& message) {
  return json{{"kind", "Status"}, {"apiVersion", "v1"},  {"metadata", json::object()}, {"status", "Failure"},
              {"message", message}, {"reason", reason}, {"code", code}};
}

TEST(ApiStatusTest, StatusObjectMessage) {
  const json status = statusObject(409, "Conflict",
                                   "Operation cannot be fulfilled on configmaps \"a\": the object has been modified");
  EXPECT_EQ(describeApiError(409, "Conflict", status, status.dump()),
            "409 Conflict: Operation cannot be fulfilled on configmaps \"a\": the object has been modified");
}

TEST(ApiStatusTest, StandardPhraseWhenTheResponseHasNone) {
  const json status = statusObject(404, "NotFound", "configmaps \"x\" not found");
  EXPECT_EQ(describeApiError(404, "", status, status.dump()), "404 Not Found: configmaps \"x\" not found");
  EXPECT_EQ(describeApiError(599, "", json(), ""), "599 (empty body)");
}

TEST(ApiStatusTest, StatusWithoutMessageUsesReason) {
  json status = statusObject(403, "Forbidden", "");
  EXPECT_EQ(describeApiError(403, "Forbidden", status, status.dump()), "403 Forbidden: Forbidden");
  status.erase("reason");
  EXPECT_EQ(describeApiError(403, "Forbidden", status, status.dump()), "403 Forbidden: (no message)");
}

TEST(ApiStatusTest, NonStatusBodiesAreQuoted) {
  EXPECT_EQ(describeApiError(502, "Bad Gateway", json(), "<html>bad\ngateway</html>"),
            "502 Bad Gateway: \"<html>bad\\ngateway</html>\"");
  // JSON that is not a Status is quoted as text too.
  EXPECT_EQ(describeApiError(500, "", json{{"kind", "ConfigMap"}}, R"({"kind":"ConfigMap"})"),
            R"(500 Internal Server Error: "{\"kind\":\"ConfigMap\"}")");
  EXPECT_EQ(describeApiError(503, "Service Unavailable", json(), ""), "503 Service Unavailable (empty body)");
}

TEST(ApiStatusTest, MessagesStayOneLine) {
  const json status = statusObject(422, "Invalid", "spec.x: Invalid value\nspec.y:\tRequired\r");
  EXPECT_EQ(describeApiError(422, "Unprocessable\nEntity", status, ""),
            "422 Unprocessable Entity: spec.x: Invalid value spec.y: Required ");
}

TEST(ApiStatusTest, LongMessagesAreCutAtACharacterBoundary) {
  // 2047 ASCII bytes, then two-byte characters: the cut must not split one.
  const std::string message = std::string(2047, 'a') + "\xc3\xa9\xc3\xa9\xc3\xa9";
  const std::string text = describeApiError(400, "", statusObject(400, "BadRequest", message), "");
  EXPECT_EQ(text, "400 Bad Request: " + std::string(2047, 'a') + "...");
  const std::string even = std::string(2046, 'a') + "\xc3\xa9\xc3\xa9";
  EXPECT_EQ(describeApiError(400, "", statusObject(400, "BadRequest", even), ""),
            "400 Bad Request: " + std::string(2046, 'a') + "\xc3\xa9...");
  const std::string exact = std::string(2048, 'b');
  EXPECT_EQ(describeApiError(400, "", statusObject(400, "BadRequest", exact), ""), "400 Bad Request: " + exact);
}

TEST(ApiStatusTest, WatchErrorStatus) {
  const json gone = statusObject(410, "Expired", "too old resource version: 5 (42)");
  EXPECT_EQ(describeStatusObject(gone), "410 Gone: too old resource version: 5 (42)");
  EXPECT_TRUE(isGoneStatus(gone));
  EXPECT_EQ(describeStatusObject(json{{"message", "boom"}}), "error: boom");
  EXPECT_EQ(describeStatusObject(json("text")), "watch error without a Status: \"\\\"text\\\"\"");
}

TEST(ApiStatusTest, GoneDetection) {
  EXPECT_TRUE(isGoneStatus(json{{"code", 410}}));
  EXPECT_TRUE(isGoneStatus(json{{"reason", "Expired"}}));
  EXPECT_TRUE(isGoneStatus(json{{"reason", "Gone"}}));
  EXPECT_FALSE(isGoneStatus(statusObject(500, "InternalError", "etcd down")));
  EXPECT_FALSE(isGoneStatus(json{{"code", "410"}}));
  EXPECT_FALSE(isGoneStatus(json::array()));
  EXPECT_FALSE(isGoneStatus(json()));
}

TEST(ApiStatusTest, ReasonPhrases) {
  EXPECT_EQ(standardReasonPhrase(200), "OK");
  EXPECT_EQ(standardReasonPhrase(302), "Found");
  EXPECT_EQ(standardReasonPhrase(409), "Conflict");
  EXPECT_EQ(standardReasonPhrase(410), "Gone");
  EXPECT_EQ(standardReasonPhrase(422), "Unprocessable Entity");
  EXPECT_EQ(standardReasonPhrase(0), "");
  EXPECT_EQ(standardReasonPhrase(299), "");
}

}  // namespace
}  // namespace warden::op
