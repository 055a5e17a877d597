#include "policy/rule_index.h"

#include <algorithm>

namespace warden::policy {

RuleIndex::RuleIndex(const std::vector<CompiledRule>& rules) {
  for (std::uint32_t i = 0; i < rules.size(); ++i) {
    const auto& targets = rules[i].targets;
    // A rule without positive targets (only notTargets, or none) can apply to anything.
    bool catchAll = targets.empty();
    for (const auto& glob : targets.globs()) {
      if (glob.literalPrefix().empty()) catchAll = true;
    }
    if (catchAll) {
      always_.push_back(i);
      continue;
    }
    for (const auto& name : targets.exact()) exact_[name].push_back(i);
    for (const auto& glob : targets.globs()) byPrefix_[glob.literalPrefix()].push_back(i);
  }
  for (auto* map : {&exact_, &byPrefix_}) {
    for (auto& [key, list] : *map) {
      std::sort(list.begin(), list.end());
      list.erase(std::unique(list.begin(), list.end()), list.end());
    }
  }
  for (const auto& [prefix, list] : byPrefix_) prefixLengths_.push_back(prefix.size());
  std::sort(prefixLengths_.begin(), prefixLengths_.end());
  prefixLengths_.erase(std::unique(prefixLengths_.begin(), prefixLengths_.end()), prefixLengths_.end());
}

void RuleIndex::candidates(std::string_view target, std::vector<std::uint32_t>& out) const {
  const auto start = out.size();
  out.insert(out.end(), always_.begin(), always_.end());
  if (auto it = exact_.find(target); it != exact_.end()) out.insert(out.end(), it->second.begin(), it->second.end());
  for (auto len : prefixLengths_) {
    if (len > target.size()) break;
    if (auto it = byPrefix_.find(target.substr(0, len)); it != byPrefix_.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
    }
  }
  std::sort(out.begin() + static_cast<std::ptrdiff_t>(start), out.end());
  out.erase(std::unique(out.begin() + static_cast<std::ptrdiff_t>(start), out.end()), out.end());
}

}  // namespace warden::policy
