#pragma once

#include <map>
#include <string>

#include "policy/model.h"

namespace warden::op {

// Kubernetes label selector semantics: every matchLabels pair is present with that value, and every expression
// holds: In (the key is present with one of the values), NotIn (absent, or present with none of them), Exists,
// DoesNotExist. An unknown operator matches nothing (the CRD schema never lets one through). An empty selector
// matches every pod, as in Kubernetes; MCPServer decoding refuses empty selectors before they get here.
bool selectorMatches(const policy::LabelSelector& selector, const std::map<std::string, std::string>& labels);

// "app=files-mcp, tier in (api, web), !legacy": the selector as kubectl would print it, for messages.
std::string describeSelector(const policy::LabelSelector& selector);

}  // namespace warden::op
