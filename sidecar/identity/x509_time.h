#pragma once

// Conversions between X.509 validity times and std::chrono, and the one format error messages use.

#include <openssl/asn1.h>

#include <chrono>
#include <optional>
#include <string>

namespace warden::sidecar {

// nullopt when the ASN.1 time is malformed.
std::optional<std::chrono::system_clock::time_point> asn1TimeToTimePoint(const ASN1_TIME* time);

// Sets `time` (UTCTime before 2050, GeneralizedTime after, as RFC 5280 requires); false on failure.
bool setAsn1Time(ASN1_TIME* time, std::chrono::system_clock::time_point value);

// "2026-11-24T09:00:00Z" (whole seconds, UTC).
std::string formatUtc(std::chrono::system_clock::time_point value);

}  // namespace warden::sidecar
