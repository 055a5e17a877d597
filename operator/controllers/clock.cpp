#include "operator/controllers/clock.h"

#include <cstdint>
#include <cstdio>
#include <ctime>

namespace warden::op {
namespace {

using std::chrono::system_clock;

// Seconds since the epoch and the microseconds within that second, clamped to years 1970..9999.
void split(system_clock::time_point t, std::time_t& seconds, long& micros) {
  constexpr std::int64_t kMaxSeconds = 253402300799;  // 9999-12-31T23:59:59Z
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  std::int64_t s = us / 1'000'000;
  std::int64_t rest = us % 1'000'000;
  if (rest < 0) {
    rest += 1'000'000;
    s -= 1;
  }
  if (s < 0) {
    s = 0;
    rest = 0;
  } else if (s > kMaxSeconds) {
    s = kMaxSeconds;
    rest = 999'999;
  }
  seconds = static_cast<std::time_t>(s);
  micros = static_cast<long>(rest);
}

std::string format(system_clock::time_point t, bool withMicros) {
  std::time_t seconds = 0;
  long micros = 0;
  split(t, seconds, micros);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[96];  // room for any int the compiler cannot rule out (-Wformat-truncation in Release builds)
  if (withMicros) {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, micros);
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec);
  }
  return buf;
}

}  // namespace

Clock systemClock() {
  return [] { return system_clock::now(); };
}

std::string formatRfc3339Seconds(system_clock::time_point t) { return format(t, false); }
std::string formatRfc3339Micros(system_clock::time_point t) { return format(t, true); }

std::string truncateUtf8(std::string_view text, std::size_t maxBytes) {
  if (text.size() <= maxBytes) return std::string(text);
  constexpr std::string_view kEllipsis = "...";
  if (maxBytes < kEllipsis.size()) return std::string(kEllipsis.substr(0, maxBytes));
  std::size_t cut = maxBytes - kEllipsis.size();
  // Back up over continuation bytes (10xxxxxx) so the cut falls on the start of a sequence.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  std::string out(text.substr(0, cut));
  out += kEllipsis;
  return out;
}

}  // namespace warden::op
