#include "policy/model.h"

#include <array>
#include <string_view>
#include <utility>

namespace warden::policy {
namespace {

template <typename E, std::size_t N>
std::optional<E> lookup(const std::array<std::pair<E, const char*>, N>& table, std::string_view s) {
  for (const auto& [value, name] : table) {
    if (s == name) return value;
  }
  return std::nullopt;
}

template <typename E, std::size_t N>
const char* nameOf(const std::array<std::pair<E, const char*>, N>& table, E e) {
  for (const auto& [value, name] : table) {
    if (value == e) return name;
  }
  return "?";
}

constexpr std::array<std::pair<Effect, const char*>, 3> kEffects{{
    {Effect::Allow, "Allow"}, {Effect::Deny, "Deny"}, {Effect::Review, "Review"}}};
constexpr std::array<std::pair<DenialStyle, const char*>, 2> kDenialStyles{{
    {DenialStyle::Explain, "Explain"}, {DenialStyle::Conceal, "Conceal"}}};
constexpr std::array<std::pair<PinningMode, const char*>, 3> kPinningModes{{
    {PinningMode::Off, "Off"}, {PinningMode::Audit, "Audit"}, {PinningMode::Enforce, "Enforce"}}};
constexpr std::array<std::pair<Operator, const char*>, 12> kOperators{{
    {Operator::PathUnder, "PathUnder"},
    {Operator::Equals, "Equals"},
    {Operator::In, "In"},
    {Operator::Prefix, "Prefix"},
    {Operator::Matches, "Matches"},
    {Operator::NotMatches, "NotMatches"},
    {Operator::LessThan, "LessThan"},
    {Operator::GreaterThan, "GreaterThan"},
    {Operator::Exists, "Exists"},
    {Operator::ContainsSecret, "ContainsSecret"},
    {Operator::ContainsPII, "ContainsPII"},
    {Operator::ContainsInjection, "ContainsInjection"},
}};

}  // namespace

const char* toString(Effect e) { return nameOf(kEffects, e); }
const char* toString(DenialStyle s) { return nameOf(kDenialStyles, s); }
const char* toString(PinningMode m) { return nameOf(kPinningModes, m); }
const char* toString(Operator op) { return nameOf(kOperators, op); }
const char* toString(RuleKind k) { return fieldsOf(k).list; }

std::optional<Effect> parseEffect(std::string_view s) { return lookup(kEffects, s); }
std::optional<DenialStyle> parseDenialStyle(std::string_view s) { return lookup(kDenialStyles, s); }
std::optional<PinningMode> parsePinningMode(std::string_view s) { return lookup(kPinningModes, s); }
std::optional<Operator> parseOperator(std::string_view s) { return lookup(kOperators, s); }

RuleKindFields fieldsOf(RuleKind k) {
  switch (k) {
    case RuleKind::Tool:
      return {"rules", "tools", "notTools"};
    case RuleKind::Resource:
      return {"resources", "uris", "notUris"};
    case RuleKind::Prompt:
      return {"prompts", "names", "notNames"};
  }
  return {"rules", "tools", "notTools"};
}

}  // namespace warden::policy
