#pragma once

// Private to policy/detectors: the engine shared by the secret, PII and injection detectors. A category is one
// or more candidate patterns, each with an optional check that confirms a candidate (Luhn, entropy, mod-97...).
// Every pattern goes into one RE2::Set, so clean text (the common case) costs a single linear DFA pass with no
// allocation; only the patterns the set reports are then run on their own to find and confirm candidates.

#include <array>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <re2/re2.h>
#include <re2/set.h>

#include "policy/detectors/content_detector.h"

namespace warden::policy::detail {

// One candidate found by a rule's pattern.
struct Candidate {
  static constexpr std::size_t kMaxGroups = 6;

  std::string_view text;   // the whole text being scanned, to look at what surrounds the match
  std::string_view match;  // the whole match
  // Capturing groups 1..n; a group that did not participate has a null data().
  std::array<std::string_view, kMaxGroups> groups{};

  std::size_t begin() const { return static_cast<std::size_t>(match.data() - text.data()); }
  std::size_t end() const { return begin() + match.size(); }
};

// True when the candidate really is an instance of the category. Must not throw.
using CandidateCheck = std::function<bool(const Candidate&)>;

struct PatternRule {
  std::string_view category;  // a static string
  std::string pattern;        // RE2 syntax, at most Candidate::kMaxGroups capturing groups
  CandidateCheck check;       // empty: every match is a finding
};

class PatternDetector final : public ContentDetector {
 public:
  enum class Encoding { kLatin1, kUtf8 };

  // Compiles every rule once. Rules are tried in order, so the first rule's category wins when several
  // categories are present. Returns nullptr and sets *error when a pattern does not compile (a programming
  // error, reported rather than thrown).
  static std::shared_ptr<const PatternDetector> create(std::vector<PatternRule> rules, Encoding encoding,
                                                       std::string* error);

  std::string_view find(std::string_view text) const override;

 private:
  struct CompiledRule {
    std::string_view category;
    std::unique_ptr<re2::RE2> re;
    CandidateCheck check;
    int groups = 0;  // capturing groups of re
  };

  PatternDetector(std::vector<CompiledRule> rules, std::unique_ptr<re2::RE2::Set> set);

  std::string_view findUnchecked(std::string_view text) const;
  // Runs one rule over the whole text, confirming each candidate in turn.
  bool ruleFinds(const CompiledRule& rule, std::string_view text) const;

  std::vector<CompiledRule> rules_;
  std::unique_ptr<re2::RE2::Set> set_;
};

// Validates a factory's category list. An empty request enables every category; an unknown name fails with
// `unknown <kind> category "x" (expected one of: a, b, c)`. On success fills one flag per known category.
bool selectCategories(std::string_view kind, const std::vector<std::string>& known,
                      const std::vector<std::string>& requested, std::vector<bool>* enabled, std::string* error);

// Keeps, in order, the rules whose category is enabled (flags as filled by selectCategories).
std::vector<PatternRule> enabledRules(std::vector<PatternRule> rules, const std::vector<std::string>& known,
                                      const std::vector<bool>& enabled);

}  // namespace warden::policy::detail
