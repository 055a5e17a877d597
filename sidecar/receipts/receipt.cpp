#include "sidecar/receipts/receipt.h"

#include <cstdio>
#include <iterator>
#include <utility>

#include <nlohmann/json.hpp>

#include "policy/canonical_json.h"
#include "policy/quote.h"
#include "policy/strict_json.h"
#include "sidecar/receipts/receipt_text.h"

namespace warden::sidecar {
namespace {

using nlohmann::json;

// Every field but seq and rules is a string.
struct StringField {
  std::string_view name;
  std::string Receipt::*member;
};
constexpr StringField kStringFields[] = {
    {"time", &Receipt::time},
    {"server", &Receipt::server},
    {"principal", &Receipt::principal},
    {"session", &Receipt::session},
    {"method", &Receipt::method},
    {"target", &Receipt::target},
    {"argsSha256", &Receipt::argsSha256},
    {"decision", &Receipt::decision},
    {"reason", &Receipt::reason},
    {"policyVersion", &Receipt::policyVersion},
    {"prev", &Receipt::prev},
    {"hash", &Receipt::hash},
};
constexpr std::size_t kFieldCount = std::size(kStringFields) + 2;  // + seq, rules

std::string* stringField(Receipt& r, std::string_view name) {
  for (const auto& field : kStringFields) {
    if (field.name == name) return &(r.*field.member);
  }
  return nullptr;
}

bool digits(std::string_view s, std::size_t from, std::size_t count, unsigned* value) {
  unsigned v = 0;
  for (std::size_t i = from; i < from + count; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + static_cast<unsigned>(s[i] - '0');
  }
  *value = v;
  return true;
}

// Exactly the shape formatReceiptTime() writes, with a real calendar date and time of day.
bool isReceiptTime(std::string_view s) {
  // 2026-01-02T03:04:05.000006Z
  if (s.size() != 27 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != '.' ||
      s[26] != 'Z') {
    return false;
  }
  unsigned year, month, day, hour, minute, second, micros;
  if (!digits(s, 0, 4, &year) || !digits(s, 5, 2, &month) || !digits(s, 8, 2, &day) || !digits(s, 11, 2, &hour) ||
      !digits(s, 14, 2, &minute) || !digits(s, 17, 2, &second) || !digits(s, 20, 6, &micros)) {
    return false;
  }
  const std::chrono::year_month_day date{std::chrono::year(static_cast<int>(year)), std::chrono::month(month),
                                         std::chrono::day(day)};
  return date.ok() && hour < 24 && minute < 60 && second < 60;
}

}  // namespace

bool isSha256Hex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string formatReceiptTime(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  const auto micros = floor<microseconds>(time);
  const auto day = floor<days>(micros);
  const year_month_day date{day};
  const hh_mm_ss clock{micros - day};
  char text[48];
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.%06lldZ", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
                static_cast<int>(clock.seconds().count()), static_cast<long long>(clock.subseconds().count()));
  return text;
}

Receipt makeReceipt(const ReceiptInput& input, std::uint64_t seq, std::string_view prev) {
  return buildReceiptLine(input, seq, prev).receipt;
}

ReceiptLine buildReceiptLine(const ReceiptInput& input, std::uint64_t seq, std::string_view prev) {
  ReceiptLine line;
  Receipt& r = line.receipt;
  r.seq = seq;
  r.time = formatReceiptTime(input.time);
  r.server = input.server;
  r.principal = input.principal;
  r.session = input.session;
  r.method = input.method;
  r.target = input.target;
  r.argsSha256 = input.argsSha256;
  r.decision = input.decision;
  r.rules = input.rules;
  r.reason = input.reason;
  r.policyVersion = input.policyVersion;
  r.prev = std::string(prev);
  const UnhashedReceiptText unhashed = unhashedReceiptText(r);
  r.hash = policy::sha256Hex(unhashed.text);
  line.text = insertHash(unhashed, r.hash);
  return line;
}

std::string computeReceiptHash(const Receipt& receipt) {
  return policy::sha256Hex(canonicalReceiptText(receipt, /*withHash=*/false));
}

std::string formatReceipt(const Receipt& receipt) { return canonicalReceiptText(receipt, /*withHash=*/true); }

