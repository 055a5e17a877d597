// PII detector: e-mail addresses, payment card numbers, US social security numbers and IBANs. Candidates found by
// pattern are confirmed by the check each format carries (Luhn, issuer prefix, SSA rules, mod-97), which is what
// keeps order numbers, timestamps and hashes from being reported.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "policy/detectors/content_detector.h"
#include "policy/detectors/pattern_detector.h"

namespace warden::policy {
namespace {

using detail::Candidate;
using detail::PatternDetector;
using detail::PatternRule;

constexpr std::string_view kEmail = "email";
constexpr std::string_view kPaymentCard = "payment_card";
constexpr std::string_view kUsSsn = "us_ssn";
constexpr std::string_view kIban = "iban";

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isAsciiLetter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool isAsciiAlnum(char c) { return isDigit(c) || isAsciiLetter(c); }
char asciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (asciiLower(a[i]) != asciiLower(b[i])) return false;
  }
  return true;
}

// The character at offset i of text, or '\0' outside it.
char charAt(std::string_view text, std::size_t i) { return i < text.size() ? text[i] : '\0'; }
char charBefore(std::string_view text, std::size_t i, std::size_t back = 1) {
  return i >= back ? text[i - back] : '\0';
}

// ---- email ----

// File extensions that are not top-level domains: `icon@2x.png` and `logo@3x.webp` are file names.
bool isFileExtension(std::string_view tld) {
  static constexpr std::string_view kExtensions[] = {
      "png", "jpg",  "jpeg", "gif", "svg", "webp", "ico", "bmp",  "tif", "tiff", "js",  "mjs",  "cjs",
      "ts",  "tsx",  "jsx",  "json", "yaml", "yml", "txt", "css", "scss", "html", "htm", "xml", "lock"};
  for (const auto ext : kExtensions) {
    if (equalsIgnoreCase(tld, ext)) return true;
  }
  return false;
}

bool confirmEmail(const Candidate& c) {
  const std::string_view address = c.match;
  const std::size_t at = address.find('@');
  if (at == std::string_view::npos) return false;
  const std::string_view local = address.substr(0, at);
  const std::string_view domain = address.substr(at + 1);
  if (local.empty() || local.size() > 64 || domain.size() > 253) return false;
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) return false;
  bool localHasAlnum = false;
  for (const char ch : local) localHasAlnum = localHasAlnum || isAsciiAlnum(ch);
  if (!localHasAlnum) return false;
  if (isFileExtension(domain.substr(domain.rfind('.') + 1))) return false;
  // user@host:path is an scp-style location (git@github.com:org/repo.git), not an address.
  const char after = charAt(c.text, c.end());
  const char afterNext = charAt(c.text, c.end() + 1);
  if (after == ':' && afterNext != '\0' && afterNext != ' ' && afterNext != '\n' && afterNext != '\t') return false;
  return true;
}

// ---- payment card ----

bool luhnValid(std::string_view digits) {
  int sum = 0;
  bool doubleIt = false;
  for (std::size_t i = digits.size(); i-- > 0;) {
    int d = digits[i] - '0';
    if (doubleIt) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    doubleIt = !doubleIt;
  }
  return sum % 10 == 0;
}

// Issuer prefix and length of the major card networks; everything else (timestamps, order numbers) is not a card.
bool plausibleCard(std::string_view digits) {
  const std::size_t n = digits.size();
  auto prefix = [&](std::size_t k) {
    int value = 0;
    for (std::size_t i = 0; i < k && i < n; ++i) value = value * 10 + (digits[i] - '0');
    return value;
  };
  const int p2 = prefix(2);
  const int p3 = prefix(3);
  const int p4 = prefix(4);
  if (digits[0] == '4') return n == 13 || n == 16 || n == 19;              // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n == 16;  // Mastercard
  if (p2 == 34 || p2 == 37) return n == 15;                                  // American Express
  if (p4 == 6011 || p2 == 65 || (p3 >= 644 && p3 <= 649)) return n >= 16;  // Discover
  if (p2 == 62) return n >= 16;                                              // UnionPay
  if (p2 == 35) return n >= 16;                                              // JCB
  if (p2 == 30 || p2 == 36 || p2 == 38) return n >= 14;                      // Diners Club
  return false;
}

