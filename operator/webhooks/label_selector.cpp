#include "operator/webhooks/label_selector.h"

#include <algorithm>

namespace warden::op {
namespace {

bool requirementHolds(const policy::LabelSelectorRequirement& req, const std::map<std::string, std::string>& labels) {
  const auto it = labels.find(req.key);
  const bool present = it != labels.end();
  const auto listed = [&] {
    return present && std::find(req.values.begin(), req.values.end(), it->second) != req.values.end();
  };
  if (req.op == "In") return listed();
  if (req.op == "NotIn") return !listed();
  if (req.op == "Exists") return present;
  if (req.op == "DoesNotExist") return !present;
  return false;
}

}  // namespace

bool selectorMatches(const policy::LabelSelector& selector, const std::map<std::string, std::string>& labels) {
  for (const auto& [key, value] : selector.matchLabels) {
    const auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  return std::all_of(selector.matchExpressions.begin(), selector.matchExpressions.end(),
                     [&](const auto& req) { return requirementHolds(req, labels); });
}

std::string describeSelector(const policy::LabelSelector& selector) {
  std::string out;
  auto add = [&](const std::string& part) {
    if (!out.empty()) out += ", ";
    out += part;
  };
  for (const auto& [key, value] : selector.matchLabels) add(key + "=" + value);
  for (const auto& req : selector.matchExpressions) {
    if (req.op == "Exists") {
      add(req.key);
    } else if (req.op == "DoesNotExist") {
      add("!" + req.key);
    } else {
      std::string values;
      for (const auto& v : req.values) values += (values.empty() ? "" : ", ") + v;
      add(req.key + (req.op == "In" ? " in (" : req.op == "NotIn" ? " notin (" : " " + req.op + " (") + values + ")");
    }
  }
  return out.empty() ? "<everything>" : out;
}

}  // namespace warden::op
