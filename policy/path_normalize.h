#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace warden::policy {

// Normalizes a file path for PathUnder so that traversal cannot hide: strips a file:// scheme, percent-decodes
// repeatedly until stable (double encoding such as %252e%252e cannot smuggle ".."), treats '\' as '/', collapses
// "//", resolves "." and "..". Returns nullopt for anything that is not a safe absolute path: relative paths,
// NUL or other control bytes, malformed percent-escapes, invalid UTF-8, ".." above the root.
std::optional<std::string> normalizePath(std::string_view path);

// True when normalized path equals base or lies below it (component-wise: /a/bc is not under /a/b).
// Both arguments must be outputs of normalizePath.
bool isPathUnder(std::string_view normalizedPath, std::string_view normalizedBase);

}  // namespace warden::policy
