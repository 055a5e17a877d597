#include "policy/spiffe_id.h"

#include "policy/ascii.h"

namespace warden::policy {

namespace {

constexpr std::string_view kScheme = "spiffe://";
constexpr std::size_t kMaxIdLength = 2048;
constexpr std::size_t kMaxTrustDomainLength = 255;

bool isTrustDomainChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

bool isPathChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

std::optional<SpiffeId> fail(std::string* error, std::string message) {
  if (error != nullptr) *error = std::move(message);
  return std::nullopt;
}

}  // namespace

bool isValidTrustDomain(std::string_view td) {
  if (td.empty() || td.size() > kMaxTrustDomainLength) return false;
  for (const char c : td) {
    if (!isTrustDomainChar(c)) return false;
  }
  return true;
}

std::optional<SpiffeId> parseSpiffeId(std::string_view text, std::string* error) {
  if (text.empty()) return fail(error, "SPIFFE ID is empty");
  if (text.size() > kMaxIdLength) return fail(error, "SPIFFE ID is longer than 2048 bytes");
  if (text.substr(0, kScheme.size()) != kScheme) {
    if (startsWithIgnoringAsciiCase(text, kScheme)) return fail(error, "scheme must be lowercase \"spiffe://\"");
    return fail(error, "SPIFFE ID must start with \"spiffe://\"");
  }

  const std::string_view rest = text.substr(kScheme.size());
  // URI components that a SPIFFE ID must not have are named, rather than reported as a stray character.
  const std::size_t queryOrFragment = rest.find_first_of("?#");
  if (queryOrFragment != std::string_view::npos) {
    return fail(error, rest[queryOrFragment] == '?' ? "query is not allowed" : "fragment is not allowed");
  }
  if (rest.find('%') != std::string_view::npos) return fail(error, "percent-encoding is not allowed");

  const std::size_t slash = rest.find('/');
  const std::string_view td = rest.substr(0, slash);
  const std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  if (td.find('@') != std::string_view::npos) return fail(error, "trust domain must not contain userinfo");
  if (td.find(':') != std::string_view::npos) return fail(error, "trust domain must not contain a port");
  if (td.empty()) return fail(error, "trust domain is empty");
  if (td.size() > kMaxTrustDomainLength) return fail(error, "trust domain is longer than 255 bytes");
  for (const char c : td) {
    if (!isTrustDomainChar(c)) return fail(error, "trust domain contains an invalid character " + describeChar(c));
  }

  if (!path.empty()) {
    if (path.back() == '/') return fail(error, "path must not end with '/'");
    // path starts with '/': every segment follows one.
    std::size_t start = 1;
    while (start <= path.size()) {
      std::size_t end = path.find('/', start);
      if (end == std::string_view::npos) end = path.size();
      const std::string_view segment = path.substr(start, end - start);
      if (segment.empty()) return fail(error, "path segment is empty");
      if (segment == "." || segment == "..") return fail(error, "path segment is \".\" or \"..\"");
      for (const char c : segment) {
        if (!isPathChar(c)) return fail(error, "path segment contains an invalid character " + describeChar(c));
      }
      start = end + 1;
    }
  }
  return SpiffeId{std::string(td), std::string(path)};
}

}  // namespace warden::policy
