#include "policy/condition.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string_view>

#include "policy/detectors/json_scanner.h"
#include "policy/quote.h"
#include "policy/path_normalize.h"

namespace warden::policy {
namespace {

bool isDetector(Operator op) {
  return op == Operator::ContainsSecret || op == Operator::ContainsPII || op == Operator::ContainsInjection;
}

std::optional<double> parseNumber(std::string_view s) {
  double d = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(d)) return std::nullopt;
  return d;
}

std::optional<std::int64_t> parseInteger(std::string_view s) {
  std::int64_t i = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return i;
}

// The text Matches/NotMatches see for a scalar: strings as they are, numbers and booleans as JSON text.
std::optional<std::string> scalarText(const nlohmann::json& v) {
  if (v.is_string()) return v.get_ref<const std::string&>();
  if (v.is_number() || v.is_boolean()) return v.dump();
  return std::nullopt;
}

std::string valueCountError(Operator op, const char* need) {
  return std::string("values: ") + toString(op) + " needs " + need;
}

}  // namespace

std::optional<CompiledCondition> CompiledCondition::compile(const Condition& c, Effect ruleEffect,
                                                            std::string* error) {
  CompiledCondition out;
  out.op_ = c.op;
  out.denyRule_ = ruleEffect == Effect::Deny;

  if (!c.arg.empty()) {
    std::string pathError;
    out.path_ = ArgumentPath::parse(c.arg, &pathError);
    if (!out.path_) {
      *error = "arg: " + pathError;
      return std::nullopt;
    }
  } else if (!isDetector(c.op)) {
    *error = std::string("arg: required for operator ") + toString(c.op);
    return std::nullopt;
  }

  const auto& values = c.values;
  switch (c.op) {
    case Operator::PathUnder:
      if (values.empty()) {
        *error = valueCountError(c.op, "at least one base path");
        return std::nullopt;
      }
      for (std::size_t i = 0; i < values.size(); ++i) {
        auto normalized = normalizePath(values[i]);
        if (!normalized) {
          *error = "values[" + std::to_string(i) + "]: " + quoteForMessage(values[i]) + " is not a safe absolute path";
          return std::nullopt;
        }
        out.strings_.push_back(*normalized);
      }
      break;
    case Operator::Equals:
    case Operator::LessThan:
    case Operator::GreaterThan:
      if (values.size() != 1) {
        *error = valueCountError(c.op, "exactly one value");
        return std::nullopt;
      }
      if (c.op != Operator::Equals) {
        auto n = parseNumber(values[0]);
        if (!n) {
          *error = "values[0]: " + quoteForMessage(values[0]) + " is not a number";
          return std::nullopt;
        }
        out.number_ = *n;
      }
      out.strings_ = values;
      break;
    case Operator::In:
    case Operator::Prefix:
      if (values.empty()) {
        *error = valueCountError(c.op, "at least one value");
        return std::nullopt;
      }
      out.strings_ = values;
      break;
    case Operator::Matches:
    case Operator::NotMatches:
      if (values.empty()) {
        *error = valueCountError(c.op, "at least one regular expression");
        return std::nullopt;
      }
      for (std::size_t i = 0; i < values.size(); ++i) {
        re2::RE2::Options options;
        options.set_log_errors(false);
        auto re = std::make_shared<re2::RE2>(values[i], options);
        if (!re->ok()) {
          *error = "values[" + std::to_string(i) + "]: invalid regular expression: " + re->error();
          return std::nullopt;
        }
        out.regexes_.push_back(std::move(re));
      }
      break;
    case Operator::Exists:
      if (!values.empty()) {
        *error = "values: Exists takes no values";
        return std::nullopt;
      }
      break;
    case Operator::ContainsSecret:
    case Operator::ContainsPII:
    case Operator::ContainsInjection: {
      std::string detectorError;
      out.detector_ = c.op == Operator::ContainsSecret ? makeSecretDetector(values, &detectorError)
                      : c.op == Operator::ContainsPII  ? makePiiDetector(values, &detectorError)
                                                       : makeInjectionDetector(values, &detectorError);
      if (!out.detector_) {
        *error = "values: " + detectorError;
        return std::nullopt;
      }
      break;
    }
  }
  return out;
}

bool CompiledCondition::equalsValue(const nlohmann::json& v, const std::string& expected) const {
  if (v.is_string()) return v.get_ref<const std::string&>() == expected;
  if (v.is_boolean()) return expected == (v.get<bool>() ? "true" : "false");
  if (v.is_number_integer()) {
    if (auto i = parseInteger(expected)) return v.get<std::int64_t>() == *i;
  }
  if (v.is_number()) {
    if (auto d = parseNumber(expected)) return v.get<double>() == *d;
  }
  return false;
}

CompiledCondition::Truth CompiledCondition::evaluateScalar(const nlohmann::json& v) const {
  switch (op_) {
    case Operator::PathUnder: {
      if (!v.is_string()) return Truth::Indeterminate;
      auto normalized = normalizePath(v.get_ref<const std::string&>());
      if (!normalized) return Truth::Indeterminate;
      for (const auto& base : strings_) {
        if (isPathUnder(*normalized, base)) return Truth::True;
      }
      return Truth::False;
    }
    case Operator::Equals:
    case Operator::In:
      if (!v.is_primitive() || v.is_null()) return Truth::Indeterminate;
      for (const auto& s : strings_) {
        if (equalsValue(v, s)) return Truth::True;
      }
      return Truth::False;
    case Operator::Prefix: {
      if (!v.is_string()) return Truth::Indeterminate;
      std::string_view text = v.get_ref<const std::string&>();
      for (const auto& s : strings_) {
        if (text.starts_with(s)) return Truth::True;
      }
      return Truth::False;
    }
    case Operator::Matches:
    case Operator::NotMatches: {
      auto text = scalarText(v);
      if (!text) return Truth::Indeterminate;
      bool any = false;
      for (const auto& re : regexes_) {
        if (re2::RE2::PartialMatch(*text, *re)) {
          any = true;
          break;
        }
      }
      return (any == (op_ == Operator::Matches)) ? Truth::True : Truth::False;
    }
    case Operator::LessThan:
    case Operator::GreaterThan: {
      if (!v.is_number()) return Truth::Indeterminate;
      double d = v.get<double>();
      bool holds = op_ == Operator::LessThan ? d < number_ : d > number_;
      return holds ? Truth::True : Truth::False;
    }
    default:
      return Truth::Indeterminate;
  }
}

bool CompiledCondition::holds(const nlohmann::json* arguments) const {
  const nlohmann::json* value = arguments;
  if (path_) value = arguments ? path_->resolve(*arguments) : nullptr;

  if (op_ == Operator::Exists) return value != nullptr && !value->is_null();
  if (detector_) return value != nullptr && !scanJson(*value, *detector_).empty();
  if (value == nullptr) return false;

  // Fail closed: indeterminate lets a Deny match and never an Allow.
  auto decide = [this](Truth t) { return t == Truth::True || (t == Truth::Indeterminate && denyRule_); };
  if (!value->is_array()) return decide(evaluateScalar(*value));

  if (denyRule_) {
    for (const auto& element : *value) {
      if (decide(evaluateScalar(element))) return true;
    }
    return false;
  }
  if (value->empty()) return false;
  for (const auto& element : *value) {
    if (!decide(evaluateScalar(element))) return false;
  }
  return true;
}

}  // namespace warden::policy
