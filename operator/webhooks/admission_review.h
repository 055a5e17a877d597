#pragma once

// admission.k8s.io/v1 AdmissionReview: the request the API server sends to a webhook, read strictly, and the
// response the webhook sends back.

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace warden::op {

inline constexpr std::string_view kAdmissionApiVersion = "admission.k8s.io/v1";

struct GroupVersionKind {
  std::string group;  // "" for the core API
  std::string version;
  std::string kind;
};

struct GroupVersionResource {
  std::string group;
  std::string version;
  std::string resource;
};

struct AdmissionRequest {
  std::string uid;
  GroupVersionKind kind;
  GroupVersionResource resource;
  std::string subResource;
  std::string name;        // empty on CREATE of an object with generateName (mutating webhooks run before naming)
  std::string namespace_;  // of the object; empty for cluster-scoped ones
  std::string operation;   // CREATE, UPDATE, DELETE or CONNECT
  std::string userName;    // userInfo.username, for logs
  nlohmann::json object;     // null when the operation has none (DELETE)
  nlohmann::json oldObject;  // null when the operation has none (CREATE)
  bool dryRun = false;
};

struct AdmissionParseResult {
  std::optional<AdmissionRequest> request;
  // Why the review could not be read: "request.uid: required string is missing".
  std::string error;
  // request.uid when it could be read although the rest could not, so that the answer can still be a review
  // (the API server then shows our message instead of a generic webhook failure).
  std::string uid;
};

// Reads a parsed JSON body: apiVersion admission.k8s.io/v1, kind AdmissionReview, and a request whose fields have
// the types the API defines (uid, kind, resource and operation required). Fields this code does not use are
// allowed, as the API may add some. The review is taken by value: its objects are moved into the request. Never
// throws (but std::bad_alloc).
AdmissionParseResult parseAdmissionReview(nlohmann::json review);

struct AdmissionResponse {
  std::string uid;
  bool allowed = false;
  int code = 0;             // status.code; 0: no status
  std::string message;      // status.message
  nlohmann::json patch;     // an RFC 6902 JSON Patch (array); null or empty: no patch
};

// The AdmissionReview answer: {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response":
// {"uid", "allowed", "status": {"code", "message"}, "patchType": "JSONPatch", "patch": <base64>}}.
nlohmann::json admissionReviewResponse(const AdmissionResponse& response);

// Standard base64 (RFC 4648, with padding), as the API server expects the patch.
std::string base64Encode(std::string_view bytes);

}  // namespace warden::op
