#include "policy/detectors/pattern_detector.h"

#include <algorithm>
#include <cstdint>
#include <utility>

namespace warden::policy::detail {
namespace {

// The set holds every pattern of a detector; a larger DFA cache means it rarely has to give up on big inputs.
constexpr int64_t kSetMaxMem = int64_t{32} << 20;
constexpr int64_t kRuleMaxMem = int64_t{8} << 20;

re2::RE2::Options optionsFor(PatternDetector::Encoding encoding, int64_t maxMem) {
  re2::RE2::Options options;
  options.set_encoding(encoding == PatternDetector::Encoding::kUtf8 ? re2::RE2::Options::EncodingUTF8
                                                                    : re2::RE2::Options::EncodingLatin1);
  options.set_log_errors(false);
  options.set_max_mem(maxMem);
  return options;
}

std::string_view toView(const re2::StringPiece& piece) {
  return std::string_view(piece.data(), piece.size());
}

}  // namespace

PatternDetector::PatternDetector(std::vector<CompiledRule> rules, std::unique_ptr<re2::RE2::Set> set)
    : rules_(std::move(rules)), set_(std::move(set)) {}

std::shared_ptr<const PatternDetector> PatternDetector::create(std::vector<PatternRule> rules, Encoding encoding,
                                                               std::string* error) {
  auto fail = [error](std::string message) -> std::shared_ptr<const PatternDetector> {
    if (error != nullptr) *error = std::move(message);
    return nullptr;
  };
  auto set = std::make_unique<re2::RE2::Set>(optionsFor(encoding, kSetMaxMem), re2::RE2::UNANCHORED);
  std::vector<CompiledRule> compiled;
  compiled.reserve(rules.size());
  for (auto& rule : rules) {
    auto re = std::make_unique<re2::RE2>(rule.pattern, optionsFor(encoding, kRuleMaxMem));
    if (!re->ok()) {
      return fail("internal error: pattern for " + std::string(rule.category) + " does not compile: " + re->error());
    }
    const int groups = re->NumberOfCapturingGroups();
    if (groups < 0 || static_cast<std::size_t>(groups) > Candidate::kMaxGroups) {
      return fail("internal error: pattern for " + std::string(rule.category) + " has too many groups");
    }
    std::string setError;
    if (set->Add(rule.pattern, &setError) < 0) {
      return fail("internal error: pattern for " + std::string(rule.category) + " rejected: " + setError);
    }
    compiled.push_back(CompiledRule{rule.category, std::move(re), std::move(rule.check), groups});
  }
  if (!compiled.empty() && !set->Compile()) {
    return fail("internal error: detector patterns exceed the regular expression memory budget");
  }
  return std::shared_ptr<const PatternDetector>(new PatternDetector(std::move(compiled), std::move(set)));
}

std::string_view PatternDetector::find(std::string_view text) const {
  // The data path never throws: should matching itself fail (memory exhausted), report a finding so that the
  // condition fails closed.
  try {
    return findUnchecked(text);
  } catch (...) {
    return kScanErrorCategory;
  }
}

std::string_view PatternDetector::findUnchecked(std::string_view text) const {
  if (rules_.empty()) return {};
  const re2::StringPiece piece(text.data(), text.size());
  re2::RE2::Set::ErrorInfo info{};
  std::vector<int> hits;
  // First pass without a match list: allocation-free, and it stops at the first candidate.
  bool matched = set_->Match(piece, nullptr, &info);
  if (matched) matched = set_->Match(piece, &hits, &info);
  if (!matched) {
    if (info.kind == re2::RE2::Set::kNoError) return {};
    // The set's DFA gave up (budget exhausted on a huge or adversarial input). Never skip the scan: run every
    // rule on its own, where RE2 falls back to its NFA and always completes.
    for (const auto& rule : rules_) {
      if (ruleFinds(rule, text)) return rule.category;
    }
    return {};
  }
  std::sort(hits.begin(), hits.end());
  for (const int index : hits) {
    if (index < 0 || static_cast<std::size_t>(index) >= rules_.size()) continue;
    const CompiledRule& rule = rules_[static_cast<std::size_t>(index)];
    if (!rule.check || ruleFinds(rule, text)) return rule.category;
  }
  return {};
}

bool PatternDetector::ruleFinds(const CompiledRule& rule, std::string_view text) const {
  const re2::StringPiece piece(text.data(), text.size());
  if (!rule.check) return rule.re->Match(piece, 0, piece.size(), re2::RE2::UNANCHORED, nullptr, 0);

  std::array<re2::StringPiece, 1 + Candidate::kMaxGroups> sub;
  const int wanted = 1 + rule.groups;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    if (!rule.re->Match(piece, pos, piece.size(), re2::RE2::UNANCHORED, sub.data(), wanted)) return false;
    Candidate candidate;
    candidate.text = text;
    candidate.match = toView(sub[0]);
    for (int g = 1; g < wanted; ++g) candidate.groups[static_cast<std::size_t>(g - 1)] = toView(sub[g]);
    if (rule.check(candidate)) return true;
    // Continue after this candidate; an empty match still moves forward.
    const std::size_t end = candidate.end();
    pos = end > pos ? end : pos + 1;
  }
  return false;
}

bool selectCategories(std::string_view kind, const std::vector<std::string>& known,
                      const std::vector<std::string>& requested, std::vector<bool>* enabled, std::string* error) {
  enabled->assign(known.size(), requested.empty());
  for (const auto& name : requested) {
    const auto it = std::find(known.begin(), known.end(), name);
    if (it == known.end()) {
      if (error != nullptr) {
        std::string expected;
        for (const auto& k : known) {
          if (!expected.empty()) expected += ", ";
          expected += k;
        }
        *error = "unknown " + std::string(kind) + " category \"" + name + "\" (expected one of: " + expected + ")";
      }
      return false;
    }
    (*enabled)[static_cast<std::size_t>(it - known.begin())] = true;
  }
  return true;
}

std::vector<PatternRule> enabledRules(std::vector<PatternRule> rules, const std::vector<std::string>& known,
                                      const std::vector<bool>& enabled) {
  std::vector<PatternRule> kept;
  kept.reserve(rules.size());
  for (auto& rule : rules) {
    const auto it = std::find(known.begin(), known.end(), rule.category);
    const auto index = static_cast<std::size_t>(it - known.begin());
    if (it != known.end() && index < enabled.size() && enabled[index]) kept.push_back(std::move(rule));
  }
  return kept;
}

}  // namespace warden::policy::detail
