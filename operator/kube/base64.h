#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace warden::op {

// Standard base64 (RFC 4648, padded) as Go's base64.StdEncoding reads kubeconfig *-data fields: '\r' and '\n' are
// ignored, anything else outside the alphabet, missing or misplaced padding is an error. nullopt on error.
std::optional<std::string> decodeBase64(std::string_view text);

}  // namespace warden::op
