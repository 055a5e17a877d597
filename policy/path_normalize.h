#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace warden::policy {

// Normalizes a file path for PathUnder so that traversal cannot hide: strips a file:// scheme, percent-decodes
// repeatedly until stable (double encoding such as %252e%252e cannot smuggle ".."), treats '\' as '/', collapses
// "//", resolves "." and "..". Returns nullopt for anything that is not a safe absolute path: relative paths,
// NUL or other control bytes, malformed percent-escapes, invalid UTF-8, ".." above the root.
//
// Also nullopt: a file: URI naming a host other than localhost, or carrying a query or fragment; a path that is
// not absolute as written (before decoding); more than 16 layers of percent-encoding; look-alikes of '.', '/'
// and '\' (fullwidth solidus and the like) that a normalizing server could turn into traversal. Resolution is
// lexical: a symlink on the server can still lead elsewhere. Callers must treat nullopt as a denial, not as
// "not under": for a Deny rule "not under" would let the call through.
std::optional<std::string> normalizePath(std::string_view path);

// True when normalized path equals base or lies below it (component-wise: /a/bc is not under /a/b).
// Both arguments must be outputs of normalizePath (a trailing '/' on the base is tolerated); anything else that
// is not in normalized form gives false.
bool isPathUnder(std::string_view normalizedPath, std::string_view normalizedBase);

}  // namespace warden::policy
