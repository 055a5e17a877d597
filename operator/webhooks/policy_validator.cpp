#include "operator/webhooks/policy_validator.h"

#include "policy/model.h"
#include "policy/object_decoder.h"
#include "policy/quote.h"

namespace warden::op {
namespace {

using nlohmann::json;

constexpr int kBadRequest = 400;
constexpr int kUnprocessable = 422;

AdmissionResponse allow(const AdmissionRequest& request) {
  AdmissionResponse r;
  r.uid = request.uid;
  r.allowed = true;
  return r;
}

AdmissionResponse deny(const AdmissionRequest& request, int code, std::string message) {
  AdmissionResponse r;
  r.uid = request.uid;
  r.allowed = false;
  r.code = code;
  r.message = std::move(message);
  return r;
}

bool beingDeleted(const json& object) {
  auto md = object.find("metadata");
  return md != object.end() && md->is_object() && md->contains("deletionTimestamp") &&
         !md->at("deletionTimestamp").is_null();
}

// At admission the object may lack what the request carries (an older client, a namespaced create through the
// collection path): take the namespace and name from the request then, so that messages and defaults are right.
void fillIdentity(json& object, const AdmissionRequest& request) {
  auto md = object.find("metadata");
  if (md == object.end() || !md->is_object()) return;  // the decoder reports it
  auto fill = [&](const char* key, const std::string& value) {
    auto it = md->find(key);
    if (!value.empty() &&
        (it == md->end() || it->is_null() || (it->is_string() && it->get_ref<const std::string&>().empty()))) {
      (*md)[key] = value;
    }
  };
  fill("namespace", request.namespace_);
  fill("name", request.name);
}

std::string objectName(const AdmissionRequest& request, const json& object) {
  std::string name = request.name;
  if (auto md = object.find("metadata"); name.empty() && md != object.end() && md->is_object()) {
    if (auto n = md->find("name"); n != md->end() && n->is_string()) name = n->get<std::string>();
  }
  std::string out = policy::quoteForMessage(name.empty() ? "<unnamed>" : name);
  if (!request.namespace_.empty()) out += " in namespace " + policy::quoteForMessage(request.namespace_);
  return out;
}

}  // namespace

AdmissionResponse validatePolicyObject(const AdmissionRequest& request) {
  if (request.operation != "CREATE" && request.operation != "UPDATE") return allow(request);
  if (!request.subResource.empty()) return allow(request);
  const std::string& kind = request.kind.kind;
  if (request.kind.group != policy::kApiGroup || (kind != policy::kKindToolPolicy && kind != policy::kKindMCPServer)) {
    return deny(request, kBadRequest,
                "the mcp-warden validating webhook checks ToolPolicy and MCPServer objects of " +
                    std::string(policy::kApiGroup) + ", not " +
                    policy::quoteForMessage(request.kind.group + "/" + request.kind.version + " " + kind) +
                    ": the ValidatingWebhookConfiguration's rules are wrong");
  }
  if (!request.object.is_object()) {
    return deny(request, kBadRequest, "request.object is missing: the " + kind + " to check is not in the request");
  }
  if (request.operation == "UPDATE" && beingDeleted(request.object)) return allow(request);

  json object = request.object;
  fillIdentity(object, request);
  const std::string name = objectName(request, object);
  policy::FieldErrors errors;
  const bool decoded = kind == policy::kKindToolPolicy ? policy::decodeToolPolicy(std::move(object), errors).has_value()
                                                       : policy::decodeMCPServer(std::move(object), errors).has_value();
  if (decoded && errors.empty()) return allow(request);
  if (errors.empty()) errors.push_back({"", "the object cannot be read"});
  std::string message = kind + " " + name + " is invalid (" + std::to_string(errors.size()) +
                        (errors.size() == 1 ? " error" : " errors") + "): ";
  for (std::size_t i = 0; i < errors.size(); ++i) message += (i == 0 ? "" : "; ") + errors[i].toString();
  return deny(request, kUnprocessable, std::move(message));
}

}  // namespace warden::op
