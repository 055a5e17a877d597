#include "cli/test_cases.h"

#include <iomanip>

#include "cli/time_arg.h"
#include "policy/evaluator.h"
#include "policy/principal.h"
#include "policy/quote.h"
#include "policy/rate_limiter.h"
#include "policy/schema_validator.h"
#include "policy/yaml_to_json.h"

namespace warden::cli {
namespace {

using nlohmann::json;

const json& casesSchema() {
  static const json kSchema = json::parse(R"({
    "type": "object", "required": ["cases"],
    "properties": {"cases": {"type": "array", "minItems": 1, "items": {
      "type": "object", "required": ["name", "principal", "expect"],
      "properties": {
        "name": {"type": "string", "minLength": 1},
        "principal": {"type": "string", "minLength": 1},
        "method": {"type": "string", "minLength": 1},
        "tool": {"type": "string"}, "uri": {"type": "string"}, "prompt": {"type": "string"},
        "args": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
        "at": {"type": "string"},
        "repeat": {"type": "integer", "minimum": 1, "maximum": 100000, "default": 1},
        "expect": {"type": "string", "enum": ["Allow", "Deny", "Review"]},
        "expectCode": {"type": "string", "enum": ["allowed", "session_method", "review_required",
          "denied_by_rule", "default_deny", "default_allow", "rate_limited", "invalid_target", "unauthenticated",
          "no_policy"]},
        "expectRules": {"type": "array", "items": {"type": "string"}}
      }}}}})");
  return kSchema;
}

std::string str(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string cell(std::string s, std::size_t width) {
  if (s.size() > width) s = s.substr(0, width - 1) + "~";
  return s;
}

}  // namespace

std::optional<RequestShape> shapeRequest(const std::string& method, const std::string& tool, const std::string& uri,
                                         const std::string& prompt, json args, std::string* error) {
  const int targets = !tool.empty() + !uri.empty() + !prompt.empty();
  if (targets > 1) {
    *error = "give only one of tool, uri and prompt";
    return std::nullopt;
  }
  RequestShape shape;
  shape.arguments = std::move(args);
  if (!tool.empty()) {
    shape.method = "tools/call";
    shape.target = tool;
  } else if (!uri.empty()) {
    shape.method = "resources/read";
    shape.target = uri;
    if (!shape.arguments.is_object()) shape.arguments = json::object();
    shape.arguments["uri"] = uri;
  } else if (!prompt.empty()) {
    shape.method = "prompts/get";
    shape.target = prompt;
  }
  if (!method.empty()) {
    if (!shape.method.empty() && method != shape.method) {
      *error = "method \"" + method + "\" does not go with the target given (" + shape.method + ")";
      return std::nullopt;
    }
    shape.method = method;
  }
  if (shape.method.empty()) {
    *error = "name a tool, uri, prompt or method";
    return std::nullopt;
  }
  return shape;
}

std::optional<std::vector<TestCase>> parseTestCases(std::string_view yaml, policy::FieldErrors& errors) {
  const auto before = errors.size();
  auto docs = policy::yamlToJson(yaml, errors);
  if (errors.size() != before) return std::nullopt;
  if (docs.size() != 1) {
    errors.push_back({"", "expected exactly one YAML document with a `cases` list"});
    return std::nullopt;
  }
  json& doc = docs.front().value;
  policy::SchemaOptions options;
  options.enumNouns = {{"expect", "decision"}, {"expectCode", "reason code"}};
  policy::validateAndDefault(casesSchema(), doc, policy::FieldPath(), errors, options);
  if (errors.size() != before) return std::nullopt;

  std::vector<TestCase> cases;
  const auto& list = doc.at("cases");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto& c = list[i];
    const auto path = policy::FieldPath("cases").index(i);
    TestCase tc;
    tc.name = str(c, "name");
    tc.principal = str(c, "principal");
    if (auto error = policy::validatePrincipalEntry(tc.principal)) {
      errors.push_back({path.field("principal").str(), *error});
    }
    std::string error;
    auto shape = shapeRequest(str(c, "method"), str(c, "tool"), str(c, "uri"), str(c, "prompt"),
                              c.contains("args") ? c.at("args") : json(), &error);
    if (!shape) {
      errors.push_back({path.str(), error});
    } else {
      tc.method = shape->method;
      tc.target = shape->target;
      tc.arguments = std::move(shape->arguments);
    }
    if (c.contains("at")) {
      tc.at = parseRfc3339(str(c, "at"));
      if (!tc.at) errors.push_back({path.field("at").str(), "not an RFC 3339 time: " + policy::quoteForMessage(str(c, "at"))});
    }
    tc.repeat = c.at("repeat").get<int>();
    tc.expect = policy::parseEffect(str(c, "expect")).value_or(policy::Effect::Deny);
    tc.expectCode = str(c, "expectCode");
    if (c.contains("expectRules")) tc.expectRules = c.at("expectRules").get<std::vector<std::string>>();
    cases.push_back(std::move(tc));
  }
  if (errors.size() != before) return std::nullopt;
  return cases;
}

int runTestCases(const policy::CompiledPolicy& policy, const std::vector<TestCase>& cases,
                 std::chrono::system_clock::time_point defaultTime, std::ostream& out) {
  const auto trustDomain = policy.server().trustDomain;
  int passed = 0;
  int failed = 0;
  out << std::left << std::setw(44) << "CASE" << std::setw(28) << "PRINCIPAL" << std::setw(18) << "TARGET"
      << std::setw(8) << "EXPECT" << std::setw(8) << "GOT" << "RESULT\n";
  for (const auto& tc : cases) {
    // A frozen monotonic clock: repeats of one case all happen "at once", so rate limits are deterministic.
    const auto frozen = std::chrono::steady_clock::time_point{};
    policy::RateLimiter limiter([frozen] { return frozen; });
    const std::string principal = policy::expandPrincipalEntry(tc.principal, trustDomain);
    policy::Request request;
    request.principal = principal;
    request.method = tc.method;
    request.target = tc.target;
    request.arguments = tc.arguments.is_null() ? nullptr : &tc.arguments;
    request.now = tc.at.value_or(defaultTime);
    policy::Decision decision;
    for (int i = 0; i < tc.repeat; ++i) decision = policy::evaluate(policy, request, limiter);

    std::string why;
    if (decision.effect != tc.expect) {
      why = "expected " + std::string(policy::toString(tc.expect));
    } else if (!tc.expectCode.empty() && tc.expectCode != policy::toString(decision.code)) {
      why = "expected code " + tc.expectCode + ", got " + policy::toString(decision.code);
    } else if (tc.expectRules && *tc.expectRules != decision.ruleIds()) {
      why = "expected rules [";
      for (const auto& r : *tc.expectRules) why += (&r == &tc.expectRules->front() ? "" : ", ") + r;
      why += "]";
    }
    why.empty() ? ++passed : ++failed;
    out << std::setw(44) << cell(tc.name, 43) << std::setw(28) << cell(tc.principal, 27) << std::setw(18)
        << cell(tc.target.empty() ? tc.method : tc.target, 17) << std::setw(8) << policy::toString(tc.expect)
        << std::setw(8) << policy::toString(decision.effect) << (why.empty() ? "ok" : "FAIL") << "  "
        << decision.reason() << (why.empty() ? "" : "  <- " + why) << "\n";
  }
  out << passed << " passed, " << failed << " failed\n";
  return failed;
}

}  // namespace warden::cli
