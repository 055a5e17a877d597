#include "operator/webhooks/admission_review.h"

#include <gtest/gtest.h>

#include "tests/operator/webhooks/webhook_test_util.h"

namespace warden::op {
namespace {

using nlohmann::json;

json podReview() {
  return testing::admissionReview({{"metadata", {{"name", "p"}}}, {"spec", json::object()}}, "tools");
}

std::string errorOf(const json& review) {
  const auto result = parseAdmissionReview(review);
  EXPECT_FALSE(result.request.has_value());
  return result.error;
}

TEST(AdmissionReviewTest, ReadsARequest) {
  const auto result = parseAdmissionReview(podReview());
  ASSERT_TRUE(result.request) << result.error;
  const auto& r = *result.request;
  EXPECT_EQ(r.uid, testing::kTestUid);
  EXPECT_EQ(result.uid, testing::kTestUid);
  EXPECT_EQ(r.kind.group, "");
  EXPECT_EQ(r.kind.version, "v1");
  EXPECT_EQ(r.kind.kind, "Pod");
  EXPECT_EQ(r.resource.resource, "pods");
  EXPECT_EQ(r.operation, "CREATE");
  EXPECT_EQ(r.namespace_, "tools");
  EXPECT_EQ(r.name, "p");
  EXPECT_EQ(r.userName, "system:serviceaccount:kube-system:replicaset-controller");
  EXPECT_EQ(r.object.at("metadata").at("name"), "p");
  EXPECT_TRUE(r.oldObject.is_null());
  EXPECT_FALSE(r.dryRun);
}

TEST(AdmissionReviewTest, OptionalFieldsMayBeAbsentOrNull) {
  json review = {{"apiVersion", "admission.k8s.io/v1"},
                 {"kind", "AdmissionReview"},
                 {"request",
                  {{"uid", "u1"},
                   {"kind", {{"version", "v1"}, {"kind", "Pod"}}},
                   {"resource", {{"version", "v1"}, {"resource", "pods"}}},
                   {"operation", "DELETE"},
                   {"name", nullptr},
                   {"object", nullptr},
                   {"dryRun", true}}}};
  const auto result = parseAdmissionReview(review);
  ASSERT_TRUE(result.request) << result.error;
  EXPECT_TRUE(result.request->object.is_null());
  EXPECT_TRUE(result.request->dryRun);
  EXPECT_EQ(result.request->name, "");
  EXPECT_EQ(result.request->namespace_, "");
}

TEST(AdmissionReviewTest, RefusesMalformedReviewsClearly) {
  EXPECT_EQ(errorOf(json::array()), "expected an AdmissionReview object, got array");
  EXPECT_EQ(errorOf(json::object()),
            "apiVersion: required field is missing; kind: required field is missing; request: required field is "
            "missing");
  auto r = podReview();
  r["apiVersion"] = "admission.k8s.io/v1beta1";
  EXPECT_EQ(errorOf(r),
            "apiVersion: must be \"admission.k8s.io/v1\" (the webhook is configured with admissionReviewVersions "
            "[v1]), got \"admission.k8s.io/v1beta1\"");
  r = podReview();
  r["kind"] = "ConversionReview";
  EXPECT_EQ(errorOf(r), "kind: must be \"AdmissionReview\", got \"ConversionReview\"");
  r = podReview();
  r["request"] = "x";
  EXPECT_EQ(errorOf(r), "request: expected an object, got string");
  r = podReview();
  r["request"].erase("uid");
  EXPECT_EQ(errorOf(r), "request.uid: required field is missing");
  r = podReview();
  r["request"]["uid"] = 7;
  EXPECT_EQ(errorOf(r), "request.uid: expected a string, got number");
  r = podReview();
  r["request"]["operation"] = "PATCH";
  EXPECT_EQ(errorOf(r), "request.operation: must be CREATE, UPDATE, DELETE or CONNECT, got \"PATCH\"");
  r = podReview();
  r["request"]["kind"].erase("kind");
  r["request"]["resource"] = json::array();
  EXPECT_EQ(errorOf(r), "request.kind.kind: required field is missing; request.resource: expected an object, got "
                        "array");
  r = podReview();
  r["request"]["object"] = "pod";
  r["request"]["dryRun"] = "no";
  r["request"]["userInfo"] = {{"username", 1}};
  EXPECT_EQ(errorOf(r), "request.userInfo.username: expected a string, got number; request.object: expected an "
                        "object, got string; request.dryRun: expected a boolean, got string");
}

TEST(AdmissionReviewTest, KeepsTheUidOfAnOtherwiseMalformedReview) {
  auto r = podReview();
  r["request"]["operation"] = 1;
  const auto result = parseAdmissionReview(r);
  EXPECT_FALSE(result.request);
  EXPECT_EQ(result.uid, testing::kTestUid);
  EXPECT_EQ(result.error, "request.operation: expected a string, got number");
}

TEST(AdmissionReviewTest, BuildsResponses) {
  AdmissionResponse allowed;
  allowed.uid = "u1";
  allowed.allowed = true;
  EXPECT_EQ(admissionReviewResponse(allowed),
            json::parse(R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview",
                            "response":{"uid":"u1","allowed":true}})"));

  AdmissionResponse denied;
  denied.uid = "u2";
  denied.code = 403;
  denied.message = "no MCPServer";
  EXPECT_EQ(admissionReviewResponse(denied).at("response"),
            json::parse(R"({"uid":"u2","allowed":false,"status":{"code":403,"message":"no MCPServer"}})"));

  AdmissionResponse patched;
  patched.uid = "u3";
  patched.allowed = true;
  patched.patch = json::parse(R"([{"op":"add","path":"/metadata/annotations/a~1b","value":"x"}])");
  const auto response = admissionReviewResponse(patched).at("response");
  EXPECT_EQ(response.at("patchType"), "JSONPatch");
  EXPECT_EQ(testing::decodedPatch(response), patched.patch);

  patched.patch = json::array();  // an empty patch is no patch
  EXPECT_FALSE(admissionReviewResponse(patched).at("response").contains("patchType"));
}

TEST(AdmissionReviewTest, Base64MatchesRfc4648Vectors) {
  EXPECT_EQ(base64Encode(""), "");
  EXPECT_EQ(base64Encode("f"), "Zg==");
  EXPECT_EQ(base64Encode("fo"), "Zm8=");
  EXPECT_EQ(base64Encode("foo"), "Zm9v");
  EXPECT_EQ(base64Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64Encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64Encode(std::string("\xff\xfe\x00\x3e", 4)), "//4APg==");
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  EXPECT_EQ(testing::base64Decode(base64Encode(all)), all);
}

}  // namespace
}  // namespace warden::op
