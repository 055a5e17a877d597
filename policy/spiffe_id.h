#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace warden::policy {

// A SPIFFE ID as defined by the SPIFFE-ID standard: spiffe://<trust domain><path>. Trust domain: lowercase
// [a-z0-9._-]; path: segments of [a-zA-Z0-9._-], none empty, `.` or `..`; no query, fragment, port, userinfo or
// percent-encoding; at most 2048 bytes.
struct SpiffeId {
  std::string trustDomain;
  std::string path;  // "" or "/seg/seg"

  std::string str() const { return "spiffe://" + trustDomain + path; }
};

// nullopt with *error saying what is wrong.
std::optional<SpiffeId> parseSpiffeId(std::string_view text, std::string* error);
bool isValidTrustDomain(std::string_view td);

}  // namespace warden::policy
