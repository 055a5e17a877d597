#pragma once

// Content detectors for the ContainsSecret, ContainsPII and ContainsInjection operators. Each looks at one
// string and names the first category it finds. Categories can be narrowed by a condition's `values`.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace warden::policy {

// Implementations are immutable once built: find() may be called concurrently and never throws.
class ContentDetector {
 public:
  virtual ~ContentDetector() = default;
  // The name of a category found in text (a static string), or an empty view when none is found.
  virtual std::string_view find(std::string_view text) const = 0;
};

using ContentDetectorPtr = std::shared_ptr<const ContentDetector>;

// What find() and scanJson() return when a scan cannot complete (memory exhausted): a non-empty answer, so a
// condition asking "does this contain X?" fails closed instead of letting the content through.
inline constexpr std::string_view kScanErrorCategory = "scan_error";

// Secrets: pem_private_key, aws_access_key_id, github_token, slack_token, jwt, password_assignment (a
// password=/api_key=/token: style pair whose value looks random: length and Shannon entropy thresholds).
const std::vector<std::string>& secretCategories();
// PII: email, payment_card (13-19 digits, separators allowed, Luhn-valid), us_ssn (valid area/group/serial),
// iban (country, check digits, mod-97 valid).
const std::vector<std::string>& piiCategories();
// Prompt injection: instruction_override ("ignore all previous instructions", "disregard the above", "you are
// now ..."), hidden_instruction_tag (<IMPORTANT>, <system>, [INST], <|im_start|>, ...), invisible_control
// (zero-width and bidi control characters).
const std::vector<std::string>& injectionCategories();

// An empty list enables every category of the detector; an unknown category gives nullptr and *error.
ContentDetectorPtr makeSecretDetector(const std::vector<std::string>& categories, std::string* error);
ContentDetectorPtr makePiiDetector(const std::vector<std::string>& categories, std::string* error);
ContentDetectorPtr makeInjectionDetector(const std::vector<std::string>& categories, std::string* error);

}  // namespace warden::policy
