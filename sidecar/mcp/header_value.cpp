#include "sidecar/mcp/header_value.h"

#include <cstddef>
#include <cstdint>

namespace warden::sidecar::mcp {
namespace {

constexpr std::string_view kSentinelPrefix = "=?base64?";
constexpr std::string_view kSentinelSuffix = "?=";

// 0..63 for a Base64 digit, -1 otherwise.
int base64Digit(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Strict RFC 4648 Base64: length a multiple of 4, padding only at the end, unused bits zero (so each value has
// exactly one encoding and two different header values can never decode to the same name).
std::optional<std::string> decodeBase64(std::string_view in) {
  if (in.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  if (!in.empty() && in.back() == '=') ++padding;
  if (in.size() >= 2 && in[in.size() - 2] == '=') ++padding;
  std::string out;
  out.reserve(in.size() / 4 * 3);
  for (std::size_t i = 0; i < in.size(); i += 4) {
    const bool last = i + 4 == in.size();
    const std::size_t digits = last ? 4 - padding : 4;
    std::uint32_t group = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      int d = 0;
      if (j < digits) {
        d = base64Digit(in[i + j]);
        if (d < 0) return std::nullopt;
      }
      group = (group << 6) | static_cast<std::uint32_t>(d);
    }
    if (digits == 2 && (group & 0xFFFF) != 0) return std::nullopt;
    if (digits == 3 && (group & 0xFF) != 0) return std::nullopt;
    out.push_back(static_cast<char>((group >> 16) & 0xFF));
    if (digits >= 3) out.push_back(static_cast<char>((group >> 8) & 0xFF));
    if (digits == 4) out.push_back(static_cast<char>(group & 0xFF));
  }
  return out;
}

}  // namespace

bool equalsIgnoreAsciiCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool isPlainHeaderValue(std::string_view value) {
  for (unsigned char c : value) {
    if (c != '\t' && (c < 0x20 || c > 0x7E)) return false;
  }
  return true;
}

std::optional<std::string> decodeHeaderValue(std::string_view value) {
  if (!isPlainHeaderValue(value)) return std::nullopt;
  if (value.size() >= kSentinelPrefix.size() + kSentinelSuffix.size() && value.starts_with(kSentinelPrefix) &&
      value.ends_with(kSentinelSuffix)) {
    return decodeBase64(value.substr(kSentinelPrefix.size(),
                                     value.size() - kSentinelPrefix.size() - kSentinelSuffix.size()));
  }
  return std::string(value);
}

}  // namespace warden::sidecar::mcp
