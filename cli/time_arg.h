#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace warden::cli {

// RFC 3339 timestamps ("2026-11-24T10:00:00+01:00", "2026-11-24T09:00:00Z", fractional seconds allowed).
std::optional<std::chrono::system_clock::time_point> parseRfc3339(std::string_view text);

// "2026-11-24T09:00:00Z"
std::string formatRfc3339(std::chrono::system_clock::time_point t);

}  // namespace warden::cli
