#include "policy/path_normalize.h"

#include <cstdint>
#include <vector>

#include "policy/utf8.h"

namespace warden::policy {

namespace {

// Layers of percent-encoding peeled off before giving up. Real paths need one; each layer costs a pass over the
// path, so a bound keeps "%2525252525…" from turning into quadratic work.
constexpr int kMaxDecodeLayers = 16;

bool equalsIgnoringCase(std::string_view a, std::string_view lowercase) {
  if (a.size() != lowercase.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lowercase[i]) return false;
  }
  return true;
}

// The path of a file: URI (RFC 8089: file:///p, file://localhost/p, file:/p), the input itself when it is not
// one, nullopt for a file: URI that names another host, has no path, or carries a query or fragment (the
// server would drop them and open a path we never saw).
std::optional<std::string_view> stripFileScheme(std::string_view input) {
  if (input.size() < 5 || !equalsIgnoringCase(input.substr(0, 5), "file:")) return input;
  std::string_view rest = input.substr(5);
  if (rest.substr(0, 2) == "//") {
    const std::size_t slash = rest.find('/', 2);
    if (slash == std::string_view::npos) return std::nullopt;
    const std::string_view host = rest.substr(2, slash - 2);
    if (!host.empty() && !equalsIgnoringCase(host, "localhost")) return std::nullopt;
    rest = rest.substr(slash);
  }
  if (rest.empty() || rest[0] != '/') return std::nullopt;
  if (rest.find_first_of("?#") != std::string_view::npos) return std::nullopt;
  return rest;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// One layer of percent-decoding; false for a '%' not followed by two hex digits.
bool percentDecodeOnce(const std::string& in, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      *out += in[i];
      continue;
    }
    if (i + 2 >= in.size()) return false;
    const int high = hexValue(in[i + 1]);
    const int low = hexValue(in[i + 2]);
    if (high < 0 || low < 0) return false;
    *out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return true;
}

// Look-alikes of '.', '/' and '\' that Unicode compatibility normalization (NFKC) or lossy "best fit" code-page
// conversion can turn into the real characters on the server's side, i.e. traversal we would not see.
bool isSeparatorLookAlike(char32_t cp) {
  switch (cp) {
    case 0x2024:  // ONE DOT LEADER
    case 0x2025:  // TWO DOT LEADER
    case 0xFE52:  // SMALL FULL STOP
    case 0xFF0E:  // FULLWIDTH FULL STOP
    case 0x2044:  // FRACTION SLASH
    case 0x2215:  // DIVISION SLASH
    case 0xFF0F:  // FULLWIDTH SOLIDUS
    case 0xFE68:  // SMALL REVERSE SOLIDUS
    case 0xFF3C:  // FULLWIDTH REVERSE SOLIDUS
      return true;
    default:
      return false;
  }
}

// Strict UTF-8 (no overlong forms, surrogates or code points above U+10FFFF) without C0, DEL or C1 controls
// and without separator look-alikes. Overlong forms matter most: %c0%ae is a '.' to a lenient decoder.
bool isSafeUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto cp = decodeUtf8(s, i);
    if (!cp) return false;
    if (*cp < 0x20 || (*cp >= 0x7f && *cp <= 0x9f)) return false;  // C0, DEL and C1 controls
    if (isSeparatorLookAlike(*cp)) return false;
  }
  return true;
}

// Whether s is "/" or "/"-separated components none of which is empty, "." or "..": the shape normalizePath
// produces.
bool isNormalizedShape(std::string_view s) {
  if (s.empty() || s[0] != '/') return false;
  if (s.size() == 1) return true;
  std::size_t start = 1;
  while (start <= s.size()) {
    std::size_t end = s.find('/', start);
    if (end == std::string_view::npos) end = s.size();
    const std::string_view component = s.substr(start, end - start);
    if (component.empty() || component == "." || component == "..") return false;
    start = end + 1;
  }
  return true;
}

}  // namespace

std::optional<std::string> normalizePath(std::string_view path) {
  const std::optional<std::string_view> stripped = stripFileScheme(path);
  if (!stripped) return std::nullopt;
  // Absolute as written: "%2Fetc" or "\etc" is relative to a server that does not decode or is not Windows.
  if (stripped->empty() || (*stripped)[0] != '/') return std::nullopt;

  std::string decoded(*stripped);
  std::string next;
  for (int layer = 0;; ++layer) {
    if (decoded.find('%') == std::string::npos) break;
    if (layer == kMaxDecodeLayers) return std::nullopt;
    if (!percentDecodeOnce(decoded, &next)) return std::nullopt;
    decoded.swap(next);
  }
  if (!isSafeUtf8(decoded)) return std::nullopt;

  // Resolve components; '\' separates like '/' (a Windows-minded server would treat it so).
  std::vector<std::string_view> components;
  const std::string_view view(decoded);
  std::size_t start = 0;
  while (start <= view.size()) {
    std::size_t end = view.find_first_of("/\\", start);
    if (end == std::string_view::npos) end = view.size();
    const std::string_view component = view.substr(start, end - start);
    if (component == "..") {
      if (components.empty()) return std::nullopt;  // above the root
      components.pop_back();
    } else if (!component.empty() && component != ".") {
      components.push_back(component);
    }
    start = end + 1;
  }

  if (components.empty()) return std::string("/");
  std::string out;
  out.reserve(decoded.size());
  for (const std::string_view component : components) {
    out += '/';
    out += component;
  }
  return out;
}

bool isPathUnder(std::string_view normalizedPath, std::string_view normalizedBase) {
  // A base written with a trailing slash ("/workspace/drafts/") means the same directory.
  while (normalizedBase.size() > 1 && normalizedBase.back() == '/') normalizedBase.remove_suffix(1);
  // Anything else was not normalized: answer "no" rather than compare text that may still hide traversal.
  if (!isNormalizedShape(normalizedPath) || !isNormalizedShape(normalizedBase)) return false;
  if (normalizedBase == "/") return true;
  if (normalizedPath.size() < normalizedBase.size() ||
      normalizedPath.compare(0, normalizedBase.size(), normalizedBase) != 0) {
    return false;
  }
  return normalizedPath.size() == normalizedBase.size() || normalizedPath[normalizedBase.size()] == '/';
}

}  // namespace warden::policy
