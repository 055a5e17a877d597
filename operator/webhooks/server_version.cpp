#include "operator/webhooks/server_version.h"

#include "policy/quote.h"
#include "policy/strict_json.h"

namespace warden::op {
namespace {

// Leading decimal digits of `text` (at most 6, so no overflow); the rest is the suffix. nullopt without digits.
std::optional<int> leadingNumber(std::string_view text, std::string_view* rest) {
  std::size_t i = 0;
  int value = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    if (i == 6) return std::nullopt;
    value = value * 10 + (text[i] - '0');
    ++i;
  }
  if (i == 0) return std::nullopt;
  *rest = text.substr(i);
  return value;
}

// "29", "29+": digits, then nothing or a suffix that does not start with a digit or a dot (not "29.1").
std::optional<int> versionField(const nlohmann::json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || !it->is_string()) return std::nullopt;
  std::string_view rest;
  auto n = leadingNumber(it->get_ref<const std::string&>(), &rest);
  if (!n || (!rest.empty() && rest != "+")) return std::nullopt;
  return n;
}

// "v1.29.3", "v1.29.3-eks-1", "1.29.0+k3s1".
std::optional<ServerVersion> fromGitVersion(const nlohmann::json& body) {
  auto it = body.find("gitVersion");
  if (it == body.end() || !it->is_string()) return std::nullopt;
  std::string_view text = it->get_ref<const std::string&>();
  if (!text.empty() && text.front() == 'v') text.remove_prefix(1);
  std::string_view rest;
  auto major = leadingNumber(text, &rest);
  if (!major || rest.empty() || rest.front() != '.') return std::nullopt;
  auto minor = leadingNumber(rest.substr(1), &rest);
  if (!minor || (!rest.empty() && rest.front() != '.' && rest.front() != '-' && rest.front() != '+')) {
    return std::nullopt;
  }
  return ServerVersion{*major, *minor};
}

}  // namespace

std::optional<ServerVersion> parseServerVersion(const nlohmann::json& body, std::string* error) {
  if (!body.is_object()) {
    if (error) *error = "the /version answer is not a JSON object";
    return std::nullopt;
  }
  auto major = versionField(body, "major");
  auto minor = versionField(body, "minor");
  if (major && minor) return ServerVersion{*major, *minor};
  if (auto fromGit = fromGitVersion(body)) return fromGit;
  if (error) {
    auto field = [&](const char* key) {
      auto it = body.find(key);
      if (it == body.end()) return std::string("absent");
      return it->is_string() ? policy::quoteForMessage(it->get_ref<const std::string&>(), 64)
                             : "<" + std::string(it->type_name()) + ">";
    };
    *error = "cannot read the API server version: major " + field("major") + ", minor " + field("minor") +
             ", gitVersion " + field("gitVersion");
  }
  return std::nullopt;
}

std::optional<ServerVersion> parseServerVersion(std::string_view body, std::string* error) {
  auto parsed = policy::parseStrictJson(body);
  if (!parsed.ok()) {
    if (error) *error = "the /version answer is not JSON: " + parsed.error;
    return std::nullopt;
  }
  return parseServerVersion(parsed.value, error);
}

}  // namespace warden::op
