#include <fstream>
#include <sstream>

#include "cli/exit_codes.h"
#include "cli/policy_commands.h"
#include "cli/test_cases.h"
#include "cli/time_arg.h"
#include "policy/evaluator.h"
#include "policy/principal.h"
#include "policy/rate_limiter.h"
#include "policy/strict_json.h"

namespace warden::cli {
namespace {

int runCases(const TestArgs& args, const policy::CompiledPolicy& compiled,
             std::chrono::system_clock::time_point now, std::ostream& out, std::ostream& err) {
  std::ifstream in(args.casesFile, std::ios::binary);
  if (!in) {
    err << "error: " << args.casesFile << ": cannot read\n";
    return kExitDataError;
  }
  std::ostringstream text;
  text << in.rdbuf();
  policy::FieldErrors errors;
  auto cases = parseTestCases(text.str(), errors);
  if (!cases) {
    for (const auto& e : errors) err << "error: " << args.casesFile << ": " << e.toString() << "\n";
    return kExitDataError;
  }
  return runTestCases(compiled, *cases, now, out) == 0 ? kExitOk : kExitFailed;
}

}  // namespace

int runPolicyTest(const TestArgs& args, std::ostream& out, std::ostream& err) {
  const bool single = !args.principal.empty() || !args.tool.empty() || !args.uri.empty() || !args.prompt.empty() ||
                      !args.method.empty() || !args.args.empty();
  if (args.casesFile.empty() == !single || (single && args.principal.empty())) {
    err << "error: give either --cases FILE, or --principal with --tool/--uri/--prompt/--method\n";
    return kExitUsage;
  }
  auto now = std::chrono::system_clock::now();
  if (!args.at.empty()) {
    auto at = parseRfc3339(args.at);
    if (!at) {
      err << "error: --at: not an RFC 3339 time: \"" << args.at << "\"\n";
      return kExitUsage;
    }
    now = *at;
  }
  nlohmann::json arguments;
  if (!args.args.empty()) {
    auto parsed = policy::parseStrictJson(args.args);
    if (!parsed.ok() || !parsed.value.is_object()) {
      err << "error: --args: " << (parsed.ok() ? "expected a JSON object" : parsed.error) << "\n";
      return kExitUsage;
    }
    arguments = std::move(parsed.value);
  }
  std::string shapeError;
  std::optional<RequestShape> shape;
  if (single) {
    if (auto error = policy::validatePrincipalEntry(args.principal)) {
      err << "error: --principal: " << *error << "\n";
      return kExitUsage;
    }
    shape = shapeRequest(args.method, args.tool, args.uri, args.prompt, std::move(arguments), &shapeError);
    if (!shape) {
      err << "error: " << shapeError << "\n";
      return kExitUsage;
    }
  }

  auto set = loadPolicySet(args.source, err);
  if (!set) return kExitDataError;
  auto compiled = compileAndLoad(*set, err);
  if (!compiled) return kExitDataError;
  if (!single) return runCases(args, *compiled, now, out, err);

  const std::string principal = policy::expandPrincipalEntry(args.principal, compiled->server().trustDomain);
  policy::RateLimiter limiter;
  policy::Request request;
  request.principal = principal;
  request.method = shape->method;
  request.target = shape->target;
  request.arguments = shape->arguments.is_null() ? nullptr : &shape->arguments;
  request.now = now;
  const auto decision = policy::evaluate(*compiled, request, limiter);

  out << "decision:      " << policy::toString(decision.effect) << "\n"
      << "code:          " << policy::toString(decision.code) << "\n"
      << "reason:        " << decision.reason() << "\n"
      << "rules:         ";
  for (const auto& id : decision.ruleIds()) out << id << (id == decision.ruleIds().back() ? "" : ", ");
  out << (decision.rules.empty() ? "(none)" : "") << "\n"
      << "principal:     " << principal << "\n"
      << "request:       " << shape->method << " " << shape->target << "\n"
      << "at:            " << formatRfc3339(now) << "\n"
      << "policyVersion: " << compiled->policyVersion() << "\n";
  switch (decision.effect) {
    case policy::Effect::Allow:
      return kExitAllow;
    case policy::Effect::Review:
      return kExitReview;
    case policy::Effect::Deny:
      break;
  }
  return kExitDeny;
}

}  // namespace warden::cli
