#include "sidecar/identity/x509_time.h"

#include <ctime>

namespace warden::sidecar {

std::optional<std::chrono::system_clock::time_point> asn1TimeToTimePoint(const ASN1_TIME* time) {
  if (time == nullptr) return std::nullopt;
  std::tm tm{};
  if (ASN1_TIME_to_tm(time, &tm) != 1) return std::nullopt;
  const std::time_t seconds = timegm(&tm);
  return std::chrono::system_clock::from_time_t(seconds);
}

bool setAsn1Time(ASN1_TIME* time, std::chrono::system_clock::time_point value) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(value.time_since_epoch()).count();
  return ASN1_TIME_set(time, static_cast<std::time_t>(seconds)) != nullptr;
}

std::string formatUtc(std::chrono::system_clock::time_point value) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(value.time_since_epoch()).count();
  const auto t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr) return "(time out of range)";
  char buffer[64];
  const std::size_t n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return n == 0 ? std::string("(time out of range)") : std::string(buffer, n);
}

}  // namespace warden::sidecar
