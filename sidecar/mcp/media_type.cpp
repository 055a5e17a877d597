#include "sidecar/mcp/media_type.h"

#include "sidecar/mcp/header_value.h"

namespace warden::sidecar::mcp {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Whether a parameter list (";"-separated, after the media type) holds q=0 (0, 0., 0.0, 0.00, 0.000).
bool hasZeroQuality(std::string_view params) {
  while (!params.empty()) {
    const auto semi = params.find(';');
    std::string_view param = trim(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view() : params.substr(semi + 1);
    const auto eq = param.find('=');
    if (eq == std::string_view::npos || !equalsIgnoreAsciiCase(trim(param.substr(0, eq)), "q")) continue;
    std::string_view value = trim(param.substr(eq + 1));
    if (value.empty() || value.front() != '0') return false;
    value.remove_prefix(1);
    if (!value.empty() && value.front() == '.') value.remove_prefix(1);
    if (value.size() > 3) return false;
    for (char c : value) {
      if (c != '0') return false;
    }
    return true;
  }
  return false;
}

}  // namespace

bool acceptsJsonAndEventStream(std::string_view accept) {
  bool json = false;
  bool eventStream = false;
  while (!accept.empty()) {
    const auto comma = accept.find(',');
    std::string_view range = accept.substr(0, comma);
    accept = comma == std::string_view::npos ? std::string_view() : accept.substr(comma + 1);
    const auto semi = range.find(';');
    const std::string_view type = trim(range.substr(0, semi));
    const std::string_view params = semi == std::string_view::npos ? std::string_view() : range.substr(semi + 1);
    if (hasZeroQuality(params)) continue;
    json = json || equalsIgnoreAsciiCase(type, "application/json");
    eventStream = eventStream || equalsIgnoreAsciiCase(type, "text/event-stream");
  }
  return json && eventStream;
}

bool isJsonContentType(std::string_view contentType) {
  if (contentType.find(',') != std::string_view::npos) return false;
  return equalsIgnoreAsciiCase(trim(contentType.substr(0, contentType.find(';'))), "application/json");
}

}  // namespace warden::sidecar::mcp