std::optional<Receipt> parseReceipt(std::string_view line, std::string* error) {
  const auto parsed = policy::parseStrictJson(line);
  if (!parsed.ok()) {
    *error = "not JSON: " + parsed.error;
    return std::nullopt;
  }
  const json& object = parsed.value;
  if (!object.is_object()) {
    *error = "not a JSON object";
    return std::nullopt;
  }
  Receipt r;
  for (const auto& [key, value] : object.items()) {
    if (key == "seq") {
      // Strict JSON reads a non-negative integer as unsigned; 0, negatives, fractions and exponents are refused.
      if (!value.is_number_unsigned() || value.get<std::uint64_t>() == 0) {
        *error = "field \"seq\" is not an integer >= 1";
        return std::nullopt;
      }
      r.seq = value.get<std::uint64_t>();
    } else if (key == "rules") {
      if (!value.is_array()) {
        *error = "field \"rules\" is not an array of strings";
        return std::nullopt;
      }
      for (const auto& rule : value) {
        if (!rule.is_string()) {
          *error = "field \"rules\" is not an array of strings";
          return std::nullopt;
        }
        r.rules.push_back(rule.get<std::string>());
      }
    } else if (std::string* field = stringField(r, key)) {
      if (!value.is_string()) {
        *error = "field " + policy::quoteForMessage(key) + " is not a string";
        return std::nullopt;
      }
      *field = value.get<std::string>();
    } else {
      *error = "unknown field " + policy::quoteForMessage(key);
      return std::nullopt;
    }
  }
  if (object.size() != kFieldCount) {
    // Every key was known and none repeats, so some are missing: name the first.
    for (std::string_view name : {std::string_view("seq"), std::string_view("rules")}) {
      if (!object.contains(name)) {
        *error = "missing field \"" + std::string(name) + "\"";
        return std::nullopt;
      }
    }
    for (const auto& field : kStringFields) {
      if (!object.contains(field.name)) {
        *error = "missing field \"" + std::string(field.name) + "\"";
        return std::nullopt;
      }
    }
  }
  if (!isReceiptTime(r.time)) {
    *error = "field \"time\" is not RFC 3339 UTC with microseconds: " + policy::quoteForMessage(r.time, 64);
    return std::nullopt;
  }
  if (!isSha256Hex(r.prev)) {
    *error = "field \"prev\" is not 64 lower-case hex digits";
    return std::nullopt;
  }
  if (!isSha256Hex(r.hash)) {
    *error = "field \"hash\" is not 64 lower-case hex digits";
    return std::nullopt;
  }
  return r;
}

std::string checkReceiptIntegrity(const Receipt& receipt, std::string_view line) {
  if (computeReceiptHash(receipt) != receipt.hash) return "hash does not match its content (edited)";
  // The same content written differently (white space, escapes, key order) is still a change to the file.
  if (formatReceipt(receipt) != line) return "not in canonical form (edited)";
  return "";
}

ReceiptInput makeRecoveryInput(std::chrono::system_clock::time_point time, std::string_view tornBytes) {
  ReceiptInput input;
  input.time = time;
  input.method = std::string(kRecoveryMethod);
  input.decision = std::string(kRecoveredDecision);
  input.reason = tornLineReason(tornBytes);
  return input;
}

std::string tornLineReason(std::string_view tornBytes) {
  return "torn last line: " + std::to_string(tornBytes.size()) + " bytes, sha256 " + policy::sha256Hex(tornBytes);
}

std::string checkRecoveryShape(const Receipt& r) {
  if (r.method != kRecoveryMethod) return "not a recovery receipt";
  if (r.decision != kRecoveredDecision) return "recovery receipt with decision " + policy::quoteForMessage(r.decision);
  if (!r.server.empty() || !r.principal.empty() || !r.session.empty() || !r.target.empty() || !r.argsSha256.empty() ||
      !r.rules.empty() || !r.policyVersion.empty()) {
    return "recovery receipt with fields that must be empty";
  }
  constexpr std::string_view kPrefix = "torn last line: ";
  if (r.reason.compare(0, kPrefix.size(), kPrefix) != 0) {
    return "recovery receipt without a torn-line reason";
  }
  return "";
}

}  // namespace warden::sidecar
