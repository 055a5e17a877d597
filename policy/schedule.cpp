#include "policy/schedule.h"

#include <array>
#include <exception>
#include <string_view>

#include <date/tz.h>

#include "policy/quote.h"

namespace warden::policy {
namespace {

constexpr int kMinutesPerDay = 24 * 60;
constexpr std::size_t kMaxZoneNameLength = 64;

// Indexed by date::weekday::c_encoding(): 0 = Sunday.
constexpr std::array<std::string_view, 7> kDayNames = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// "HH:MM" as minutes after midnight: 00:00-23:59, and 24:00 when it ends a range.
std::optional<int> parseClock(std::string_view s, bool isEnd) {
  if (s.size() != 5 || !isDigit(s[0]) || !isDigit(s[1]) || s[2] != ':' || !isDigit(s[3]) || !isDigit(s[4])) {
    return std::nullopt;
  }
  const int hour = (s[0] - '0') * 10 + (s[1] - '0');
  const int minute = (s[3] - '0') * 10 + (s[4] - '0');
  if (minute > 59) return std::nullopt;
  if (hour == 24 && minute == 0 && isEnd) return kMinutesPerDay;
  if (hour > 23) return std::nullopt;
  return hour * 60 + minute;
}

// The characters the CRD admits in a zone name, and no "." at all: a name never reaches the file system as a
// relative path, whatever the tz library does with it.
bool isPlausibleZoneName(std::string_view name) {
  if (name.empty() || name.size() > kMaxZoneNameLength) return false;
  for (char c : name) {
    const bool ok =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || isDigit(c) || c == '_' || c == '+' || c == '-' || c == '/';
    if (!ok) return false;
  }
  return name.front() != '/';
}

bool fail(std::string* error, std::string message) {
  if (error != nullptr) *error = std::move(message);
  return false;
}

bool compileDays(const std::vector<std::string>& days, unsigned* mask, std::string* error) {
  if (days.empty()) {
    *mask = 0x7f;
    return true;
  }
  *mask = 0;
  for (std::size_t i = 0; i < days.size(); ++i) {
    const std::string field = "days[" + std::to_string(i) + "]: ";
    unsigned bit = 0;
    for (std::size_t d = 0; d < kDayNames.size(); ++d) {
      if (days[i] == kDayNames[d]) bit = 1u << d;
    }
    if (bit == 0) {
      return fail(error, field + "unknown day " + quoteForMessage(days[i]) + " (expected Mon, Tue, Wed, Thu, Fri, Sat or Sun)");
    }
    if ((*mask & bit) != 0) return fail(error, field + "duplicate day " + quoteForMessage(days[i]));
    *mask |= bit;
  }
  return true;
}

bool compileHours(const std::string& hours, int* start, int* end, std::string* error) {
  if (hours.empty()) {
    *start = 0;
    *end = kMinutesPerDay;
    return true;
  }
  const std::string_view text = hours;
  const std::size_t dash = text.find('-');
  if (text.size() != 11 || dash != 5) {
    return fail(error, "hours: expected \"HH:MM-HH:MM\", got " + quoteForMessage(text));
  }
  const std::string_view startText = text.substr(0, 5);
  const std::string_view endText = text.substr(6);
  const std::optional<int> startMinute = parseClock(startText, false);
  if (!startMinute) {
    return fail(error, "hours: start " + quoteForMessage(startText) +
                           " is not a time of day (00:00 to 23:59; 24:00 may only end a range)");
  }
  const std::optional<int> endMinute = parseClock(endText, true);
  if (!endMinute) return fail(error, "hours: end " + quoteForMessage(endText) + " is not a time of day (00:00 to 24:00)");
  if (*startMinute == *endMinute) {
    return fail(error, "hours: start and end are equal in " + quoteForMessage(text) + ": the window would be empty");
  }
  *start = *startMinute;
  *end = *endMinute;
  return true;
}

const date::time_zone* compileZone(const std::string& name, std::string* error) {
  if (!isPlausibleZoneName(name)) {
    fail(error, "timeZone: invalid time zone name " + quoteForMessage(name) + " (expected an IANA name such as Europe/Berlin)");
    return nullptr;
  }
  const date::time_zone* zone = nullptr;
  try {
    zone = date::locate_zone(name);
  } catch (const std::exception&) {
    fail(error, "timeZone: unknown time zone " + quoteForMessage(name));
    return nullptr;
  }
  try {
    // Zone data is read lazily on first use; read it now so that a broken file fails here, not in isActive.
    (void)zone->get_info(date::sys_seconds{});
  } catch (const std::exception& e) {
    fail(error, "timeZone: cannot load time zone " + quoteForMessage(name) + ": " + e.what());
    return nullptr;
  }
  return zone;
}

}  // namespace

std::optional<CompiledSchedule> CompiledSchedule::compile(const Schedule& schedule, std::string* error) {
  CompiledSchedule compiled;
  if (!compileDays(schedule.days, &compiled.dayMask_, error)) return std::nullopt;
  if (!compileHours(schedule.hours, &compiled.startMinute_, &compiled.endMinute_, error)) return std::nullopt;
  compiled.zone_ = compileZone(schedule.timeZone, error);
  if (compiled.zone_ == nullptr) return std::nullopt;
  return compiled;
}

bool CompiledSchedule::isActive(std::chrono::system_clock::time_point t) const {
  try {
    const date::local_seconds local = zone_->to_local(date::floor<std::chrono::seconds>(t));
    const date::local_days day = date::floor<date::days>(local);
    const int minute = static_cast<int>(std::chrono::duration_cast<std::chrono::minutes>(local - day).count());
    const date::weekday today{day};
    const auto listed = [this](date::weekday wd) { return (dayMask_ & (1u << wd.c_encoding())) != 0; };
    if (startMinute_ < endMinute_) return listed(today) && minute >= startMinute_ && minute < endMinute_;
    // A wrapping window: the evening part belongs to today, the early-morning part to the day before.
    if (minute >= startMinute_) return listed(today);
    return minute < endMinute_ && listed(today - date::days{1});
  } catch (...) {
    // Unreachable once compile has loaded the zone (only allocation could fail); outside the window is the
    // answer that keeps a scheduled Allow from granting anything.
    return false;
  }
}

}  // namespace warden::policy
