#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace warden::policy {

// Decodes the code point that starts at s[i] as strict UTF-8 (RFC 3629: no overlong forms, no surrogates,
// nothing above U+10FFFF) and advances i past it; nullopt (i unchanged) for an ill-formed or truncated sequence.
std::optional<char32_t> decodeUtf8(std::string_view s, std::size_t& i);

// True when the whole of s is well-formed UTF-8.
bool isValidUtf8(std::string_view s);

}  // namespace warden::policy
