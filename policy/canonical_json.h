#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace warden::policy {

// The canonical text of a JSON value: object keys sorted by bytes, no insignificant white space, UTF-8 as is,
// integers without exponent. The same value always gives the same bytes; bundles and receipts are hashed over it.
std::string canonicalJson(const nlohmann::json& value);

// Lower-case hex SHA-256 of bytes.
std::string sha256Hex(std::string_view bytes);

}  // namespace warden::policy
