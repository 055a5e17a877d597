#include "policy/schedule.h"

#include <gtest/gtest.h>

#include <array>
#include <stdexcept>

namespace warden::policy {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using std::chrono::system_clock;

// An instant written in UTC.
system_clock::time_point utc(int y, unsigned m, unsigned d, int hh, int mm, int ss = 0) {
  const std::chrono::sys_days day{std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d}};
  return system_clock::time_point(day) + hours(hh) + minutes(mm) + seconds(ss);
}

CompiledSchedule compileOk(std::vector<std::string> days, std::string hours, std::string timeZone = "UTC") {
  std::string error;
  auto compiled = CompiledSchedule::compile(Schedule{std::move(days), std::move(hours), std::move(timeZone)}, &error);
  if (!compiled) throw std::runtime_error("schedule did not compile: " + error);  // gtest reports it
  return *compiled;
}

std::string compileError(std::vector<std::string> days, std::string hours, std::string timeZone = "UTC") {
  std::string error;
  auto compiled = CompiledSchedule::compile(Schedule{std::move(days), std::move(hours), std::move(timeZone)}, &error);
  if (compiled) return "compiled";
  return error;
}

const std::vector<std::string> kWeekdays = {"Mon", "Tue", "Wed", "Thu", "Fri"};

TEST(ScheduleTest, DefaultsAreAlwaysActiveInUtc) {
  std::string error;
  const auto all = CompiledSchedule::compile(Schedule{}, &error);
  ASSERT_TRUE(all.has_value()) << error;
  EXPECT_TRUE(all->isActive(utc(2026, 1, 11, 0, 0)));
  EXPECT_TRUE(all->isActive(utc(2026, 1, 14, 23, 59, 59)));
  EXPECT_TRUE(all->isActive(utc(2026, 3, 29, 1, 30)));
}

TEST(ScheduleTest, UtcIsTheDefaultZone) {
  std::string error;
  Schedule schedule;
  schedule.hours = "09:00-17:00";
  const auto compiled = CompiledSchedule::compile(schedule, &error);
  ASSERT_TRUE(compiled.has_value()) << error;
  EXPECT_FALSE(compiled->isActive(utc(2026, 1, 14, 8, 59, 59)));
  EXPECT_TRUE(compiled->isActive(utc(2026, 1, 14, 9, 0)));
  EXPECT_TRUE(compiled->isActive(utc(2026, 1, 14, 16, 59, 59)));
  EXPECT_FALSE(compiled->isActive(utc(2026, 1, 14, 17, 0)));
}

TEST(ScheduleTest, StartIsInclusiveAndEndExclusiveToTheNanosecond) {
  const auto s = compileOk({}, "09:00-17:00");
  EXPECT_FALSE(s.isActive(utc(2026, 1, 14, 9, 0) - nanoseconds(1)));
  EXPECT_TRUE(s.isActive(utc(2026, 1, 14, 9, 0)));
  EXPECT_TRUE(s.isActive(utc(2026, 1, 14, 17, 0) - nanoseconds(1)));
  EXPECT_FALSE(s.isActive(utc(2026, 1, 14, 17, 0)));
}

TEST(ScheduleTest, BerlinWeekdaysInWinterAreCet) {
  const auto s = compileOk(kWeekdays, "09:00-17:00", "Europe/Berlin");
  // Wednesday 2026-01-14, UTC+1: 09:00-17:00 local is 08:00-16:00 UTC.
  EXPECT_FALSE(s.isActive(utc(2026, 1, 14, 7, 59)));
  EXPECT_TRUE(s.isActive(utc(2026, 1, 14, 8, 0)));
  EXPECT_TRUE(s.isActive(utc(2026, 1, 14, 15, 59)));
  EXPECT_FALSE(s.isActive(utc(2026, 1, 14, 16, 0)));
  // Saturday and Sunday are not listed.
  EXPECT_FALSE(s.isActive(utc(2026, 1, 17, 10, 0)));
  EXPECT_FALSE(s.isActive(utc(2026, 1, 18, 10, 0)));
}

TEST(ScheduleTest, BerlinWeekdaysInSummerAreCest) {
  const auto s = compileOk(kWeekdays, "09:00-17:00", "Europe/Berlin");
  // Wednesday 2026-07-15, UTC+2: 09:00-17:00 local is 07:00-15:00 UTC.
  EXPECT_FALSE(s.isActive(utc(2026, 7, 15, 6, 59)));
  EXPECT_TRUE(s.isActive(utc(2026, 7, 15, 7, 0)));
  EXPECT_TRUE(s.isActive(utc(2026, 7, 15, 14, 59)));
  EXPECT_FALSE(s.isActive(utc(2026, 7, 15, 15, 0)));
}

