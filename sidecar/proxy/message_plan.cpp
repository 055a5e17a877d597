#include "sidecar/proxy/message_plan.h"

#include "policy/canonical_json.h"
#include "policy/mcp_method.h"
#include "sidecar/mcp/call_target.h"
#include "sidecar/mcp/denial.h"

namespace warden::sidecar {
namespace {

const char* decisionWord(policy::Effect e) {
  switch (e) {
    case policy::Effect::Allow:
      return "allow";
    case policy::Effect::Review:
      return "review";
    case policy::Effect::Deny:
      break;
  }
  return "deny";
}

bool isListing(std::string_view method) {
  return method == "tools/list" || method == "resources/list" || method == "resources/templates/list" ||
         method == "prompts/list";
}

}  // namespace

std::string serverLabel(const policy::CompiledPolicy* policy) {
  if (policy == nullptr) return "";
  return policy->server().namespace_ + "/" + policy->server().name;
}

bool BodyPlan::anyForwarded() const {
  for (const auto& m : messages) {
    if (m.forward) return true;
  }
  return false;
}

std::string BodyPlan::forwardBody(const mcp::ParsedBody& body) const {
  std::vector<std::size_t> indices;
  for (const auto& m : messages) {
    if (m.forward) indices.push_back(m.index);
  }
  return mcp::serializeForUpstream(body, indices);
}

BodyPlan planBody(const mcp::ParsedBody& body, const PlanContext& context) {
  BodyPlan plan;
  plan.batch = body.batch;
  const std::string server = serverLabel(context.policy.get());
  const std::string version = context.policy ? context.policy->policyVersion() : "";
  for (std::size_t i = 0; i < body.messages.size(); ++i) {
    const auto& message = body.messages[i];
    MessagePlan m;
    m.index = i;
    if (message.kind == mcp::MessageKind::Invalid) {
      m.invalidResponse = message.invalidResponse;
      plan.messages.push_back(std::move(m));
      continue;
    }
    if (message.kind == mcp::MessageKind::Result || message.kind == mcp::MessageKind::Error) {
      m.forward = true;
      plan.messages.push_back(std::move(m));
      continue;
    }
    m.method = std::string(message.method());
    m.id = message.kind == mcp::MessageKind::Request ? message.id() : nlohmann::json();
    std::string targetError;
    auto target = mcp::callTargetOf(message, &targetError);
    if (!target) {
      // Malformed params of a gated method: never forwarded, answered like the server would (-32602).
      if (message.kind == mcp::MessageKind::Request) m.invalidResponse = mcp::invalidParamsResponse(m.id, targetError);
      plan.messages.push_back(std::move(m));
      continue;
    }
    m.target = target->target;

    policy::Decision decision;
    if (!context.policy) {
      decision = policy::noPolicyDecision();
    } else {
      policy::Request request;
      request.principal = context.principal;
      request.method = m.method;
      request.target = m.target;
      request.arguments = target->arguments;
      request.now = context.now;
      decision = policy::evaluate(*context.policy, request, *context.limiter);
    }
    m.forward = decision.effect == policy::Effect::Allow;
    if (m.forward && isListing(m.method) && !m.id.is_null()) plan.listings.emplace_back(m.id.dump(), m.method);

    m.needsReceipt = true;
    auto& r = m.receipt;
    r.time = context.now;
    r.server = server;
    r.principal = context.principal;
    r.session = context.session;
    r.method = m.method;
    r.target = m.target;
    r.argsSha256 = policy::sha256Hex(policy::canonicalJson(target->arguments ? *target->arguments
                                                                              : nlohmann::json::object()));
    r.decision = decisionWord(decision.effect);
    r.rules = decision.ruleIds();
    r.reason = std::string(policy::toString(decision.code)) + ": " + decision.reason();
    r.policyVersion = version;
    m.decision = std::move(decision);
    plan.messages.push_back(std::move(m));
  }
  return plan;
}

}  // namespace warden::sidecar
