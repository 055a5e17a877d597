#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace warden::policy {

// The canonical text of a JSON value: object keys sorted by bytes, no insignificant white space, UTF-8 as is,
// integers without exponent. The same value always gives the same bytes; bundles and receipts are hashed over it.
// Never fails on any value: invalid UTF-8 is replaced by U+FFFD (deterministically, so strings differing only in
// invalid bytes may canonicalize alike); floats are the shortest text that reads back exactly (1.0, 1e+100); a
// NaN or infinity, which JSON cannot hold, is written as null. Only std::bad_alloc can escape.
std::string canonicalJson(const nlohmann::json& value);

// Lower-case hex SHA-256 of bytes. Throws std::runtime_error only if OpenSSL itself fails.
std::string sha256Hex(std::string_view bytes);

}  // namespace warden::policy
