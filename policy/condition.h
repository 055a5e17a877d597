#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <re2/re2.h>

#include "policy/argument_path.h"
#include "policy/detectors/content_detector.h"
#include "policy/model.h"

namespace warden::policy {

// A `when` condition compiled once per bundle (regexes, normalized paths, numbers, detectors), evaluated per call.
//
// Fail-closed semantics, decided by the effect of the rule that holds the condition:
// - an argument that is an array is quantified: in an Allow/Review rule every element must satisfy the condition
//   (and the array must not be empty); in a Deny rule one element suffices;
// - a value of the wrong type, or a path that cannot be normalized safely, is "indeterminate": it never lets an
//   Allow/Review rule match and always lets a Deny rule match;
// - a missing argument satisfies only nothing (Exists is false; NotMatches is false too).
class CompiledCondition {
 public:
  // nullopt with *error (prefixed with the field it concerns: "arg: ...", "values[1]: ...", "values: ...").
  static std::optional<CompiledCondition> compile(const Condition& condition, Effect ruleEffect, std::string* error);

  // `arguments` may be null (no arguments). Never throws.
  bool holds(const nlohmann::json* arguments) const;

  Operator op() const { return op_; }

 private:
  enum class Truth { False, True, Indeterminate };

  CompiledCondition() = default;
  Truth evaluateScalar(const nlohmann::json& value) const;
  bool equalsValue(const nlohmann::json& value, const std::string& expected) const;

  Operator op_ = Operator::Equals;
  bool denyRule_ = false;
  std::optional<ArgumentPath> path_;
  std::vector<std::string> strings_;  // Equals, In, Prefix; normalized bases for PathUnder
  std::vector<std::shared_ptr<const re2::RE2>> regexes_;
  double number_ = 0;  // LessThan, GreaterThan
  ContentDetectorPtr detector_;
};

}  // namespace warden::policy
