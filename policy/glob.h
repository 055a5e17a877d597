#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace warden::policy {

// A glob over tool names, resource URIs and SPIFFE IDs. `*` matches any run of characters except '/', `**` any
// run including '/', `?` one character other than '/', `\` escapes the next character. Everything else is
// literal and case-sensitive (tool names differing in case are different tools). Matching is linear-time in
// practice (no exponential backtracking) and allocates nothing.
class Glob {
 public:
  // nullopt with *error set for a malformed pattern (empty, dangling `\`, `***`).
  static std::optional<Glob> compile(std::string_view pattern, std::string* error);

  bool matches(std::string_view text) const;

  const std::string& pattern() const { return pattern_; }
  // True when the pattern has no wildcard: it matches exactly one string, literalPrefix().
  bool isLiteral() const { return literal_; }
  // The unescaped characters before the first wildcard (for indexing).
  const std::string& literalPrefix() const { return prefix_; }

 private:
  Glob() = default;
  std::string pattern_;
  std::string prefix_;
  bool literal_ = false;
};

// True when s contains an unescaped glob metacharacter.
bool hasGlobMeta(std::string_view s);

}  // namespace warden::policy
