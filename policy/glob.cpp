#include "policy/glob.h"

#include <limits>

namespace warden::policy {

namespace {

constexpr std::size_t kNoMatch = std::numeric_limits<std::size_t>::max();

void setError(std::string* error, std::string message) {
  if (error != nullptr) *error = std::move(message);
}

}  // namespace

std::optional<Glob> Glob::compile(std::string_view pattern, std::string* error) {
  if (pattern.empty()) {
    setError(error, "pattern is empty");
    return std::nullopt;
  }
  // Token indexes are stored as 32 bits; no real pattern comes anywhere near this.
  if (pattern.size() >= std::numeric_limits<std::uint32_t>::max()) {
    setError(error, "pattern is too long");
    return std::nullopt;
  }

  Glob glob;
  glob.pattern_ = std::string(pattern);
  bool sawWildcard = false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\') {
      if (i + 1 == pattern.size()) {
        setError(error, "pattern ends with an unescaped backslash");
        return std::nullopt;
      }
      const char escaped = pattern[++i];
      glob.tokens_.push_back({TokenKind::Literal, escaped});
      if (!sawWildcard) glob.prefix_ += escaped;
    } else if (c == '*') {
      std::size_t run = 1;
      while (i + run < pattern.size() && pattern[i + run] == '*') ++run;
      if (run > 2) {
        setError(error, "pattern contains \"***\": use * (within a path segment) or ** (across segments)");
        return std::nullopt;
      }
      glob.tokens_.push_back({run == 2 ? TokenKind::DoubleStar : TokenKind::Star, '\0'});
      i += run - 1;
      sawWildcard = true;
    } else if (c == '?') {
      glob.tokens_.push_back({TokenKind::AnyChar, '\0'});
      sawWildcard = true;
    } else {
      glob.tokens_.push_back({TokenKind::Literal, c});
      if (!sawWildcard) glob.prefix_ += c;
    }
  }
  glob.literal_ = !sawWildcard;

  // Sections between `**`, and the pieces of each section between literal '/'.
  const auto count = static_cast<std::uint32_t>(glob.tokens_.size());
  std::uint32_t sectionStart = 0;
  std::uint32_t pieceStart = 0;
  std::uint32_t firstPiece = 0;
  for (std::uint32_t t = 0; t <= count; ++t) {
    const bool atEnd = t == count;
    const bool atDoubleStar = !atEnd && glob.tokens_[t].kind == TokenKind::DoubleStar;
    const bool atSlash = !atEnd && glob.tokens_[t].kind == TokenKind::Literal && glob.tokens_[t].ch == '/';
    if (atEnd || atDoubleStar || atSlash) {
      glob.pieces_.push_back({pieceStart, t});
      pieceStart = t + 1;
    }
    if (atEnd || atDoubleStar) {
      const auto pieceCount = static_cast<std::uint32_t>(glob.pieces_.size());
      glob.sections_.push_back({firstPiece, pieceCount});
      glob.sectionTokens_.push_back({sectionStart, t});
      firstPiece = pieceCount;
      sectionStart = t + 1;
    }
  }
  return glob;
}

// The classic greedy wildcard match of one run of tokens (no `**`) against text[from, limit), anchored at
// `from`. `leadingStar` acts as if the run began with a `*`. Returns the earliest end position at which the run
// is fully matched (== limit when anchorEnd), or kNoMatch. Only the most recent star is ever backtracked: with
// the earliest placement of everything before it fixed, no earlier choice can do better. A star cannot absorb
// '/', and a literal '/' in the run can only sit on a '/' of the text, so that placement is forced. Each
// backtrack advances starEnd, and between two backtracks j advances at most run-length times.
std::size_t Glob::matchRun(Range run, std::string_view text, std::size_t from, std::size_t limit, bool leadingStar,
                           bool anchorEnd) const {
  std::size_t i = from;
  std::size_t j = run.begin;
  bool haveStar = leadingStar;
  std::size_t resumeToken = run.begin;  // token after the most recent star
  std::size_t starEnd = from;           // text the most recent star has absorbed ends here
  for (;;) {
    if (j == run.end) {
      if (!anchorEnd || i == limit) return i;
    } else {
      const Token& token = tokens_[j];
      if (token.kind == TokenKind::Star) {
        haveStar = true;
        resumeToken = j + 1;
        starEnd = i;
        ++j;
        continue;
      }
      if (i < limit) {
        const char c = text[i];
        const bool ok = token.kind == TokenKind::Literal ? token.ch == c : c != '/';
        if (ok) {
          ++i;
          ++j;
          continue;
        }
      }
    }
    if (!haveStar || starEnd >= limit || text[starEnd] == '/') return kNoMatch;
    ++starEnd;
    i = starEnd;
    j = resumeToken;
  }
}

