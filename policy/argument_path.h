#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace warden::policy {

// Where a `when` condition looks inside the call's arguments: a JSON pointer ("/options/paths/0", RFC 6901 with
// ~0 and ~1) or a dotted path ("options.paths[0]" or "options.paths.0"). Numeric segments index arrays.
class ArgumentPath {
 public:
  static std::optional<ArgumentPath> parse(std::string_view text, std::string* error);

  // The addressed value, or nullptr when any step is missing or of the wrong type. Never throws.
  const nlohmann::json* resolve(const nlohmann::json& root) const;

  const std::string& text() const { return text_; }

 private:
  ArgumentPath() = default;
  std::string text_;
  std::vector<std::string> segments_;
};

}  // namespace warden::policy
