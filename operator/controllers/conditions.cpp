#include "operator/controllers/conditions.h"

#include <algorithm>
#include <set>

#include "operator/controllers/clock.h"

namespace warden::op {
namespace {

using nlohmann::json;

bool hasStringType(const json& c) {
  if (!c.is_object()) return false;
  auto it = c.find("type");
  return it != c.end() && it->is_string();
}

bool isEmptyValue(const json& v) { return v.is_null() || ((v.is_object() || v.is_array()) && v.empty()); }

// A status object for comparison: conditions sorted by type, and fields that are null or empty left out (the API
// server may omit an empty list the operator applied; that must not read as a change, or every reconcile writes).
json normalizedStatus(const json& status) {
  json out = json::object();
  if (status.is_object()) {
    for (const auto& [key, value] : status.items()) {
      if (!isEmptyValue(value)) out[key] = value;
    }
  }
  if (auto it = out.find("conditions"); it != out.end() && it->is_array()) {
    std::stable_sort(it->begin(), it->end(), [](const json& a, const json& b) {
      const std::string ta = hasStringType(a) ? a.at("type").get<std::string>() : std::string();
      const std::string tb = hasStringType(b) ? b.at("type").get<std::string>() : std::string();
      return ta < tb;
    });
  }
  return out;
}

}  // namespace

json setCondition(const json& conditions, const ConditionSpec& spec, std::chrono::system_clock::time_point now) {
  json condition = {
      {"type", spec.type},
      {"status", spec.status},
      {"observedGeneration", spec.observedGeneration},
      {"lastTransitionTime", formatRfc3339Seconds(now)},
      {"reason", truncateUtf8(spec.reason, kMaxConditionReasonBytes)},
      {"message", truncateUtf8(spec.message, kMaxConditionMessageBytes)},
  };
  json out = json::array();
  std::set<std::string> seen;
  bool placed = false;
  if (conditions.is_array()) {
    for (const auto& c : conditions) {
      if (!hasStringType(c)) continue;
      const auto& type = c.at("type").get_ref<const std::string&>();
      if (!seen.insert(type).second) continue;
      if (type != spec.type) {
        out.push_back(c);
        continue;
      }
      auto status = c.find("status");
      auto time = c.find("lastTransitionTime");
      if (status != c.end() && status->is_string() && *status == spec.status && time != c.end() &&
          time->is_string() && !time->get_ref<const std::string&>().empty()) {
        condition["lastTransitionTime"] = *time;
      }
      out.push_back(condition);
      placed = true;
    }
  }
  if (!placed) out.push_back(std::move(condition));
  return out;
}

const json* findCondition(const json& conditions, std::string_view type) {
  if (!conditions.is_array()) return nullptr;
  for (const auto& c : conditions) {
    if (hasStringType(c) && c.at("type").get_ref<const std::string&>() == type) return &c;
  }
  return nullptr;
}

bool conditionHas(const json& conditions, std::string_view type, std::string_view status, std::string_view reason) {
  const json* c = findCondition(conditions, type);
  if (c == nullptr) return false;
  auto s = c->find("status");
  auto r = c->find("reason");
  return s != c->end() && s->is_string() && s->get_ref<const std::string&>() == status && r != c->end() &&
         r->is_string() && r->get_ref<const std::string&>() == reason;
}

bool statusChanged(const json& current, const json& desired) {
  return normalizedStatus(current) != normalizedStatus(desired);
}

}  // namespace warden::op
