#include "sidecar/mcp/call_target.h"

#include <string_view>
#include <utility>

namespace warden::sidecar::mcp {
namespace {

using nlohmann::json;

std::optional<CallTarget> fail(std::string* error, std::string message) {
  if (error) *error = std::move(message);
  return std::nullopt;
}

// params.<key> as a string; nullptr when params or the member is missing or not a string.
const std::string* stringMember(const json* params, const char* key) {
  if (params == nullptr) return nullptr;
  const auto it = params->find(key);
  return it != params->end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
}

}  // namespace

std::optional<CallTarget> callTargetOf(const ClientMessage& message, std::string* error) {
  if (message.kind != MessageKind::Request && message.kind != MessageKind::Notification) {
    return fail(error, std::string("the message has no method (") + toString(message.kind) + ")");
  }
  CallTarget out;
  const std::string_view method = message.method();
  out.kind = policy::classifyMethod(method);
  if (out.kind == policy::MethodClass::Session || out.kind == policy::MethodClass::Unknown) return out;

  // parseClientBody guarantees params is an object when present.
  const json* params = message.params();
  const char* key = out.kind == policy::MethodClass::Resource ? "uri" : "name";
  const std::string* target = stringMember(params, key);
  if (target == nullptr) {
    return fail(error, std::string(method) + ": params." + key + " must be a string");
  }
  out.target = *target;

  if (out.kind == policy::MethodClass::Resource) {
    out.arguments = params;
    return out;
  }
  if (const auto args = params->find("arguments"); args != params->end()) {
    if (!args->is_object()) {
      return fail(error, std::string(method) + ": params.arguments must be an object");
    }
    out.arguments = &*args;
  }
  return out;
}

}  // namespace warden::sidecar::mcp
