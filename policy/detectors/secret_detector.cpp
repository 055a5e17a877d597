// Secret detector: credentials with a recognisable shape (PEM private keys, cloud and SaaS tokens, JWTs) and
// password-style assignments whose value looks random.

#include <array>
#include <cmath>
#include <cstddef>
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

constexpr std::string_view kPemPrivateKey = "pem_private_key";
constexpr std::string_view kAwsAccessKeyId = "aws_access_key_id";
constexpr std::string_view kGithubToken = "github_token";
constexpr std::string_view kSlackToken = "slack_token";
constexpr std::string_view kJwt = "jwt";
constexpr std::string_view kPasswordAssignment = "password_assignment";

// A password-style value must be at least this long and this random (bits per character) to count: enough
// to pass real passwords and tokens while leaving placeholders and ordinary words alone.
constexpr std::size_t kMinSecretLength = 8;
constexpr double kMinSecretEntropy = 3.0;

char asciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (asciiLower(a[i]) != asciiLower(b[i])) return false;
  }
  return true;
}

bool startsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && equalsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

bool containsIgnoreCase(std::string_view s, std::string_view needle) {
  if (needle.size() > s.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= s.size(); ++i) {
    if (equalsIgnoreCase(s.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

// Shannon entropy of the byte distribution, in bits per byte.
double shannonEntropy(std::string_view s) {
  if (s.empty()) return 0.0;
  std::array<std::size_t, 256> counts{};
  for (const char c : s) ++counts[static_cast<unsigned char>(c)];
  double entropy = 0.0;
  const double total = static_cast<double>(s.size());
  for (const std::size_t n : counts) {
    if (n == 0) continue;
    const double p = static_cast<double>(n) / total;
    entropy -= p * std::log2(p);
  }
  return entropy;
}

// $NAME: a shell or environment variable reference.
bool isShellVariable(std::string_view value) {
  if (value.size() < 2 || value[0] != '$') return false;
  for (std::size_t i = 1; i < value.size(); ++i) {
    const char c = value[i];
    const bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    if (!letter && !(i > 1 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

// Values that stand for a secret without being one: masks, template and environment references, examples.
bool isPlaceholder(std::string_view value) {
  static constexpr std::string_view kExact[] = {
      "password", "passwd", "changeme", "changeit", "placeholder", "redacted", "secret",
      "null",     "none",   "nil",      "undefined", "empty",      "example",  "notset"};
  for (const auto word : kExact) {
    if (equalsIgnoreCase(value, word)) return true;
  }
  static constexpr std::string_view kFragments[] = {
      "changeme", "change_me", "change-me", "placeholder", "redacted", "example",
      "your_",    "your-",     "yourpass",  "xxxx",        "****",     "://"};
  for (const auto fragment : kFragments) {
    if (containsIgnoreCase(value, fragment)) return true;
  }
  // References resolved elsewhere: ${X}, $(cmd), $X, {{ .Values.x }}, {name}, %X%, [REDACTED].
  const char first = value.front();
  const char last = value.back();
  if (startsWithIgnoreCase(value, "${") || startsWithIgnoreCase(value, "$(") || isShellVariable(value) ||
      (first == '{' && last == '}') || (first == '%' && last == '%') || (first == '[' && last == ']')) {
    return true;
  }
  static constexpr std::string_view kReferencePrefixes[] = {
      "process.env.", "os.environ", "os.getenv", "getenv(", "env.", "env[", "secrets.", "vars."};
  for (const auto prefix : kReferencePrefixes) {
    if (startsWithIgnoreCase(value, prefix)) return true;
  }
  // A filesystem path (`pwd: /home/me`) or a function call (`password: getPassword()`).
  if (first == '/' || startsWithIgnoreCase(value, "~/") || startsWithIgnoreCase(value, "./") ||
      startsWithIgnoreCase(value, "../")) {
    return true;
  }
  if (last == ')' && value.find('(') != std::string_view::npos) return true;
  return false;
}

bool looksLikeSecretValue(std::string_view value) {
  // A trailing backslash is the escape of a closing quote in double-encoded JSON (\"value\").
  while (!value.empty() && value.back() == '\\') value.remove_suffix(1);
  if (value.size() < kMinSecretLength) return false;
  if (isPlaceholder(value)) return false;
  return shannonEntropy(value) >= kMinSecretEntropy;
}

// Qualifiers that turn a secret-sounding key into something that is not a secret: next_page_token, max_token.
bool isNonSecretQualifier(std::string_view prefix) {
  while (!prefix.empty() && (prefix.back() == '_' || prefix.back() == '-' || prefix.back() == '.')) {
    prefix.remove_suffix(1);
  }
  const std::size_t cut = prefix.find_last_of("_-.");
  const std::string_view last = cut == std::string_view::npos ? prefix : prefix.substr(cut + 1);
  static constexpr std::string_view kQualifiers[] = {
      "page", "next",  "prev",  "previous", "continuation", "cursor", "sync",
      "max",  "min",   "num",   "total",    "resume",       "count",  "pagination"};
  for (const auto q : kQualifiers) {
    if (equalsIgnoreCase(last, q)) return true;
  }
  return false;
}

bool confirmPasswordAssignment(const Candidate& c) {
  const std::string_view prefix = c.groups[0];
  const std::string_view value = c.groups[2];
  if (isNonSecretQualifier(prefix)) return false;
  return looksLikeSecretValue(value);
}

// Every rule, in category order (secretCategories()): the first category present wins.
std::vector<PatternRule> secretRules() {
  std::vector<PatternRule> rules;
  // Any PEM private key: PKCS#8, RSA, EC, DSA, OPENSSH, ENCRYPTED, PGP. Certificates and public keys differ.
  rules.push_back({kPemPrivateKey, R"(-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----)", {}});
  rules.push_back({kAwsAccessKeyId, R"(\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b)", {}});
  rules.push_back({kGithubToken, R"((?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})", {}});
  // Bot/user/app/refresh/session tokens (numeric id first), and webhook URLs carrying their secret path.
  rules.push_back({kSlackToken,
                   R"(xox[abprs]-[0-9]+-[0-9A-Za-z][0-9A-Za-z-]{9,}|)"
                   R"(hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9]+/[A-Za-z0-9]+/[A-Za-z0-9]{8,})",
                   {}});
  // header.payload.signature, both JSON parts starting with `{"` (eyJ), each of a plausible length.
  rules.push_back({kJwt, R"(eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{16,})", {}});
  // A key (the last part of an identifier such as DB_PASSWORD or x-api-key, optionally quoted), an assignment
  // operator, then a value up to whitespace, a quote or a list separator; an HTTP auth scheme before the value
  // is skipped. Groups: 1 identifier prefix, 2 key, 3 value.
  rules.push_back({kPasswordAssignment,
                   R"((?i)(?:^|[^a-z0-9])((?:[a-z0-9]+[_.-])*))"
                   R"((passwd|password|passphrase|pwd|pass|secret[_.-]?access[_.-]?key|secret[_.-]?key|secret|)"
                   R"(api[_.-]?key|access[_.-]?key|access[_.-]?token|auth[_.-]?token|refresh[_.-]?token|token|)"
                   R"(private[_.-]?key|authorization))"
                   R"(\\?["']?[ \t]*(?::=|=>|==?|:)[ \t]*\\?["'`]?(?:(?:bearer|basic|token)[ \t]+)?)"
                   R"(([^\s"'`,;&<>]+))",
                   confirmPasswordAssignment});
  return rules;
}

}  // namespace

const std::vector<std::string>& secretCategories() {
  static const std::vector<std::string> kCategories = {
      std::string(kPemPrivateKey), std::string(kAwsAccessKeyId), std::string(kGithubToken),
      std::string(kSlackToken),    std::string(kJwt),            std::string(kPasswordAssignment)};
  return kCategories;
}

ContentDetectorPtr makeSecretDetector(const std::vector<std::string>& categories, std::string* error) {
  std::vector<bool> enabled;
  if (!detail::selectCategories("secret", secretCategories(), categories, &enabled, error)) return nullptr;

  auto rules = detail::enabledRules(secretRules(), secretCategories(), enabled);
  return PatternDetector::create(std::move(rules), PatternDetector::Encoding::kLatin1, error);
}

}  // namespace warden::policy
