#pragma once

// The cases file of `wardenctl policy test --cases`: a table of requests with the decisions they must get, so
// users can test their policies in CI.
//
//   cases:
//     - name: editors may write drafts
//       principal: ns/agents/sa/content-editor      # or a full SPIFFE ID
//       tool: write_file                            # or uri: / prompt: / method:
//       args: {path: /workspace/drafts/a.md}
//       at: "2026-11-24T10:00:00+01:00"             # optional; default --at or now
//       repeat: 11                                  # optional: send it N times, judge the last (rate limits)
//       expect: Deny                                # Allow | Deny | Review
//       expectCode: rate_limited                    # optional
//       expectRules: [images/generate-image]        # optional: exactly these deciding rules

#include <chrono>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "policy/compiled_policy.h"
#include "policy/field_error.h"

namespace warden::cli {

struct TestCase {
  std::string name;
  std::string principal;
  std::string method;
  std::string target;
  nlohmann::json arguments;  // null when absent
  std::optional<std::chrono::system_clock::time_point> at;
  int repeat = 1;
  policy::Effect expect = policy::Effect::Deny;
  std::string expectCode;
  std::optional<std::vector<std::string>> expectRules;
};

// Strict: unknown fields, wrong types, an unknown decision, a bad timestamp or a case naming no target are errors
// with their field path ("cases[3].expect: unknown decision \"Alow\" ...").
std::optional<std::vector<TestCase>> parseTestCases(std::string_view yaml, policy::FieldErrors& errors);

// Builds the request parts shared with the single-request form of `policy test`: the method from the target
// flags, and the arguments the evaluator sees (resources: the params, i.e. {"uri": ...} plus args).
struct RequestShape {
  std::string method;
  std::string target;
  nlohmann::json arguments;
};
std::optional<RequestShape> shapeRequest(const std::string& method, const std::string& tool, const std::string& uri,
                                         const std::string& prompt, nlohmann::json args, std::string* error);

// Runs every case against the policy (each with fresh rate-limit buckets on a frozen clock), prints a table and
// the closing line "N passed, M failed", and returns the number failed.
int runTestCases(const policy::CompiledPolicy& policy, const std::vector<TestCase>& cases,
                 std::chrono::system_clock::time_point defaultTime, std::ostream& out);

}  // namespace warden::cli
