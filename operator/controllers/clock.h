#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace warden::op {

// Wall-clock time for what the API records (condition transition times, event times). Injected so tests control
// it; the default is the system clock.
using Clock = std::function<std::chrono::system_clock::time_point()>;
Clock systemClock();

// RFC 3339 in UTC: "2026-01-02T03:04:05Z" (metav1.Time, whole seconds) and "2026-01-02T03:04:05.123456Z"
// (metav1.MicroTime). Times before 1970 or after 9999 are clamped to those years' bounds.
std::string formatRfc3339Seconds(std::chrono::system_clock::time_point t);
std::string formatRfc3339Micros(std::chrono::system_clock::time_point t);

// `text` cut to at most maxBytes without splitting a UTF-8 sequence; "..." ends a cut text (within maxBytes).
std::string truncateUtf8(std::string_view text, std::size_t maxBytes);

}  // namespace warden::op
