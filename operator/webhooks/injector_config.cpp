#include "operator/webhooks/injector_config.h"

#include <algorithm>

#include "policy/quote.h"

namespace warden::op {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// A Kubernetes resource quantity as the flags would give it: a decimal number with a decimal or binary suffix
// (50m, 0.5, 128Mi, 1G) or an exponent (1e3).
bool isQuantity(std::string_view text) {
  if (text.empty() || text.size() > 64) return false;
  std::size_t i = 0;
  auto digits = [&] {
    const auto start = i;
    while (i < text.size() && isDigit(text[i])) ++i;
    return i > start;
  };
  if (!digits()) return false;
  if (i < text.size() && text[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  const std::string_view suffix = text.substr(i);
  static const std::string_view kSuffixes[] = {"",  "m",  "k",  "M",  "G",  "T",  "P",
                                               "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
  if (std::find(std::begin(kSuffixes), std::end(kSuffixes), suffix) != std::end(kSuffixes)) return true;
  if (suffix.front() != 'e' && suffix.front() != 'E') return false;
  ++i;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  return digits() && i == text.size();
}

// RFC 1123 label: lower-case alphanumerics and '-', starting and ending alphanumeric, at most 63 characters.
bool isDnsLabel(std::string_view text) {
  if (text.empty() || text.size() > 63 || text.front() == '-' || text.back() == '-') return false;
  return std::all_of(text.begin(), text.end(), [](char c) { return isDigit(c) || (c >= 'a' && c <= 'z') || c == '-'; });
}

// RFC 1123 subdomain: dot-separated labels, at most 253 characters.
bool isDnsSubdomain(std::string_view text) {
  if (text.empty() || text.size() > 253) return false;
  for (std::size_t start = 0;;) {
    const auto dot = text.find('.', start);
    if (!isDnsLabel(text.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start))) {
      return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// A socket's file name inside the CSI volume's directory: no path separators, no "." or "..".
bool isSocketFileName(std::string_view text) {
  if (text.empty() || text.size() > 64 || text == "." || text == "..") return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '_' || c == '-';
  });
}

}  // namespace

std::optional<NativeSidecarMode> parseNativeSidecarMode(std::string_view text) {
  if (text == "auto") return NativeSidecarMode::Auto;
  if (text == "on") return NativeSidecarMode::On;
  if (text == "off") return NativeSidecarMode::Off;
  return std::nullopt;
}

const char* toString(NativeSidecarMode mode) {
  switch (mode) {
    case NativeSidecarMode::Auto: return "auto";
    case NativeSidecarMode::On: return "on";
    case NativeSidecarMode::Off: return "off";
  }
  return "auto";
}

std::optional<std::string> InjectorConfig::validate() const {
  if (image.empty() || image.find_first_of(" \t\r\n") != std::string::npos) {
    return "--sidecar-image: " + policy::quoteForMessage(image) + " is not an image reference";
  }
  if (imagePullPolicy != "Always" && imagePullPolicy != "IfNotPresent" && imagePullPolicy != "Never") {
    return "--sidecar-image-pull-policy: must be Always, IfNotPresent or Never, got " +
           policy::quoteForMessage(imagePullPolicy);
  }
  if (!isDnsSubdomain(spiffeCsiDriver)) {
    return "--spiffe-csi-driver: " + policy::quoteForMessage(spiffeCsiDriver) + " is not a CSI driver name";
  }
  if (!isSocketFileName(spiffeSocketName)) {
    return "--spiffe-socket-name: " + policy::quoteForMessage(spiffeSocketName) +
           " is not a file name (1-64 of A-Z a-z 0-9 . _ -, not . or ..)";
  }
  const std::pair<const char*, const std::string*> quantities[] = {{"--sidecar-cpu-request", &cpuRequest},
                                                                   {"--sidecar-memory-request", &memoryRequest},
                                                                   {"--sidecar-cpu-limit", &cpuLimit},
                                                                   {"--sidecar-memory-limit", &memoryLimit}};
  for (const auto& [flag, value] : quantities) {
    if (!value->empty() && !isQuantity(*value)) {
      return std::string(flag) + ": " + policy::quoteForMessage(*value) + " is not a Kubernetes quantity";
    }
  }
  for (const auto& ns : systemNamespaces) {
    if (!isDnsLabel(ns)) return "system namespace " + policy::quoteForMessage(ns) + " is not a namespace name";
  }
  if (!operatorNamespace.empty() && !isDnsLabel(operatorNamespace)) {
    return "--operator-namespace: " + policy::quoteForMessage(operatorNamespace) + " is not a namespace name";
  }
  return std::nullopt;
}

bool InjectorConfig::isSkippedNamespace(std::string_view ns) const {
  if (!operatorNamespace.empty() && ns == operatorNamespace) return true;
  return std::find(systemNamespaces.begin(), systemNamespaces.end(), ns) != systemNamespaces.end();
}

}  // namespace warden::op
