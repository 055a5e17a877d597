#include "policy/tool_name.h"

namespace warden::policy {

namespace {

constexpr std::size_t kMaxToolNameLength = 128;

}  // namespace

bool isValidToolName(std::string_view name) {
  if (name.empty() || name.size() > kMaxToolNameLength) return false;
  // Byte-wise on purpose: every byte of a multi-byte UTF-8 sequence is >= 0x80 and so rejected, which is what
  // keeps look-alikes such as Cyrillic 'е' (U+0435) out.
  for (const char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace warden::policy
