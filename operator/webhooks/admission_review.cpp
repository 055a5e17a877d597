#include "operator/webhooks/admission_review.h"

#include <algorithm>
#include <array>
#include <vector>

#include "policy/quote.h"

namespace warden::op {
namespace {

using nlohmann::json;

// Reads typed fields of one JSON object and records every problem with its path.
class FieldReader {
 public:
  FieldReader(const json& object, std::string path, std::vector<std::string>& errors)
      : object_(object), path_(std::move(path)), errors_(errors) {}

  std::string string(const char* key, bool required) {
    const json* value = find(key, required);
    if (value == nullptr) return {};
    if (!value->is_string()) {
      typeError(key, "a string", *value);
      return {};
    }
    return value->get<std::string>();
  }

  bool boolean(const char* key) {
    const json* value = find(key, false);
    if (value == nullptr) return false;
    if (!value->is_boolean()) {
      typeError(key, "a boolean", *value);
      return false;
    }
    return value->get<bool>();
  }

  // An optional object: the value when it is one; nullptr when absent, null or (an error) of another type.
  const json* optionalObject(const char* key) {
    const json* value = find(key, false);
    if (value != nullptr && !value->is_object()) {
      typeError(key, "an object", *value);
      return nullptr;
    }
    return value;
  }

  // A required object, for reading its fields: nullptr when absent or of another type.
  const json* child(const char* key) {
    const json* value = find(key, true);
    if (value != nullptr && !value->is_object()) {
      typeError(key, "an object", *value);
      return nullptr;
    }
    return value;
  }

  std::string pathOf(const char* key) const { return path_.empty() ? key : path_ + "." + key; }

 private:
  // The value, or nullptr when absent (an error if required) or null (allowed for optional fields only).
  const json* find(const char* key, bool required) {
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) {
      if (required) errors_.push_back(pathOf(key) + ": required field is missing");
      return nullptr;
    }
    return &*it;
  }

  void typeError(const char* key, const char* expected, const json& value) {
    errors_.push_back(pathOf(key) + ": expected " + expected + ", got " + value.type_name());
  }

  const json& object_;
  std::string path_;
  std::vector<std::string>& errors_;
};

std::string joined(const std::vector<std::string>& errors) {
  std::string out;
  for (const auto& e : errors) {
    if (!out.empty()) out += "; ";
    out += e;
  }
  return out;
}

}  // namespace

AdmissionParseResult parseAdmissionReview(json review) {
  AdmissionParseResult result;
  if (!review.is_object()) {
    result.error = std::string("expected an AdmissionReview object, got ") + review.type_name();
    return result;
  }
  std::vector<std::string> errors;
  FieldReader top(review, "", errors);
  const auto apiVersion = top.string("apiVersion", true);
  const auto kind = top.string("kind", true);
  if (errors.empty() && apiVersion != kAdmissionApiVersion) {
    errors.push_back("apiVersion: must be \"" + std::string(kAdmissionApiVersion) + "\" (the webhook is " +
                     "configured with admissionReviewVersions [v1]), got " + policy::quoteForMessage(apiVersion));
  }
  if (errors.empty() && kind != "AdmissionReview") {
    errors.push_back("kind: must be \"AdmissionReview\", got " + policy::quoteForMessage(kind));
  }
  if (top.child("request") == nullptr) {
    result.error = joined(errors);
    return result;
  }
  json& request = review.at("request");

  AdmissionRequest out;
  FieldReader req(request, "request", errors);
  out.uid = req.string("uid", true);
  result.uid = out.uid;
  if (const json* gvk = req.child("kind")) {
    FieldReader r(*gvk, "request.kind", errors);
    out.kind = {r.string("group", false), r.string("version", true), r.string("kind", true)};
  }
  if (const json* gvr = req.child("resource")) {
    FieldReader r(*gvr, "request.resource", errors);
    out.resource = {r.string("group", false), r.string("version", true), r.string("resource", true)};
  }
  out.subResource = req.string("subResource", false);
  out.name = req.string("name", false);
  out.namespace_ = req.string("namespace", false);
  out.operation = req.string("operation", true);
  static const std::array<std::string_view, 4> kOperations = {"CREATE", "UPDATE", "DELETE", "CONNECT"};
  if (!out.operation.empty() &&
      std::find(kOperations.begin(), kOperations.end(), out.operation) == kOperations.end()) {
    errors.push_back("request.operation: must be CREATE, UPDATE, DELETE or CONNECT, got " +
                     policy::quoteForMessage(out.operation));
  }
  if (const json* userInfo = req.optionalObject("userInfo")) {
    FieldReader r(*userInfo, "request.userInfo", errors);
    out.userName = r.string("username", false);
  }
  // The objects are moved out of the review rather than copied: a pod can be large.
  if (req.optionalObject("object") != nullptr) out.object = std::move(request.at("object"));
  if (req.optionalObject("oldObject") != nullptr) out.oldObject = std::move(request.at("oldObject"));
  out.dryRun = req.boolean("dryRun");

  if (!errors.empty()) {
    result.error = joined(errors);
    return result;
  }
  result.request = std::move(out);
  return result;
}

json admissionReviewResponse(const AdmissionResponse& response) {
  json body = {{"uid", response.uid}, {"allowed", response.allowed}};
  if (response.code != 0 || !response.message.empty()) {
    json status = json::object();
    if (response.code != 0) status["code"] = response.code;
    if (!response.message.empty()) status["message"] = response.message;
    body["status"] = std::move(status);
  }
  if (response.patch.is_array() && !response.patch.empty()) {
    body["patchType"] = "JSONPatch";
    body["patch"] = base64Encode(response.patch.dump());
  }
  return {{"apiVersion", kAdmissionApiVersion}, {"kind", "AdmissionReview"}, {"response", std::move(body)}};
}

std::string base64Encode(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const auto n = static_cast<unsigned>(static_cast<unsigned char>(bytes[i])) << 16 |
                   static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 1])) << 8 |
                   static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 2]));
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  const auto rest = bytes.size() - i;
  if (rest > 0) {
    unsigned n = static_cast<unsigned>(static_cast<unsigned char>(bytes[i])) << 16;
    if (rest == 2) n |= static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

}  // namespace warden::op