TEST(ScheduleTest, BerlinSpringForwardSkipsTheMissingHour) {
  // Sunday 2026-03-29: at 01:00 UTC the wall clock jumps from 02:00 CET to 03:00 CEST.
  const auto missing = compileOk({"Sun"}, "02:00-03:00", "Europe/Berlin");
  EXPECT_FALSE(missing.isActive(utc(2026, 3, 29, 0, 30)));      // 01:30 CET
  EXPECT_FALSE(missing.isActive(utc(2026, 3, 29, 0, 59, 59)));  // 01:59:59 CET
  EXPECT_FALSE(missing.isActive(utc(2026, 3, 29, 1, 0)));       // 03:00 CEST
  EXPECT_FALSE(missing.isActive(utc(2026, 3, 29, 1, 30)));      // 03:30 CEST

  const auto straddling = compileOk({"Sun"}, "01:00-03:00", "Europe/Berlin");
  EXPECT_FALSE(straddling.isActive(utc(2026, 3, 28, 23, 59)));  // 00:59 CET
  EXPECT_TRUE(straddling.isActive(utc(2026, 3, 29, 0, 0)));     // 01:00 CET
  EXPECT_TRUE(straddling.isActive(utc(2026, 3, 29, 0, 59, 59)));
  EXPECT_FALSE(straddling.isActive(utc(2026, 3, 29, 1, 0)));  // 03:00 CEST: one real hour only

  const auto after = compileOk({"Sun"}, "02:30-04:00", "Europe/Berlin");
  EXPECT_FALSE(after.isActive(utc(2026, 3, 29, 0, 59)));  // 01:59 CET
  EXPECT_TRUE(after.isActive(utc(2026, 3, 29, 1, 0)));    // 03:00 CEST
  EXPECT_TRUE(after.isActive(utc(2026, 3, 29, 1, 59)));   // 03:59 CEST
  EXPECT_FALSE(after.isActive(utc(2026, 3, 29, 2, 0)));   // 04:00 CEST
}

TEST(ScheduleTest, BerlinFallBackRepeatsTheHour) {
  // Sunday 2026-10-25: at 01:00 UTC the wall clock goes back from 03:00 CEST to 02:00 CET, so 02:00-03:00
  // local happens twice, 00:00-01:00 UTC and 01:00-02:00 UTC. The wall clock decides: both count.
  const auto repeated = compileOk({"Sun"}, "02:00-03:00", "Europe/Berlin");
  EXPECT_FALSE(repeated.isActive(utc(2026, 10, 24, 23, 59)));  // 01:59 CEST
  EXPECT_TRUE(repeated.isActive(utc(2026, 10, 25, 0, 0)));     // 02:00 CEST
  EXPECT_TRUE(repeated.isActive(utc(2026, 10, 25, 0, 59)));    // 02:59 CEST
  EXPECT_TRUE(repeated.isActive(utc(2026, 10, 25, 1, 0)));     // 02:00 CET
  EXPECT_TRUE(repeated.isActive(utc(2026, 10, 25, 1, 59)));    // 02:59 CET
  EXPECT_FALSE(repeated.isActive(utc(2026, 10, 25, 2, 0)));    // 03:00 CET

  // Around the switch the office hours move by an hour in UTC: Friday before is CEST, Monday after is CET.
  const auto office = compileOk(kWeekdays, "09:00-17:00", "Europe/Berlin");
  EXPECT_TRUE(office.isActive(utc(2026, 10, 23, 7, 0)));
  EXPECT_FALSE(office.isActive(utc(2026, 10, 23, 15, 0)));
  EXPECT_FALSE(office.isActive(utc(2026, 10, 26, 7, 59)));
  EXPECT_TRUE(office.isActive(utc(2026, 10, 26, 8, 0)));
  EXPECT_TRUE(office.isActive(utc(2026, 10, 26, 15, 59)));
  EXPECT_FALSE(office.isActive(utc(2026, 10, 26, 16, 0)));
}

