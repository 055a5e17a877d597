#pragma once

// Listing answers filtered for one caller (design D4): a caller sees only the tools, resources and prompts some
// Allow or Review rule could grant it, and (with tool pinning) only tools whose descriptions match their pins.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "policy/compiled_policy.h"

namespace warden::sidecar::mcp {

struct FilterOutcome {
  bool filtered = false;   // the method is a listing and the response had a result (false: left alone)
  bool malformed = false;  // the result or its list had the wrong shape and was replaced by an empty list
  std::size_t kept = 0;
  std::size_t removed = 0;
  std::vector<std::string> pinMismatches;  // visible tools whose description differs from their pin
  std::vector<std::string> unpinned;       // visible tools without a pin while pinning is on
};

// Filters `response` (a JSON-RPC response to `method`) in place:
//   tools/list               result.tools[]             by name    (RuleKind::Tool)
//   resources/list           result.resources[]         by uri     (RuleKind::Resource)
//   resources/templates/list result.resourceTemplates[] by uriTemplate, matched as if it were a URI: a template is
//                            shown when a rule's URI glob covers its text (`file:///logs/**` shows
//                            `file:///logs/{name}`); a rule naming single URIs does not reveal the template
//   prompts/list             result.prompts[]           by name    (RuleKind::Prompt)
// With tool pinning (the policy's server().toolPinning) visible tools are checked: Enforce removes Mismatch and
// Unpinned tools, Audit keeps them; both report them. Fail closed: an element that is not an object or lacks a
// string key is removed; a result that is not an object, or a list that is missing or not an array, becomes an empty
// list. A response with `error` (or any other method) is left alone. Other result members (nextCursor) stay.
FilterOutcome filterListingResult(nlohmann::json& response, std::string_view method,
                                  const policy::CompiledPolicy& policy, std::string_view principal);

}  // namespace warden::sidecar::mcp
