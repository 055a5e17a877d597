#include "policy/principal.h"

#include "policy/ascii.h"
#include "policy/glob.h"
#include "policy/spiffe_id.h"

namespace warden::policy {

namespace {

constexpr std::string_view kScheme = "spiffe://";
constexpr std::size_t kMaxIdLength = 2048;
constexpr std::size_t kMaxNamespaceLength = 63;        // a DNS label
constexpr std::size_t kMaxServiceAccountLength = 253;  // a DNS subdomain

constexpr std::string_view kAcceptedForms =
    "expected a SPIFFE ID (spiffe://<trust domain>/<path>), a glob of one (spiffe://example.org/ns/*/sa/*) or "
    "ns/<namespace>/sa/<service account>";

bool isWildcard(char c) { return c == '*' || c == '?'; }

bool isNamespaceChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

bool isServiceAccountChar(char c) { return isNamespaceChar(c) || c == '.'; }

// The error of the glob the entry becomes, if any (`***`); the other glob errors cannot occur here because the
// character checks reject '\' and empty entries first.
std::optional<std::string> globError(std::string_view pattern) {
  std::string error;
  if (!Glob::compile(pattern, &error)) return error;
  return std::nullopt;
}

// spiffe://<td>/<path> with wildcards allowed in path segments and as the whole trust domain. The rest of the
// rules are exactly the SPIFFE ID rules, checked by parsing the entry with every wildcard replaced by a valid
// character. The length limit is checked on the entry as written.
std::optional<std::string> spiffePatternError(std::string_view entry) {
  if (entry.size() > kMaxIdLength) return "invalid SPIFFE ID: longer than 2048 bytes";
  const std::string_view rest = entry.substr(kScheme.size());
  const std::size_t slash = rest.find('/');
  const std::string_view td = rest.substr(0, slash);
  const std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);

  std::string probe(kScheme);
  if (td == "*" || td == "**") {
    probe += 'x';
  } else {
    for (const char c : td) {
      if (isWildcard(c)) {
        return "invalid SPIFFE ID pattern: a wildcard in the trust domain must be the whole trust domain (* or **)";
      }
    }
    probe += td;
  }
  for (const char c : path) probe += isWildcard(c) ? 'x' : c;

  std::string error;
  if (!parseSpiffeId(probe, &error)) return "invalid SPIFFE ID: " + error;
  return globError(entry);
}

enum class Shape { NotShorthand, Shorthand };

// Checks an entry that starts with "ns/". *shape says whether it has the four-segment shorthand shape at all.
std::optional<std::string> shorthandError(std::string_view entry, Shape* shape) {
  *shape = Shape::NotShorthand;
  std::string_view segments[4];
  std::size_t count = 0;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = entry.find('/', start);
    if (count == 4) return std::string(kAcceptedForms);  // a fifth segment
    segments[count++] = entry.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  if (count != 4 || segments[0] != "ns" || segments[2] != "sa") return std::string(kAcceptedForms);
  *shape = Shape::Shorthand;

  const std::string_view ns = segments[1];
  const std::string_view sa = segments[3];
  if (ns.empty()) return "namespace is empty";
  if (ns.size() > kMaxNamespaceLength) return "namespace is longer than 63 characters";
  for (const char c : ns) {
    if (!isNamespaceChar(c) && !isWildcard(c)) {
      return "namespace contains an invalid character " + describeChar(c) +
             " (allowed: a-z, 0-9, '-' and the wildcards * ? **)";
    }
  }
  if (sa.empty()) return "service account is empty";
  if (sa.size() > kMaxServiceAccountLength) return "service account is longer than 253 characters";
  for (const char c : sa) {
    if (!isServiceAccountChar(c) && !isWildcard(c)) {
      return "service account contains an invalid character " + describeChar(c) +
             " (allowed: a-z, 0-9, '-', '.' and the wildcards * ? **)";
    }
  }
  if (sa == "." || sa == "..") return "service account must not be \".\" or \"..\"";
  return globError(entry);
}

}  // namespace

std::optional<std::string> validatePrincipalEntry(std::string_view entry) {
  if (entry.substr(0, kScheme.size()) == kScheme) return spiffePatternError(entry);
  if (entry.substr(0, 3) == "ns/") {
    Shape shape;
    return shorthandError(entry, &shape);
  }
  if (entry.empty()) return "principal is empty: " + std::string(kAcceptedForms);
  return std::string(kAcceptedForms);
}

bool isPrincipalShorthand(std::string_view entry) {
  if (entry.substr(0, 3) != "ns/") return false;
  Shape shape;
  return !shorthandError(entry, &shape).has_value() && shape == Shape::Shorthand;
}

std::string expandPrincipalEntry(std::string_view entry, std::string_view trustDomain) {
  if (!isPrincipalShorthand(entry)) return std::string(entry);
  std::string expanded(kScheme);
  expanded += trustDomain;
  expanded += '/';
  expanded += entry;
  return expanded;
}

}  // namespace warden::policy
