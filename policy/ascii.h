#pragma once

#include <string>
#include <string_view>

namespace warden::policy {

// True when `text` starts with `lowerPrefix` ignoring ASCII case (`lowerPrefix` must be lower-case).
bool startsWithIgnoringAsciiCase(std::string_view text, std::string_view lowerPrefix);

// A character as a message shows it: 'A' for printable ASCII, "byte 0x0a" otherwise, so that messages never carry
// raw control bytes.
std::string describeChar(char c);

}  // namespace warden::policy