bool isCardNumber(std::string_view digits) { return plausibleCard(digits) && luhnValid(digits); }

// Digits glued to letters belong to an identifier or a hex digest; digits right after or before a decimal point
// are part of a fraction.
bool standsAlone(std::string_view text, std::size_t begin, std::size_t end) {
  const char before = charBefore(text, begin);
  const char after = charAt(text, end);
  if (isAsciiLetter(before) || isAsciiLetter(after)) return false;
  if (before == '.' && isDigit(charBefore(text, begin, 2))) return false;
  if (after == '.' && isDigit(charAt(text, end + 1))) return false;
  return true;
}

struct DigitGroup {
  std::size_t begin;
  std::size_t end;
  std::size_t size() const { return end - begin; }
};

// The first group of digits at or after pos in run; begin == run.size() when none is left.
DigitGroup groupAt(std::string_view run, std::size_t pos) {
  while (pos < run.size() && !isDigit(run[pos])) ++pos;
  std::size_t end = pos;
  while (end < run.size() && isDigit(run[end])) ++end;
  return {pos, end};
}

// A candidate is a maximal run of digits joined by single spaces or dashes. Cards are written either as one
// 13-19 digit group or as groups of 3-6 digits (4-4-4-4, 4-6-5, 4-4-4-4-3), so every sequence of consecutive
// groups of those shapes is tried: in `order 12 4111 1111 1111 1111 exp 2027` the card in the middle is found,
// while a long unbroken digit run is never taken apart.
bool confirmPaymentCard(const Candidate& c) {
  const std::string_view run = c.match;
  const std::size_t offset = c.begin();
  std::array<char, 19> digits{};
  for (DigitGroup first = groupAt(run, 0); first.begin < run.size(); first = groupAt(run, first.end)) {
    if (first.size() >= 13 && first.size() <= digits.size()) {
      if (standsAlone(c.text, offset + first.begin, offset + first.end) &&
          isCardNumber(run.substr(first.begin, first.size()))) {
        return true;
      }
      continue;
    }
    std::size_t count = 0;
    for (DigitGroup group = first; group.begin < run.size(); group = groupAt(run, group.end)) {
      if (group.size() < 3 || group.size() > 6 || count + group.size() > digits.size()) break;
      for (std::size_t i = group.begin; i < group.end; ++i) digits[count++] = run[i];
      if (count >= 13 && standsAlone(c.text, offset + first.begin, offset + group.end) &&
          isCardNumber(std::string_view(digits.data(), count))) {
        return true;
      }
    }
  }
  return false;
}

// ---- US social security number ----

bool confirmSsn(const Candidate& c) {
  const char before = charBefore(c.text, c.begin());
  const char after = charAt(c.text, c.end());
  if (isAsciiAlnum(before) || before == '-' || isAsciiAlnum(after) || after == '-') return false;
  const std::string_view s = c.match;  // AAA-GG-SSSS
  const int area = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
  const int group = (s[4] - '0') * 10 + (s[5] - '0');
  const int serial = (s[7] - '0') * 1000 + (s[8] - '0') * 100 + (s[9] - '0') * 10 + (s[10] - '0');
  if (area == 0 || area == 666 || area >= 900) return false;
  return group != 0 && serial != 0;
}

// ---- IBAN ----

