#pragma once

// Status conditions as Kubernetes API conventions want them (metav1.Condition): type, status, reason, message,
// observedGeneration and a lastTransitionTime that changes only when the status does.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace warden::op {

inline constexpr const char* kConditionTrue = "True";
inline constexpr const char* kConditionFalse = "False";
inline constexpr const char* kConditionUnknown = "Unknown";

// The limits of the CRDs' condition schema (and metav1.Condition).
inline constexpr std::size_t kMaxConditionReasonBytes = 1024;
inline constexpr std::size_t kMaxConditionMessageBytes = 32768;

struct ConditionSpec {
  std::string type;
  std::string status;  // "True", "False" or "Unknown"
  std::string reason;  // CamelCase, e.g. InvalidPolicy
  std::string message;
  std::int64_t observedGeneration = 0;
};

// `conditions` (a JSON array, as found in status.conditions; null or anything else counts as empty) with the
// condition of spec.type set to `spec`: replaced in place, or appended when there was none. lastTransitionTime
// (RFC 3339, whole seconds) is kept from the existing condition when its status is the same, else it is `now`.
// The reason and message are cut to the schema's limits. Entries that are not objects with a string type, and
// repeated types after the first, are dropped (the API would refuse them). Pure; never throws but bad_alloc.
nlohmann::json setCondition(const nlohmann::json& conditions, const ConditionSpec& spec,
                            std::chrono::system_clock::time_point now);

// The condition of that type in `conditions`, or nullptr.
const nlohmann::json* findCondition(const nlohmann::json& conditions, std::string_view type);

// True when the condition of that type exists and has this status and reason.
bool conditionHas(const nlohmann::json& conditions, std::string_view type, std::string_view status,
                  std::string_view reason);

// Whether writing `desired` as the status would change `current` (status objects; null or absent counts as {}).
// The operator owns the whole status of its resources, so any difference counts, except the order of conditions,
// which carries no meaning (they are a map keyed by type), and a null or empty field against an absent one (the
// API server may drop what is empty). Unchanged status is never written.
bool statusChanged(const nlohmann::json& current, const nlohmann::json& desired);

}  // namespace warden::op