TEST(ScheduleTest, NewYorkUsesItsOwnDstDates) {
  const auto s = compileOk(kWeekdays, "09:00-17:00", "America/New_York");
  // Wednesday 2026-01-14, EST (UTC-5): 14:00-22:00 UTC.
  EXPECT_FALSE(s.isActive(utc(2026, 1, 14, 13, 59)));
  EXPECT_TRUE(s.isActive(utc(2026, 1, 14, 14, 0)));
  EXPECT_TRUE(s.isActive(utc(2026, 1, 14, 21, 59)));
  EXPECT_FALSE(s.isActive(utc(2026, 1, 14, 22, 0)));
  // Wednesday 2026-07-15, EDT (UTC-4): 13:00-21:00 UTC.
  EXPECT_FALSE(s.isActive(utc(2026, 7, 15, 12, 59)));
  EXPECT_TRUE(s.isActive(utc(2026, 7, 15, 13, 0)));
  EXPECT_FALSE(s.isActive(utc(2026, 7, 15, 21, 0)));
  // Monday 2026-03-23: already EDT in New York (since 03-08) while Berlin is still on CET.
  EXPECT_TRUE(s.isActive(utc(2026, 3, 23, 13, 0)));
}

TEST(ScheduleTest, TheLocalDayCountsNotTheUtcDay) {
  // Friday 2026-01-16 22:30 EST is Saturday 03:30 UTC.
  const auto fridayNight = compileOk({"Fri"}, "22:00-24:00", "America/New_York");
  EXPECT_TRUE(fridayNight.isActive(utc(2026, 1, 17, 3, 30)));
  EXPECT_FALSE(fridayNight.isActive(utc(2026, 1, 16, 22, 30)));  // Friday 17:30 EST
  // Sunday 2026-01-18 23:00 UTC is already Monday 04:30 in Kolkata.
  const auto monday = compileOk({"Mon"}, "", "Asia/Kolkata");
  EXPECT_TRUE(monday.isActive(utc(2026, 1, 18, 23, 0)));
  EXPECT_FALSE(monday.isActive(utc(2026, 1, 18, 18, 29)));  // Sunday 23:59 IST
  EXPECT_TRUE(monday.isActive(utc(2026, 1, 18, 18, 30)));   // Monday 00:00 IST
}

TEST(ScheduleTest, HalfHourZone) {
  // Asia/Kolkata is UTC+5:30 all year: 09:00-17:00 local is 03:30-11:30 UTC.
  const auto s = compileOk({}, "09:00-17:00", "Asia/Kolkata");
  EXPECT_FALSE(s.isActive(utc(2026, 1, 14, 3, 29)));
  EXPECT_TRUE(s.isActive(utc(2026, 1, 14, 3, 30)));
  EXPECT_TRUE(s.isActive(utc(2026, 1, 14, 11, 29)));
  EXPECT_FALSE(s.isActive(utc(2026, 1, 14, 11, 30)));
  EXPECT_TRUE(s.isActive(utc(2026, 7, 15, 3, 30)));
}

TEST(ScheduleTest, LordHoweHasAThirtyMinuteDstShift) {
  // Australia/Lord_Howe: UTC+10:30 standard, UTC+11 in (southern) summer.
  const auto office = compileOk({}, "09:00-17:00", "Australia/Lord_Howe");
  // 2026-01-14 09:00 +11 is 2026-01-13 22:00 UTC.
  EXPECT_FALSE(office.isActive(utc(2026, 1, 13, 21, 59)));
  EXPECT_TRUE(office.isActive(utc(2026, 1, 13, 22, 0)));
  // 2026-07-15 09:00 +10:30 is 2026-07-14 22:30 UTC.
  EXPECT_FALSE(office.isActive(utc(2026, 7, 14, 22, 29)));
  EXPECT_TRUE(office.isActive(utc(2026, 7, 14, 22, 30)));
  EXPECT_TRUE(office.isActive(utc(2026, 7, 15, 6, 29)));
  EXPECT_FALSE(office.isActive(utc(2026, 7, 15, 6, 30)));

  // Sunday 2026-04-05: 02:00 +11 becomes 01:30 +10:30, so 01:30-02:00 local happens twice (14:30-15:30 UTC).
  const auto repeated = compileOk({"Sun"}, "01:30-02:00", "Australia/Lord_Howe");
  EXPECT_FALSE(repeated.isActive(utc(2026, 4, 4, 14, 29)));
  EXPECT_TRUE(repeated.isActive(utc(2026, 4, 4, 14, 30)));
  EXPECT_TRUE(repeated.isActive(utc(2026, 4, 4, 15, 0)));
  EXPECT_TRUE(repeated.isActive(utc(2026, 4, 4, 15, 29)));
  EXPECT_FALSE(repeated.isActive(utc(2026, 4, 4, 15, 30)));

  // Sunday 2026-10-04: 02:00 +10:30 becomes 02:30 +11; 02:00-02:30 local never happens.
  const auto missing = compileOk({"Sun"}, "02:00-02:30", "Australia/Lord_Howe");
  EXPECT_FALSE(missing.isActive(utc(2026, 10, 3, 15, 29)));  // 01:59 +10:30
  EXPECT_FALSE(missing.isActive(utc(2026, 10, 3, 15, 30)));  // 02:30 +11
}