// Length of the IBAN of each country that issues them (SWIFT IBAN registry, plus the countries that use the
// format outside it). An unknown country code is not an IBAN.
std::size_t ibanLength(char a, char b) {
  struct Country {
    char code[3];
    unsigned char length;
  };
  static const Country kCountries[] = {
      {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AO", 25}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16}, {"BF", 28},
      {"BG", 22}, {"BH", 22}, {"BI", 27}, {"BJ", 28}, {"BR", 29}, {"BY", 28}, {"CF", 27}, {"CG", 27}, {"CH", 21},
      {"CI", 28}, {"CM", 27}, {"CR", 22}, {"CV", 25}, {"CY", 28}, {"CZ", 24}, {"DE", 22}, {"DJ", 27}, {"DK", 18},
      {"DO", 28}, {"DZ", 26}, {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18}, {"FK", 18}, {"FO", 18}, {"FR", 27},
      {"GA", 27}, {"GB", 22}, {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GQ", 27}, {"GR", 27}, {"GT", 28}, {"GW", 25},
      {"HN", 28}, {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IR", 26}, {"IS", 26}, {"IT", 27},
      {"JO", 30}, {"KM", 27}, {"KW", 30}, {"KZ", 20}, {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20},
      {"LV", 21}, {"LY", 25}, {"MA", 28}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MG", 27}, {"MK", 19}, {"ML", 28},
      {"MN", 20}, {"MR", 27}, {"MT", 31}, {"MU", 30}, {"MZ", 25}, {"NE", 28}, {"NI", 28}, {"NL", 18}, {"NO", 15},
      {"OM", 23}, {"PK", 24}, {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"RU", 33},
      {"SA", 24}, {"SC", 31}, {"SD", 18}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"SN", 28}, {"SO", 23},
      {"ST", 25}, {"SV", 28}, {"TD", 27}, {"TG", 28}, {"TL", 23}, {"TN", 24}, {"TR", 26}, {"UA", 29}, {"VA", 22},
      {"VG", 24}, {"XK", 20}, {"YE", 30},
  };
  for (const auto& country : kCountries) {
    if (country.code[0] == a && country.code[1] == b) return country.length;
  }
  return 0;
}

// ISO 13616 check: move the first four characters to the end, letters become 10..35, the number mod 97 is 1.
bool ibanChecksumValid(std::string_view compact) {
  int remainder = 0;
  auto feed = [&remainder](char ch) {
    if (isDigit(ch)) {
      remainder = (remainder * 10 + (ch - '0')) % 97;
    } else {
      remainder = (remainder * 100 + (ch - 'A' + 10)) % 97;
    }
  };
  for (std::size_t i = 4; i < compact.size(); ++i) feed(compact[i]);
  for (std::size_t i = 0; i < 4; ++i) feed(compact[i]);
  return remainder == 1;
}

bool confirmIban(const Candidate& c) {
  if (isAsciiAlnum(charBefore(c.text, c.begin()))) return false;
  const std::string_view s = c.match;
  const std::size_t length = ibanLength(s[0], s[1]);
  if (length == 0) return false;
  // Take exactly the country's length of characters; they must end where the written IBAN ends (a space, or
  // the end of the alphanumeric run), so a longer code is not mistaken for an IBAN with trailing text.
  std::array<char, 34> compact{};
  std::size_t taken = 0;
  std::size_t i = 0;
  for (; i < s.size() && taken < length; ++i) {
    if (s[i] != ' ') compact[taken++] = s[i];
  }
  if (taken != length) return false;
  const char next = i < s.size() ? s[i] : charAt(c.text, c.end());
  if (isAsciiAlnum(next)) return false;
  return ibanChecksumValid(std::string_view(compact.data(), taken));
}

// Every rule, in category order (piiCategories()): the first category present wins.
std::vector<PatternRule> piiRules() {
  std::vector<PatternRule> rules;
  rules.push_back({kEmail,
                   R"([A-Za-z0-9._%+-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})",
                   confirmEmail});
  // At least 13 digits, single spaces or dashes between them; the run is split into groups by the check.
  rules.push_back({kPaymentCard, R"([0-9](?:[ -]?[0-9]){12,})", confirmPaymentCard});
  rules.push_back({kUsSsn, R"([0-9]{3}-[0-9]{2}-[0-9]{4})", confirmSsn});
  // Country, check digits, then 11-30 letters and digits, optionally in space-separated groups of four.
  rules.push_back({kIban, R"([A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?)", confirmIban});
  return rules;
}

}  // namespace

const std::vector<std::string>& piiCategories() {
  static const std::vector<std::string> kCategories = {std::string(kEmail), std::string(kPaymentCard),
                                                       std::string(kUsSsn), std::string(kIban)};
  return kCategories;
}

ContentDetectorPtr makePiiDetector(const std::vector<std::string>& categories, std::string* error) {
  std::vector<bool> enabled;
  if (!detail::selectCategories("PII", piiCategories(), categories, &enabled, error)) return nullptr;
  auto rules = detail::enabledRules(piiRules(), piiCategories(), enabled);
  return PatternDetector::create(std::move(rules), PatternDetector::Encoding::kLatin1, error);
}

}  // namespace warden::policy
