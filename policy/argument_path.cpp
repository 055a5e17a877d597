#include "policy/argument_path.h"

#include <algorithm>
#include <cstddef>
#include <limits>

namespace warden::policy {

namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// An array index as RFC 6901 writes it: "0" or a decimal without leading zeros. nullopt for anything else,
// including values that do not fit (no array is that long anyway).
std::optional<std::size_t> parseIndex(std::string_view s) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  std::size_t value = 0;
  for (const char c : s) {
    if (!isDigit(c)) return std::nullopt;
    const auto digit = static_cast<std::size_t>(c - '0');
    if (value > (std::numeric_limits<std::size_t>::max() - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

std::string at(std::size_t offset) { return " at offset " + std::to_string(offset); }

// RFC 6901: "/a~1b/c~0d" -> {"a/b", "c~d"}; "/" -> {""}.
bool parsePointer(std::string_view text, std::vector<std::string>* segments, std::string* error) {
  std::string current;
  for (std::size_t i = 1; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '/') {
      segments->push_back(std::move(current));
      current.clear();
      continue;
    }
    if (text[i] != '~') {
      current += text[i];
      continue;
    }
    const char next = i + 1 < text.size() ? text[i + 1] : '\0';
    if (next != '0' && next != '1') {
      *error = "invalid escape in JSON pointer" + at(i) + ": '~' must be followed by 0 or 1 (~0 is '~', ~1 is '/')";
      return false;
    }
    current += next == '0' ? '~' : '/';
    ++i;
  }
  return true;
}

// "a.b[0].c", "a.b.0.c", "[0].a". Keys are any bytes other than '.', '[' and ']'; a key that contains one of
// those needs the JSON pointer form.
bool parseDotted(std::string_view text, std::vector<std::string>* segments, std::string* error) {
  std::size_t i = 0;
  for (;;) {
    const bool bracket = text[i] == '[';
    if (bracket) {
      const std::size_t close = text.find(']', i + 1);
      if (close == std::string_view::npos) {
        *error = "unclosed '['" + at(i);
        return false;
      }
      const std::string_view index = text.substr(i + 1, close - i - 1);
      if (!parseIndex(index)) {
        *error = "array index \"" + std::string(index) + "\"" + at(i + 1) +
                 " is not a non-negative decimal without leading zeros";
        return false;
      }
      segments->emplace_back(index);
      i = close + 1;
    } else {
      const std::size_t end = std::min(text.find_first_of(".[]", i), text.size());
      if (end == i) {
        *error = (text[i] == ']' ? "unexpected ']'" : "empty segment") + at(i);
        return false;
      }
      segments->emplace_back(text.substr(i, end - i));
      i = end;
    }
    if (i == text.size()) return true;
    if (text[i] == '.') {
      ++i;
      if (i == text.size() || text[i] == '.' || text[i] == '[' || text[i] == ']') {
        *error = "empty segment" + at(i);
        return false;
      }
    } else if (text[i] != '[') {
      *error = (bracket ? "expected '.' or '[' after ']'" : "unexpected ']'") + at(i);
      return false;
    }
  }
}

}  // namespace

std::optional<ArgumentPath> ArgumentPath::parse(std::string_view text, std::string* error) {
  std::string ignored;
  std::string& message = error != nullptr ? *error : ignored;
  if (text.empty()) {
    message = "argument path is empty";
    return std::nullopt;
  }
  ArgumentPath path;
  path.text_ = std::string(text);
  const bool ok =
      text[0] == '/' ? parsePointer(text, &path.segments_, &message) : parseDotted(text, &path.segments_, &message);
  if (!ok) return std::nullopt;
  return path;
}

const nlohmann::json* ArgumentPath::resolve(const nlohmann::json& root) const {
  const nlohmann::json* current = &root;
  for (const std::string& segment : segments_) {
    if (current->is_object()) {
      const auto it = current->find(segment);
      if (it == current->end()) return nullptr;
      current = &*it;
    } else if (current->is_array()) {
      const std::optional<std::size_t> index = parseIndex(segment);
      if (!index || *index >= current->size()) return nullptr;
      current = &(*current)[*index];
    } else {
      return nullptr;
    }
  }
  return current;
}

}  // namespace warden::policy