TEST(ScheduleTest, WrappingWindowBelongsToTheDayItOpens) {
  const auto s = compileOk({"Fri"}, "22:00-06:00");
  EXPECT_FALSE(s.isActive(utc(2026, 1, 16, 21, 59)));  // Friday
  EXPECT_TRUE(s.isActive(utc(2026, 1, 16, 22, 0)));
  EXPECT_TRUE(s.isActive(utc(2026, 1, 16, 23, 59, 59)));
  EXPECT_TRUE(s.isActive(utc(2026, 1, 17, 0, 0)));  // Saturday, still Friday's window
  EXPECT_TRUE(s.isActive(utc(2026, 1, 17, 5, 59)));
  EXPECT_FALSE(s.isActive(utc(2026, 1, 17, 6, 0)));
  EXPECT_FALSE(s.isActive(utc(2026, 1, 17, 22, 30)));  // Saturday's own window: Saturday is not listed
  EXPECT_FALSE(s.isActive(utc(2026, 1, 16, 5, 0)));    // Friday morning is Thursday's window
  EXPECT_FALSE(s.isActive(utc(2026, 1, 15, 23, 0)));   // Thursday night
  EXPECT_FALSE(s.isActive(utc(2026, 1, 17, 12, 0)));   // the middle of the day is outside

  const auto weekendNights = compileOk({"Fri", "Sat"}, "22:00-06:00");
  EXPECT_TRUE(weekendNights.isActive(utc(2026, 1, 17, 22, 30)));
  EXPECT_TRUE(weekendNights.isActive(utc(2026, 1, 18, 5, 0)));    // Sunday morning: Saturday's window
  EXPECT_FALSE(weekendNights.isActive(utc(2026, 1, 18, 22, 0)));  // Sunday night
  EXPECT_FALSE(weekendNights.isActive(utc(2026, 1, 19, 5, 0)));
}

TEST(ScheduleTest, WrappingWindowInALocalZone) {
  // Fri 22:00-06:00 Europe/Berlin in winter is Fri 21:00 UTC to Sat 05:00 UTC.
  const auto s = compileOk({"Fri"}, "22:00-06:00", "Europe/Berlin");
  EXPECT_FALSE(s.isActive(utc(2026, 1, 16, 20, 59)));
  EXPECT_TRUE(s.isActive(utc(2026, 1, 16, 21, 0)));
  EXPECT_TRUE(s.isActive(utc(2026, 1, 17, 4, 59)));
  EXPECT_FALSE(s.isActive(utc(2026, 1, 17, 5, 0)));
}

TEST(ScheduleTest, EndingAtMidnight) {
  const auto evening = compileOk({"Mon"}, "18:00-24:00");
  EXPECT_FALSE(evening.isActive(utc(2026, 1, 19, 17, 59)));
  EXPECT_TRUE(evening.isActive(utc(2026, 1, 19, 18, 0)));
  EXPECT_TRUE(evening.isActive(utc(2026, 1, 20, 0, 0) - nanoseconds(1)));
  EXPECT_FALSE(evening.isActive(utc(2026, 1, 20, 0, 0)));  // Tuesday

  const auto wholeDay = compileOk({"Mon"}, "00:00-24:00");
  EXPECT_FALSE(wholeDay.isActive(utc(2026, 1, 19, 0, 0) - nanoseconds(1)));
  EXPECT_TRUE(wholeDay.isActive(utc(2026, 1, 19, 0, 0)));
  EXPECT_TRUE(wholeDay.isActive(utc(2026, 1, 19, 23, 59, 59)));
  EXPECT_FALSE(wholeDay.isActive(utc(2026, 1, 20, 0, 0)));

  // An end of 00:00 is a wrap that closes at midnight: the same window as 22:00-24:00.
  const auto toMidnight = compileOk({"Mon"}, "22:00-00:00");
  EXPECT_TRUE(toMidnight.isActive(utc(2026, 1, 19, 23, 0)));
  EXPECT_FALSE(toMidnight.isActive(utc(2026, 1, 20, 0, 0)));
  EXPECT_FALSE(toMidnight.isActive(utc(2026, 1, 19, 21, 59)));
}

