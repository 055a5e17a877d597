#include "operator/webhooks/admission_handlers.h"

#include <exception>
#include <optional>

#include "operator/webhooks/admission_review.h"
#include "operator/webhooks/policy_validator.h"
#include "policy/quote.h"
#include "policy/strict_json.h"

namespace warden::op {
namespace {

using nlohmann::json;

const char* reasonFor(int status) {
  switch (status) {
    case 400: return "BadRequest";
    case 413: return "RequestEntityTooLarge";
    default: return "InternalError";
  }
}

// A reply for a request that cannot be answered with a review: a Kubernetes Status object.
AdmissionHttpReply statusReply(int status, const std::string& endpoint, const std::string& message) {
  const json body = {{"apiVersion", "v1"}, {"kind", "Status"},       {"status", "Failure"},
                     {"code", status},     {"reason", reasonFor(status)}, {"message", message}};
  return {status, body.dump(), endpoint + ": " + std::to_string(status) + " " + message};
}

AdmissionHttpReply reviewReply(const AdmissionResponse& response, std::string summary) {
  return {200, admissionReviewResponse(response).dump(), std::move(summary)};
}

AdmissionResponse denial(const std::string& uid, int code, std::string message) {
  AdmissionResponse r;
  r.uid = uid;
  r.allowed = false;
  r.code = code;
  r.message = std::move(message);
  return r;
}

// A request field in a log line: anyone who reaches the port can send one, so control bytes (which could forge
// log lines) are replaced and the length is bounded.
std::string forLog(std::string_view text) {
  std::string out(text.substr(0, 256));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return out;
}

std::string describeRequest(const std::string& endpoint, const AdmissionRequest& request) {
  std::string out = endpoint + " uid=" + forLog(request.uid) + " " + request.operation + " " +
                    forLog(request.kind.kind) + " ";
  if (!request.namespace_.empty()) out += forLog(request.namespace_) + "/";
  out += request.name.empty() ? "<generated>" : forLog(request.name);
  if (!request.userName.empty()) out += " by " + policy::quoteForMessage(request.userName, 128);
  return out;
}

// The envelope both endpoints share: size, JSON, AdmissionReview. Either the request or the reply to send.
struct Envelope {
  std::optional<AdmissionRequest> request;
  AdmissionHttpReply reply;
};

Envelope readEnvelope(std::string_view body, const std::string& endpoint) {
  Envelope out;
  if (body.size() > kMaxAdmissionBodyBytes) {
    out.reply = statusReply(413, endpoint,
                            "request body of " + std::to_string(body.size()) + " bytes is larger than the " +
                                std::to_string(kMaxAdmissionBodyBytes) + " bytes an AdmissionReview may have");
    return out;
  }
  auto parsed = policy::parseStrictJson(body);
  if (!parsed.ok()) {
    out.reply = statusReply(400, endpoint, "request body is not an AdmissionReview: not JSON: " + parsed.error);
    return out;
  }
  auto review = parseAdmissionReview(std::move(parsed.value));
  if (!review.request) {
    const std::string message = "malformed AdmissionReview: " + review.error;
    if (review.uid.empty()) {
      out.reply = statusReply(400, endpoint, message);
    } else {
      out.reply =
          reviewReply(denial(review.uid, 400, message), endpoint + " uid=" + forLog(review.uid) + ": " + message);
    }
    return out;
  }
  out.request = std::move(review.request);
  return out;
}

// The pod's namespace: the request's (always set for pods), else the pod's own.
std::string podNamespace(const AdmissionRequest& request) {
  if (!request.namespace_.empty()) return request.namespace_;
  auto md = request.object.find("metadata");
  if (md != request.object.end() && md->is_object()) {
    if (auto ns = md->find("namespace"); ns != md->end() && ns->is_string()) return ns->get<std::string>();
  }
  return {};
}

}  // namespace

AdmissionHandlers::AdmissionHandlers(SidecarInjector injector, McpServerLister listServers)
    : injector_(std::move(injector)), listServers_(std::move(listServers)) {}

AdmissionHttpReply AdmissionHandlers::inject(std::string_view body) const noexcept {
  const std::string endpoint = "/inject";
  std::string uid;
  try {
    auto envelope = readEnvelope(body, endpoint);
    if (!envelope.request) return envelope.reply;
    const auto& request = *envelope.request;
    uid = request.uid;
    const std::string what = describeRequest(endpoint, request);
    const auto& kind = request.kind;
    if (!kind.group.empty() || kind.kind != "Pod") {
      return reviewReply(denial(uid, 400,
                                "the mcp-warden injector handles pods, not " +
                                    policy::quoteForMessage(kind.group + "/" + kind.version + " " + kind.kind) +
                                    ": the MutatingWebhookConfiguration's rules are wrong"),
                         what + ": denied, not a pod");
    }
    if (request.operation != "CREATE" || !request.subResource.empty()) {
      AdmissionResponse allowed;
      allowed.uid = uid;
      allowed.allowed = true;
      return reviewReply(allowed, what + ": allowed, only pod creation is injected");
    }
    if (!request.object.is_object()) {
      return reviewReply(denial(uid, 400, "request.object is missing: a pod CREATE must carry the pod"),
                         what + ": denied, no object");
    }
    const std::string ns = podNamespace(request);
    if (ns.empty()) {
      return reviewReply(denial(uid, 400, "the pod has no namespace (request.namespace is empty)"),
                         what + ": denied, no namespace");
    }

    const auto decision = injector_.decide(request.object, ns, [&] { return listServers_(ns); });
    AdmissionResponse response;
    response.uid = uid;
    switch (decision.outcome) {
      case InjectionDecision::Outcome::Skip:
        response.allowed = true;
        return reviewReply(response, what + ": allowed unchanged, " + decision.message);
      case InjectionDecision::Outcome::Refuse:
        return reviewReply(denial(uid, decision.code, decision.message), what + ": refused, " + decision.message);
      case InjectionDecision::Outcome::Inject:
        response.allowed = true;
        response.patch = decision.patch;
        return reviewReply(response, what + ": " + decision.message);
    }
    return statusReply(500, endpoint, "unknown injection outcome");
  } catch (const std::exception& e) {
    // Fail closed: the pod is not admitted without its sidecar (failurePolicy Fail does the same on a 500).
    const std::string message = std::string("internal error while injecting the warden sidecar: ") + e.what();
    if (uid.empty()) return statusReply(500, endpoint, message);
    return reviewReply(denial(uid, 500, message), endpoint + " uid=" + forLog(uid) + ": " + message);
  } catch (...) {
    return statusReply(500, endpoint, "internal error while injecting the warden sidecar");
  }
}

AdmissionHttpReply AdmissionHandlers::validate(std::string_view body) const noexcept {
  const std::string endpoint = "/validate";
  std::string uid;
  try {
    auto envelope = readEnvelope(body, endpoint);
    if (!envelope.request) return envelope.reply;
    const auto& request = *envelope.request;
    uid = request.uid;
    const auto response = validatePolicyObject(request);
    const std::string what = describeRequest(endpoint, request);
    return reviewReply(response, what + (response.allowed ? ": allowed" : ": denied, " + response.message));
  } catch (const std::exception& e) {
    const std::string message = std::string("internal error while validating: ") + e.what();
    if (uid.empty()) return statusReply(500, endpoint, message);
    return reviewReply(denial(uid, 500, message), endpoint + " uid=" + forLog(uid) + ": " + message);
  } catch (...) {
    return statusReply(500, endpoint, "internal error while validating");
  }
}

}  // namespace warden::op
