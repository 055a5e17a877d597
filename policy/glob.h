#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace warden::policy {

// A glob over tool names, resource URIs and SPIFFE IDs. `*` matches any run of characters except '/', `**` any
// run including '/', `?` one character other than '/', `\` escapes the next character. Everything else is
// literal and case-sensitive (tool names differing in case are different tools). Matching is linear-time in
// practice (no exponential backtracking) and allocates nothing.
//
// Characters are bytes: the names and URIs matched here are ASCII (URIs percent-encode everything else).
// Worst case of matches() is O(len(text) × len(pattern)): the pattern is split at `**` into sections that are
// matched greedily (the earliest end of a section is always the best one, since the next `**` absorbs whatever
// follows it), and each section is split at its literal '/' into pieces whose text segment is forced once the
// segment where the section starts is chosen.
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
  enum class TokenKind : std::uint8_t { Literal, AnyChar, Star, DoubleStar };
  struct Token {
    TokenKind kind;
    char ch;  // Literal only
  };
  // Half-open index ranges into tokens_ (for pieces) or pieces_ (for sections).
  struct Range {
    std::uint32_t begin;
    std::uint32_t end;
  };

  Glob() = default;

  std::size_t matchRun(Range run, std::string_view text, std::size_t from, std::size_t limit, bool leadingStar,
                       bool anchorEnd) const;
  std::size_t findEarliestEnd(Range sectionPieces, std::string_view text, std::size_t pos) const;
  bool matchesSuffix(Range sectionPieces, std::string_view text, std::size_t pos) const;

  std::string pattern_;
  std::string prefix_;
  bool literal_ = false;
  std::vector<Token> tokens_;
  std::vector<Range> pieces_;         // token ranges between literal '/' tokens, section by section
  std::vector<Range> sections_;       // piece ranges of the runs between `**` tokens
  std::vector<Range> sectionTokens_;  // token ranges of the same runs
};

// True when s contains an unescaped glob metacharacter (`*`, `?`) or an escape (`\`): when false, s used as a
// pattern matches exactly s and can be compared as a plain string.
bool hasGlobMeta(std::string_view s);

}  // namespace warden::policy