TEST(ScheduleTest, EachDayNameMapsToItsWeekday) {
  // 2026-01-11 is a Sunday, 2026-01-17 a Saturday.
  const std::array<std::string, 7> names = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  for (std::size_t listed = 0; listed < names.size(); ++listed) {
    const auto s = compileOk({names[listed]}, "");
    for (std::size_t day = 0; day < names.size(); ++day) {
      EXPECT_EQ(s.isActive(utc(2026, 1, static_cast<unsigned>(11 + day), 12, 0)), listed == day)
          << names[listed] << " schedule on 2026-01-" << 11 + day;
    }
  }
}

TEST(ScheduleTest, SundayAndSaturdayAreTheWeekEnds) {
  const auto weekend = compileOk({"Sat", "Sun"}, "");
  EXPECT_FALSE(weekend.isActive(utc(2026, 1, 16, 23, 59, 59)));  // Friday
  EXPECT_TRUE(weekend.isActive(utc(2026, 1, 17, 0, 0)));         // Saturday
  EXPECT_TRUE(weekend.isActive(utc(2026, 1, 18, 23, 59, 59)));   // Sunday
  EXPECT_FALSE(weekend.isActive(utc(2026, 1, 19, 0, 0)));        // Monday
}

TEST(ScheduleTest, ExtremeInstantsDoNotOverflow) {
  const auto s = compileOk({}, "09:00-17:00", "Europe/Berlin");
  // Only that these are answered without undefined behaviour (the sanitizers check) and consistently.
  EXPECT_EQ(s.isActive(system_clock::time_point::max()), s.isActive(system_clock::time_point::max()));
  EXPECT_EQ(s.isActive(system_clock::time_point::min()), s.isActive(system_clock::time_point::min()));
  EXPECT_TRUE(s.isActive(utc(1900, 6, 1, 8, 0)));  // long before 1970, and already CET: 09:00 local
  EXPECT_FALSE(s.isActive(utc(1900, 6, 1, 7, 59)));
}

TEST(ScheduleTest, RejectsBadDays) {
  EXPECT_EQ(compileError({"Mon", "Tue", "Mond"}, ""),
            "days[2]: unknown day \"Mond\" (expected Mon, Tue, Wed, Thu, Fri, Sat or Sun)");
  EXPECT_EQ(compileError({"mon"}, ""), "days[0]: unknown day \"mon\" (expected Mon, Tue, Wed, Thu, Fri, Sat or Sun)");
  EXPECT_EQ(compileError({"Monday"}, ""),
            "days[0]: unknown day \"Monday\" (expected Mon, Tue, Wed, Thu, Fri, Sat or Sun)");
  EXPECT_EQ(compileError({""}, ""), "days[0]: unknown day \"\" (expected Mon, Tue, Wed, Thu, Fri, Sat or Sun)");
  EXPECT_EQ(compileError({"Mon", "Sun", "Mon"}, ""), "days[2]: duplicate day \"Mon\"");
  EXPECT_EQ(compileError({"Sat", "Sat"}, ""), "days[1]: duplicate day \"Sat\"");
}

