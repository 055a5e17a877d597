#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "policy/compiled_rule.h"

namespace warden::policy {

// Finds the rules that can apply to one target name without looking at rules for other targets, so that the cost
// of a decision does not grow with the rules written for other tools: exact names through a hash map, globs
// through a map from their literal prefix (looked up once per distinct prefix length), and rules that name no
// target or start with a wildcard in a short list that always applies.
class RuleIndex {
 public:
  RuleIndex() = default;
  // `rules` must outlive the index; indexes refer to positions in it.
  explicit RuleIndex(const std::vector<CompiledRule>& rules);

  // Appends to `out` the positions of rules whose target patterns may match `target`, in ascending order without
  // duplicates. Candidates still need CompiledRule::targetMatches.
  void candidates(std::string_view target, std::vector<std::uint32_t>& out) const;

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Map = std::unordered_map<std::string, std::vector<std::uint32_t>, Hash, std::equal_to<>>;

  Map exact_;
  Map byPrefix_;
  std::vector<std::size_t> prefixLengths_;  // distinct lengths of the keys in byPrefix_, ascending
  std::vector<std::uint32_t> always_;
};

}  // namespace warden::policy