// The earliest end of a match of a section (piece ranges `section`) starting at or after `pos`. A match that
// starts in some text segment (run without '/') places its pieces on that segment's tail, the following whole
// segments and the head of the last one, so candidates are tried segment by segment: each text segment is
// examined by at most one candidate per piece.
std::size_t Glob::findEarliestEnd(Range section, std::string_view text, std::size_t pos) const {
  const std::size_t n = text.size();
  const std::uint32_t lastPiece = section.end - 1;
  std::size_t segStart = pos;
  for (;;) {
    std::size_t segEnd = text.find('/', segStart);
    if (segEnd == std::string_view::npos) segEnd = n;

    if (section.begin == lastPiece) {
      const std::size_t end = matchRun(pieces_[section.begin], text, segStart, segEnd, true, false);
      if (end != kNoMatch) return end;
    } else if (matchRun(pieces_[section.begin], text, segStart, segEnd, true, true) != kNoMatch) {
      std::size_t slash = segEnd;
      for (std::uint32_t p = section.begin + 1;; ++p) {
        // Later candidates have no more '/' ahead of them than this one.
        if (slash >= n) return kNoMatch;
        const std::size_t start = slash + 1;
        std::size_t end = text.find('/', start);
        if (end == std::string_view::npos) end = n;
        if (p == lastPiece) {
          const std::size_t matchEnd = matchRun(pieces_[p], text, start, end, false, false);
          if (matchEnd != kNoMatch) return matchEnd;
          break;
        }
        if (matchRun(pieces_[p], text, start, end, false, true) == kNoMatch) break;
        slash = end;
      }
    }
    if (segEnd >= n) return kNoMatch;
    segStart = segEnd + 1;
  }
}

// Whether a section (piece ranges `section`) matches text[s, n) for some s >= pos. Anchored at the end, the
// pieces sit on the last segments of the text, so there is exactly one candidate.
bool Glob::matchesSuffix(Range section, std::string_view text, std::size_t pos) const {
  std::size_t end = text.size();
  for (std::uint32_t p = section.end - 1; p > section.begin; --p) {
    const std::size_t slash = end == pos ? std::string_view::npos : text.rfind('/', end - 1);
    if (slash == std::string_view::npos || slash < pos) return false;
    if (matchRun(pieces_[p], text, slash + 1, end, false, true) == kNoMatch) return false;
    end = slash;
  }
  std::size_t start = pos;
  if (end > pos) {
    const std::size_t slash = text.rfind('/', end - 1);
    if (slash != std::string_view::npos && slash >= pos) start = slash + 1;
  }
  return matchRun(pieces_[section.begin], text, start, end, true, true) != kNoMatch;
}

bool Glob::matches(std::string_view text) const {
  if (literal_) return text == prefix_;
  if (text.size() < prefix_.size() || text.compare(0, prefix_.size(), prefix_) != 0) return false;

  const std::size_t last = sections_.size() - 1;
  if (last == 0) return matchRun(sectionTokens_[0], text, 0, text.size(), false, true) != kNoMatch;

  // Before the first `**` the match is anchored at the start; its earliest end is the best one.
  std::size_t pos = matchRun(sectionTokens_[0], text, 0, text.size(), false, false);
  if (pos == kNoMatch) return false;
  for (std::size_t s = 1; s < last; ++s) {
    pos = findEarliestEnd(sections_[s], text, pos);
    if (pos == kNoMatch) return false;
  }
  return matchesSuffix(sections_[last], text, pos);
}

bool hasGlobMeta(std::string_view s) {
  for (const char c : s) {
    if (c == '*' || c == '?' || c == '\\') return true;
  }
  return false;
}

}  // namespace warden::policy