TEST(ScheduleTest, RejectsBadHours) {
  const std::string shape = "hours: expected \"HH:MM-HH:MM\", got ";
  EXPECT_EQ(compileError({}, "9:00-17:00"), shape + "\"9:00-17:00\"");
  EXPECT_EQ(compileError({}, "09:00-17:00 "), shape + "\"09:00-17:00 \"");
  EXPECT_EQ(compileError({}, "09:00 - 17:00"), shape + "\"09:00 - 17:00\"");
  EXPECT_EQ(compileError({}, "09:00"), shape + "\"09:00\"");
  EXPECT_EQ(compileError({}, "09:00\u201317:00"), shape + "\"09:00\u201317:00\"");  // an en dash
  EXPECT_EQ(compileError({}, "0900-17:00x"), shape + "\"0900-17:00x\"");

  const std::string badStart = " is not a time of day (00:00 to 23:59; 24:00 may only end a range)";
  EXPECT_EQ(compileError({}, "24:00-06:00"), "hours: start \"24:00\"" + badStart);
  EXPECT_EQ(compileError({}, "25:00-26:00"), "hours: start \"25:00\"" + badStart);
  EXPECT_EQ(compileError({}, "09:60-10:00"), "hours: start \"09:60\"" + badStart);
  EXPECT_EQ(compileError({}, "0a:00-10:00"), "hours: start \"0a:00\"" + badStart);
  EXPECT_EQ(compileError({}, "09.00-10:00"), "hours: start \"09.00\"" + badStart);

  const std::string badEnd = " is not a time of day (00:00 to 24:00)";
  EXPECT_EQ(compileError({}, "09:00-24:01"), "hours: end \"24:01\"" + badEnd);
  EXPECT_EQ(compileError({}, "09:00-25:00"), "hours: end \"25:00\"" + badEnd);
  EXPECT_EQ(compileError({}, "09:00-17:99"), "hours: end \"17:99\"" + badEnd);
  EXPECT_EQ(compileError({}, "09:00--1:00"), "hours: end \"-1:00\"" + badEnd);

  EXPECT_EQ(compileError({}, "09:00-09:00"),
            "hours: start and end are equal in \"09:00-09:00\": the window would be empty");
  EXPECT_EQ(compileError({}, "00:00-00:00"),
            "hours: start and end are equal in \"00:00-00:00\": the window would be empty");
}

TEST(ScheduleTest, RejectsBadTimeZones) {
  EXPECT_EQ(compileError({}, "", "Europe/Berln"), "timeZone: unknown time zone \"Europe/Berln\"");
  EXPECT_EQ(compileError({}, "", "Mars/Olympus_Mons"), "timeZone: unknown time zone \"Mars/Olympus_Mons\"");
  EXPECT_EQ(compileError({}, "", "europe/berlin"), "timeZone: unknown time zone \"europe/berlin\"");
  const std::string expected = " (expected an IANA name such as Europe/Berlin)";
  EXPECT_EQ(compileError({}, "", ""), "timeZone: invalid time zone name \"\"" + expected);
  EXPECT_EQ(compileError({}, "", "../../etc/passwd"),
            "timeZone: invalid time zone name \"../../etc/passwd\"" + expected);
  EXPECT_EQ(compileError({}, "", "/etc/localtime"), "timeZone: invalid time zone name \"/etc/localtime\"" + expected);
  EXPECT_EQ(compileError({}, "", "Europe/Berlin\n"),
            "timeZone: invalid time zone name \"Europe/Berlin\\n\"" + expected);
  EXPECT_EQ(compileError({}, "", "Europe/Berlin "), "timeZone: invalid time zone name \"Europe/Berlin \"" + expected);
  EXPECT_EQ(compileError({}, "", std::string(65, 'A')),
            "timeZone: invalid time zone name \"" + std::string(65, 'A') + "\"" + expected);
}

TEST(ScheduleTest, AcceptsLinksAndFixedOffsetZones) {
  // A link name resolves to its zone; Etc/GMT+5 is POSIX-style, i.e. UTC-5.
  const auto eastern = compileOk({}, "09:00-17:00", "US/Eastern");
  EXPECT_TRUE(eastern.isActive(utc(2026, 1, 14, 14, 0)));
  EXPECT_FALSE(eastern.isActive(utc(2026, 1, 14, 13, 59)));
  const auto fixed = compileOk({}, "09:00-17:00", "Etc/GMT+5");
  EXPECT_TRUE(fixed.isActive(utc(2026, 7, 15, 14, 0)));
  EXPECT_FALSE(fixed.isActive(utc(2026, 7, 15, 13, 59)));
}

TEST(ScheduleTest, FirstErrorIsReportedAndNullErrorIsTolerated) {
  EXPECT_EQ(compileError({"Xyz"}, "bad", "Nowhere/City"),
            "days[0]: unknown day \"Xyz\" (expected Mon, Tue, Wed, Thu, Fri, Sat or Sun)");
  EXPECT_FALSE(CompiledSchedule::compile(Schedule{{}, "bad", "UTC"}, nullptr).has_value());
  EXPECT_TRUE(CompiledSchedule::compile(Schedule{{"Mon"}, "09:00-17:00", "UTC"}, nullptr).has_value());
}

}  // namespace
}  // namespace warden::policy
