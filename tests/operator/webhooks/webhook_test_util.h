#pragma once

// Helpers shared by the webhook tests: AdmissionReview requests as the API server sends them, and decoding the
// answers.

#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace warden::op::testing {

inline constexpr const char* kTestUid = "705ab4f5-6393-11e8-b7cc-42010a800002";

// RFC 4648 base64 with padding; throws on anything else (a test failure).
inline std::string base64Decode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (text.size() % 4 != 0) throw std::invalid_argument("base64: length is not a multiple of 4");
  std::string out;
  for (std::size_t i = 0; i < text.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int j = 0; j < 4; ++j) {
      const char c = text[i + j];
      if (c == '=' && i + 4 == text.size() && j >= 2) {
        v[j] = 0;
        ++pad;
      } else if (pad > 0 || (v[j] = value(c)) < 0) {
        throw std::invalid_argument("base64: invalid character");
      }
    }
    const unsigned n = static_cast<unsigned>(v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3]);
    out += static_cast<char>((n >> 16) & 0xff);
    if (pad < 2) out += static_cast<char>((n >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(n & 0xff);
  }
  return out;
}

// A v1 AdmissionReview request for `object` (a pod CREATE unless told otherwise).
inline nlohmann::json admissionReview(const nlohmann::json& object, const std::string& ns,
                                      const std::string& operation = "CREATE", const std::string& group = "",
                                      const std::string& version = "v1", const std::string& kind = "Pod",
                                      const std::string& resource = "pods") {
  nlohmann::json request = {
      {"uid", kTestUid},
      {"kind", {{"group", group}, {"version", version}, {"kind", kind}}},
      {"resource", {{"group", group}, {"version", version}, {"resource", resource}}},
      {"requestKind", {{"group", group}, {"version", version}, {"kind", kind}}},
      {"requestResource", {{"group", group}, {"version", version}, {"resource", resource}}},
      {"namespace", ns},
      {"operation", operation},
      {"userInfo",
       {{"username", "system:serviceaccount:kube-system:replicaset-controller"},
        {"groups", {"system:serviceaccounts"}}}},
      {"object", object},
      {"oldObject", nullptr},
      {"dryRun", false},
      {"options", {{"apiVersion", "meta.k8s.io/v1"}, {"kind", "CreateOptions"}}},
  };
  if (object.contains("metadata") && object["metadata"].contains("name")) request["name"] = object["metadata"]["name"];
  return {{"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}, {"request", std::move(request)}};
}

// The `response` of an AdmissionReview answer body.
inline nlohmann::json reviewResponse(const std::string& body) {
  const auto review = nlohmann::json::parse(body);
  if (review.at("apiVersion") != "admission.k8s.io/v1" || review.at("kind") != "AdmissionReview") {
    throw std::invalid_argument("not an AdmissionReview answer: " + body);
  }
  return review.at("response");
}

// The decoded JSON Patch of a response (null when it has none).
inline nlohmann::json decodedPatch(const nlohmann::json& response) {
  if (!response.contains("patch")) return nullptr;
  if (response.at("patchType") != "JSONPatch") throw std::invalid_argument("patchType is not JSONPatch");
  return nlohmann::json::parse(base64Decode(response.at("patch").get<std::string>()));
}

}  // namespace warden::op::testing
