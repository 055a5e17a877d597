#include "cli/time_arg.h"

#include <sstream>

#include <date/date.h>

namespace warden::cli {

std::optional<std::chrono::system_clock::time_point> parseRfc3339(std::string_view text) {
  using namespace std::chrono;
  // %Ez reads "+01:00"; a trailing Z is UTC. RFC 3339 also allows a lower-case t and z.
  std::string s(text);
  for (auto& c : s) {
    if (c == 't') c = 'T';
    if (c == 'z') c = 'Z';
  }
  const bool utc = !s.empty() && s.back() == 'Z';
  if (utc) s.back() = ' ';
  std::istringstream in(s);
  date::sys_time<microseconds> t;
  if (utc) {
    in >> date::parse("%FT%T", t);
  } else {
    minutes offset{};
    in >> date::parse("%FT%T%Ez", t, offset);
  }
  if (in.fail()) return std::nullopt;
  in >> std::ws;
  if (!in.eof()) return std::nullopt;
  return time_point_cast<system_clock::duration>(t);
}

std::string formatRfc3339(std::chrono::system_clock::time_point t) {
  return date::format("%FT%TZ", std::chrono::floor<std::chrono::seconds>(t));
}

}  // namespace warden::cli
