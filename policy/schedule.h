#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "policy/model.h"

namespace date {
class time_zone;
}

namespace warden::policy {

// A rule's time window, compiled: days of the week and an hour range in an IANA time zone. DST-correct: the wall
// clock in that zone decides (09:00-17:00 Europe/Berlin is 08:00-16:00 UTC in winter, 07:00-15:00 in summer).
// Hours are [start, end): "09:00-17:00" includes 09:00 and excludes 17:00; "24:00" may end a range; a range
// whose end is before its start wraps past midnight ("22:00-06:00"), and then the day that counts is the day on
// which the window opened (Fri 22:00-Sat 06:00 is a Friday window).
class CompiledSchedule {
 public:
  // nullopt with *error (naming the offending field: "days[2]", "hours", "timeZone") for invalid input.
  static std::optional<CompiledSchedule> compile(const Schedule& schedule, std::string* error);

  // Never throws. Zone data comes from /usr/share/zoneinfo through date's USE_OS_TZDB mode, which reads the
  // files' explicit transitions but not their POSIX footer: offsets are right as far as the files list
  // transitions (2037 with Debian's "fat" tzdata); after that the last listed offset holds.
  bool isActive(std::chrono::system_clock::time_point t) const;

 private:
  CompiledSchedule() = default;
  const date::time_zone* zone_ = nullptr;
  unsigned dayMask_ = 0x7f;  // bit 0 = Sunday ... bit 6 = Saturday (date::weekday encoding)
  int startMinute_ = 0;      // minutes after local midnight
  int endMinute_ = 24 * 60;
};

}  // namespace warden::policy
