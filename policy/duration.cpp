#include "policy/duration.h"

#include <cstdint>
#include <limits>

#include "policy/quote.h"

namespace warden::policy {
namespace {

constexpr std::uint64_t kMaxNanos = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

// Fraction digits kept; later ones weigh under 1e-6 ns even for hours (Go likewise drops digits it cannot hold).
constexpr int kMaxFractionDigits = 19;

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Nanoseconds per unit; 0 for an unknown unit. Both micro signs are accepted, as Go does: U+00B5 and U+03BC.
std::uint64_t unitNanos(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\u00b5s" || unit == "\u03bcs") return 1'000;
  if (unit == "ms") return 1'000'000;
  if (unit == "s") return 1'000'000'000;
  if (unit == "m") return 60ULL * 1'000'000'000;
  if (unit == "h") return 3600ULL * 1'000'000'000;
  return 0;
}

std::optional<std::chrono::nanoseconds> fail(std::string* error, std::string message) {
  if (error != nullptr) *error = std::move(message);
  return std::nullopt;
}

}  // namespace

std::optional<std::chrono::nanoseconds> parseDuration(std::string_view text, std::string* error) {
  if (text.empty()) return fail(error, "empty duration");
  if (text.front() == '-' || text.front() == '+') {
    return fail(error, "sign not allowed in duration " + quoteForMessage(text) + " (durations must be positive)");
  }
  if (text == "0") return fail(error, "duration " + quoteForMessage(text) + " must be positive");

  const std::string overflow = "duration " + quoteForMessage(text) + " is too long (the limit is about 292 years)";
  std::uint64_t total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    // The number: digits, optionally a '.' and more digits; at least one digit on either side of the '.'.
    std::uint64_t whole = 0;
    bool wholeOverflow = false;
    const std::size_t numberStart = i;
    for (; i < text.size() && isDigit(text[i]); ++i) {
      const auto digit = static_cast<std::uint64_t>(text[i] - '0');
      if (whole > (kMaxNanos - digit) / 10) wholeOverflow = true;
      if (!wholeOverflow) whole = whole * 10 + digit;
    }
    const bool haveWhole = i > numberStart;
    std::uint64_t fraction = 0;
    std::uint64_t scale = 1;
    bool haveFraction = false;
    if (i < text.size() && text[i] == '.') {
      ++i;
      int kept = 0;
      for (; i < text.size() && isDigit(text[i]); ++i) {
        haveFraction = true;
        if (kept < kMaxFractionDigits) {
          fraction = fraction * 10 + static_cast<std::uint64_t>(text[i] - '0');
          scale *= 10;
          ++kept;
        }
      }
    }
    if (!haveWhole && !haveFraction) {
      return fail(error,
                  "invalid duration " + quoteForMessage(text) + ": expected a number at " + quoteForMessage(text.substr(numberStart)));
    }

    // The unit: everything up to the next number.
    const std::size_t unitStart = i;
    while (i < text.size() && text[i] != '.' && !isDigit(text[i])) ++i;
    const std::string_view unit = text.substr(unitStart, i - unitStart);
    if (unit.empty()) return fail(error, "missing unit in duration " + quoteForMessage(text));
    const std::uint64_t nanosPerUnit = unitNanos(unit);
    if (nanosPerUnit == 0) return fail(error, "unknown unit " + quoteForMessage(unit) + " in duration " + quoteForMessage(text));

    if (wholeOverflow || whole > kMaxNanos / nanosPerUnit) return fail(error, overflow);
    std::uint64_t value = whole * nanosPerUnit;
    // fraction < scale <= 1e19 and nanosPerUnit <= 3.6e12: the product fits in 128 bits; truncated like Go.
    const auto fractionNanos =
        static_cast<std::uint64_t>(static_cast<unsigned __int128>(fraction) * nanosPerUnit / scale);
    if (value > kMaxNanos - fractionNanos) return fail(error, overflow);
    value += fractionNanos;
    if (total > kMaxNanos - value) return fail(error, overflow);
    total += value;
  }

  if (total == 0) return fail(error, "duration " + quoteForMessage(text) + " must be positive");
  return std::chrono::nanoseconds(static_cast<std::int64_t>(total));
}

}  // namespace warden::policy
