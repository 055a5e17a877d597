#include "policy/schema_validator.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <new>
#include <set>
#include <stdexcept>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <re2/re2.h>

#include "policy/quote.h"

namespace warden::policy {
namespace {

using nlohmann::json;

// Compiled patterns, keyed by the schema node that declares them (the schema is immutable, so nodes never move).
using PatternMap = std::unordered_map<const json*, std::unique_ptr<const re2::RE2>>;

// ---- small helpers -----------------------------------------------------------------------------------------

const json* member(const json& schema, std::string_view key) {
  const auto it = schema.find(key);
  return it == schema.end() ? nullptr : &*it;
}

bool flag(const json& schema, std::string_view key) {
  const json* v = member(schema, key);
  return v != nullptr && v->is_boolean() && v->get<bool>();
}

const char* typeName(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "object";
    case json::value_t::array:
      return "array";
    case json::value_t::string:
      return "string";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "integer";
    case json::value_t::number_float:
      return "number";
    default:
      return "binary";
  }
}

bool matchesType(const std::string& type, const json& v) {
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "integer") return v.is_number_integer();
  if (type == "number") return v.is_number();
  return type == "boolean" && v.is_boolean();
}

std::string dumpValue(const json& v) { return v.dump(-1, ' ', false, json::error_handler_t::replace); }

// A value in a message: strings quoted as they are, other values quoted as their JSON text.
std::string quoteValue(const json& v) {
  return v.is_string() ? quoteForMessage(v.get_ref<const std::string&>()) : quoteForMessage(dumpValue(v));
}

// A value from the schema (trusted, short) as it is listed in a message.
std::string plainValue(const json& v) { return v.is_string() ? v.get<std::string>() : dumpValue(v); }

// Lengths count Unicode code points, as the API server does: every byte that does not continue a sequence.
std::size_t codePoints(const std::string& s) {
  std::size_t n = 0;
  for (const char c : s) {
    if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) ++n;
  }
  return n;
}

// Exact comparison of two JSON numbers: integers as integers, anything with a float as long double (whose 64-bit
// mantissa holds every int64 and uint64).
int compareNumbers(const json& a, const json& b) {
  if (a.is_number_integer() && b.is_number_integer()) {
    const bool aNegative = a.is_number_unsigned() ? false : a.get<std::int64_t>() < 0;
    const bool bNegative = b.is_number_unsigned() ? false : b.get<std::int64_t>() < 0;
    if (aNegative != bNegative) return aNegative ? -1 : 1;
    if (aNegative) {
      const auto x = a.get<std::int64_t>();
      const auto y = b.get<std::int64_t>();
      return x < y ? -1 : x > y ? 1 : 0;
    }
    const auto x = a.get<std::uint64_t>();
    const auto y = b.get<std::uint64_t>();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  auto wide = [](const json& v) -> long double {
    if (v.is_number_unsigned()) return static_cast<long double>(v.get<std::uint64_t>());
    if (v.is_number_integer()) return static_cast<long double>(v.get<std::int64_t>());
    return static_cast<long double>(v.get<double>());
  };
  const long double x = wide(a);
  const long double y = wide(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

// RFC 3339 date-time as Go's time.Parse(time.RFC3339) accepts it: 2024-02-29T13:45:00.5Z or with ±HH:MM.
bool isRfc3339DateTime(std::string_view s) {
  std::size_t i = 0;
  auto number = [&](std::size_t digits, int& out) {
    if (s.size() - i < digits) return false;
    out = 0;
    for (std::size_t k = 0; k < digits; ++k, ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  auto literal = [&](char c) {
    if (i >= s.size() || (s[i] | 0x20) != (c | 0x20)) return false;
    ++i;
    return true;
  };
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!number(4, year) || !literal('-') || !number(2, month) || !literal('-') || !number(2, day)) return false;
  if (!literal('T') || !number(2, hour) || !literal(':') || !number(2, minute) || !literal(':') || !number(2, second)) {
    return false;
  }
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  const int daysInMonth = kDays[month - 1] + (month == 2 && leap ? 1 : 0);
  if (day < 1 || day > daysInMonth) return false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    const std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == start) return false;
  }
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) return i + 1 == s.size();
  if (i >= s.size() || (s[i] != '+' && s[i] != '-')) return false;
  ++i;
  int offsetHours = 0, offsetMinutes = 0;
  if (!number(2, offsetHours) || !literal(':') || !number(2, offsetMinutes)) return false;
  return offsetHours <= 23 && offsetMinutes <= 59 && i == s.size();
}

// ---- schema checking ---------------------------------------------------------------------------------------

// Checks a schema against the supported subset and compiles its patterns; every problem is a programming error.
class SchemaChecker {
 public:
  explicit SchemaChecker(PatternMap& patterns) : patterns_(patterns) {}

  void check(const json& s, const std::string& at) {
    if (!s.is_object()) bad(at, "a schema must be an object");
    for (const auto& [keyword, value] : s.items()) checkKeyword(s, keyword, value, at);
    const json* type = member(s, "type");
    const bool intOrString = flag(s, "x-kubernetes-int-or-string");
    const bool preserve = flag(s, "x-kubernetes-preserve-unknown-fields");
    if (type == nullptr && !intOrString && !preserve) {
      bad(at, "type is required unless x-kubernetes-int-or-string or x-kubernetes-preserve-unknown-fields is set");
    }
    if (type != nullptr && *type == "array" && member(s, "items") == nullptr && !preserve) {
      bad(at, "an array schema needs items");
    }
    for (const char* bound : {"exclusiveMinimum", "exclusiveMaximum"}) {
      const std::string_view limit = std::string_view(bound) == "exclusiveMinimum" ? "minimum" : "maximum";
      if (flag(s, bound) && member(s, limit) == nullptr) bad(at, std::string(bound) + " needs " + std::string(limit));
    }
    const json* listType = member(s, "x-kubernetes-list-type");
    const bool isMapList = listType != nullptr && *listType == "map";
    if (isMapList != (member(s, "x-kubernetes-list-map-keys") != nullptr)) {
      bad(at, "x-kubernetes-list-map-keys goes with x-kubernetes-list-type: map, and only with it");
    }
    if (member(s, "default") != nullptr) defaults_.emplace_back(&s, at);
  }

  // Defaults must validate against their own schema, as the API server requires of a CRD.
  void checkDefaults(const SchemaOptions& options);

 private:
  [[noreturn]] static void bad(const std::string& at, const std::string& what) {
    throw std::invalid_argument("unsupported schema at " + (at.empty() ? std::string("/") : at) + ": " + what);
  }

  static bool isCount(const json& v) { return v.is_number_unsigned() || (v.is_number_integer() && v >= 0); }

  void checkKeyword(const json& s, const std::string& keyword, const json& value, const std::string& at) {
    const std::string here = at + "/" + keyword;
    if (keyword == "type") {
      static const std::set<std::string, std::less<>> kTypes = {"object",  "array",  "string",
                                                                "integer", "number", "boolean"};
      if (!value.is_string() || !kTypes.contains(value.get_ref<const std::string&>())) {
        bad(here, "unsupported type " + dumpValue(value));
      }
    } else if (keyword == "properties") {
      if (!value.is_object()) bad(here, "must be an object");
      for (const auto& [name, property] : value.items()) check(property, here + "/" + name);
    } else if (keyword == "additionalProperties") {
      if (value.is_object()) {
        check(value, here);
      } else if (!value.is_boolean()) {
        bad(here, "must be a schema or a boolean");
      }
    } else if (keyword == "items") {
      if (!value.is_object()) bad(here, "must be one schema (tuple items are not supported)");
      check(value, here);
    } else if (keyword == "required" || keyword == "x-kubernetes-list-map-keys") {
      if (!value.is_array() || value.empty()) bad(here, "must be a non-empty array of strings");
      for (const auto& name : value) {
        if (!name.is_string()) bad(here, "must be a non-empty array of strings");
      }
    } else if (keyword == "enum") {
      if (!value.is_array() || value.empty()) bad(here, "must be a non-empty array");
    } else if (keyword == "pattern") {
      if (!value.is_string()) bad(here, "must be a string");
      re2::RE2::Options options;
      options.set_log_errors(false);
      auto compiled = std::make_unique<const re2::RE2>(value.get_ref<const std::string&>(), options);
      if (!compiled->ok()) bad(here, "invalid pattern " + quoteForMessage(value.get<std::string>()) + ": " + compiled->error());
      patterns_[&s] = std::move(compiled);
    } else if (keyword == "minLength" || keyword == "maxLength" || keyword == "minItems" || keyword == "maxItems" ||
               keyword == "minProperties" || keyword == "maxProperties") {
      if (!isCount(value)) bad(here, "must be a non-negative integer");
    } else if (keyword == "minimum" || keyword == "maximum") {
      if (!value.is_number()) bad(here, "must be a number");
    } else if (keyword == "exclusiveMinimum" || keyword == "exclusiveMaximum" || keyword == "nullable" ||
               keyword == "x-kubernetes-preserve-unknown-fields" || keyword == "x-kubernetes-int-or-string") {
      if (!value.is_boolean()) bad(here, "must be a boolean (OpenAPI v3.0)");
    } else if (keyword == "format") {
      if (value != "int32" && value != "int64" && value != "date-time") {
        bad(here, "unsupported format " + dumpValue(value) + " (supported: int32, int64, date-time)");
      }
    } else if (keyword == "x-kubernetes-list-type") {
      if (value != "atomic" && value != "set" && value != "map") bad(here, "must be atomic, set or map");
    } else if (keyword == "x-kubernetes-map-type") {
      if (value != "atomic" && value != "granular") bad(here, "must be atomic or granular");
    } else if (keyword == "x-kubernetes-validations" || keyword == "x-kubernetes-embedded-resource") {
      bad(here, "not supported: its rules would not be enforced");
    } else if (keyword != "default" && keyword != "description" && keyword != "title" && keyword != "example") {
      bad(at, "unsupported keyword " + quoteForMessage(keyword));
    }
  }

  PatternMap& patterns_;
  std::vector<std::pair<const json*, std::string>> defaults_;  // schemas with a default, and where they are
};

// ---- validation --------------------------------------------------------------------------------------------

// Walks a value along a checked schema: prunes nulls, fills defaults, and records every violation.
class Walker {
 public:
  Walker(const PatternMap& patterns, const SchemaOptions& options, FieldErrors& errors)
      : patterns_(patterns), options_(options), errors_(errors) {}

  // `name` is the property the value belongs to (array items and map values: their array's or map's name), for
  // the noun of enum messages.
  void node(const json& s, json& v, const FieldPath& path, std::string_view name) {
    if (v.is_null() && flag(s, "nullable")) return;
    if (flag(s, "x-kubernetes-int-or-string")) {
      if (!v.is_string() && !v.is_number_integer()) {
        return error(path, std::string("expected integer or string, got ") + typeName(v));
      }
    } else if (const json* type = member(s, "type")) {
      const auto& expected = type->get_ref<const std::string&>();
      if (!matchesType(expected, v)) return error(path, "expected " + expected + ", got " + typeName(v));
    }
    if (const json* values = member(s, "enum")) enumeration(*values, v, path, name);
    switch (v.type()) {
      case json::value_t::object:
        return object(s, v.get_ref<json::object_t&>(), path, name);
      case json::value_t::array:
        return array(s, v.get_ref<json::array_t&>(), path, name);
      case json::value_t::string:
        return string(s, v.get_ref<const std::string&>(), path);
      case json::value_t::number_integer:
      case json::value_t::number_unsigned:
      case json::value_t::number_float:
        return number(s, v, path);
      default:
        return;
    }
  }

 private:
  void error(const FieldPath& path, std::string message) {
    errors_.push_back(FieldError{path.str(), std::move(message)});
  }

  void enumeration(const json& values, const json& v, const FieldPath& path, std::string_view name) {
    for (const auto& allowed : values) {
      if (v == allowed) return;
    }
    std::string noun = "value";
    if (const auto it = options_.enumNouns.find(std::string(name)); it != options_.enumNouns.end()) noun = it->second;
    std::string message = "unknown " + noun + " " + quoteValue(v) + " (expected one of: ";
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i > 0) message += ", ";
      message += plainValue(values[i]);
    }
    error(path, message + ")");
  }

  void object(const json& s, json::object_t& members, const FieldPath& path, std::string_view name) {
    const json* properties = member(s, "properties");
    const json* additional = member(s, "additionalProperties");
    const json* additionalSchema = additional != nullptr && additional->is_object() ? additional : nullptr;
    const bool unknownAllowed =
        flag(s, "x-kubernetes-preserve-unknown-fields") || (additional != nullptr && *additional == true);
    auto propertySchema = [&](const std::string& key) -> const json* {
      if (properties != nullptr) {
        if (const auto it = properties->find(key); it != properties->end()) return &*it;
      }
      return additionalSchema;
    };

    // Like the API server: a null that its schema does not allow is dropped before defaulting.
    for (auto it = members.begin(); it != members.end();) {
      const json* schema = it->second.is_null() ? propertySchema(it->first) : nullptr;
      if (schema != nullptr && !flag(*schema, "nullable")) {
        it = members.erase(it);
      } else {
        ++it;
      }
    }
    if (properties != nullptr) {
      for (const auto& [key, schema] : properties->items()) {
        if (const json* byDefault = member(schema, "default"); byDefault != nullptr && !members.contains(key)) {
          members.emplace(key, *byDefault);
        }
      }
    }
    if (const json* required = member(s, "required")) {
      for (const auto& key : *required) {
        const auto& name = key.get_ref<const std::string&>();
        if (!members.contains(name)) error(path.field(name), "required field is missing");
      }
    }
    for (auto& [key, value] : members) {
      if (properties != nullptr) {
        if (const auto it = properties->find(key); it != properties->end()) {
          node(*it, value, path.field(key), key);
          continue;
        }
      }
      if (additionalSchema != nullptr) {
        node(*additionalSchema, value, path.key(key), name);
      } else if (!unknownAllowed) {
        error(path.field(key), "unknown field " + quoteForMessage(key));
      }
    }
    bounds(s, "minProperties", "maxProperties", members.size(), "properties", path);
  }

  void array(const json& s, json::array_t& items, const FieldPath& path, std::string_view name) {
    bounds(s, "minItems", "maxItems", items.size(), "items", path);
    if (const json* itemSchema = member(s, "items")) {
      for (std::size_t i = 0; i < items.size(); ++i) node(*itemSchema, items[i], path.index(i), name);
    }
    const json* listType = member(s, "x-kubernetes-list-type");
    if (listType == nullptr) return;
    if (*listType == "set") {
      auto less = [](const json* a, const json* b) { return *a < *b; };
      std::set<const json*, decltype(less)> seen(less);
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (!seen.insert(&items[i]).second) error(path.index(i), "duplicate value " + quoteValue(items[i]));
      }
    } else if (*listType == "map") {
      mapListDuplicates(member(s, "x-kubernetes-list-map-keys")->get_ref<const json::array_t&>(), items, path);
    }
  }

  // Items of a map list are identified by their key fields; items lacking a key were reported as missing it.
  void mapListDuplicates(const json::array_t& keys, const json::array_t& items, const FieldPath& path) {
    using Identity = std::vector<const json*>;
    auto less = [](const Identity& a, const Identity& b) {
      return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                          [](const json* x, const json* y) { return *x < *y; });
    };
    std::set<Identity, decltype(less)> seen(less);
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (!items[i].is_object()) continue;
      Identity identity;
      for (const auto& key : keys) {
        const auto it = items[i].find(key.get_ref<const std::string&>());
        if (it == items[i].end()) break;
        identity.push_back(&*it);
      }
      if (identity.size() != keys.size() || seen.insert(identity).second) continue;
      std::string described;
      for (std::size_t k = 0; k < keys.size(); ++k) {
        if (k > 0) described += ", ";
        described += keys[k].get<std::string>() + " " + quoteValue(*identity[k]);
      }
      error(path.index(i), "duplicate entry with " + described);
    }
  }

  void bounds(const json& s, std::string_view minKey, std::string_view maxKey, std::size_t count, const char* unit,
              const FieldPath& path) {
    if (const json* min = member(s, minKey); min != nullptr && count < min->get<std::uint64_t>()) {
      error(path, "must have at least " + dumpValue(*min) + " " + unit);
    }
    if (const json* max = member(s, maxKey); max != nullptr && count > max->get<std::uint64_t>()) {
      error(path, "must have at most " + dumpValue(*max) + " " + unit);
    }
  }

  void string(const json& s, const std::string& text, const FieldPath& path) {
    if (const auto it = patterns_.find(&s); it != patterns_.end() && !re2::RE2::PartialMatch(text, *it->second)) {
      // Unanchored search, like Go's regexp.MatchString; the CRD patterns carry their own ^ and $.
      error(path, "invalid value " + quoteForMessage(text) + ": must match " + member(s, "pattern")->get<std::string>());
    }
    const std::size_t length = (member(s, "minLength") || member(s, "maxLength")) ? codePoints(text) : 0;
    if (const json* min = member(s, "minLength"); min != nullptr && length < min->get<std::uint64_t>()) {
      error(path, "must be at least " + dumpValue(*min) + " characters");
    }
    if (const json* max = member(s, "maxLength"); max != nullptr && length > max->get<std::uint64_t>()) {
      error(path, "must be at most " + dumpValue(*max) + " characters");
    }
    if (const json* format = member(s, "format");
        format != nullptr && *format == "date-time" && !isRfc3339DateTime(text)) {
      error(path, "invalid value " + quoteForMessage(text) + ": must be an RFC 3339 date-time");
    }
  }

  void number(const json& s, const json& v, const FieldPath& path) {
    if (const json* min = member(s, "minimum")) {
      const bool exclusive = flag(s, "exclusiveMinimum");
      const int order = compareNumbers(v, *min);
      if (exclusive ? order <= 0 : order < 0) error(path, (exclusive ? "must be > " : "must be >= ") + dumpValue(*min));
    }
    if (const json* max = member(s, "maximum")) {
      const bool exclusive = flag(s, "exclusiveMaximum");
      const int order = compareNumbers(v, *max);
      if (exclusive ? order >= 0 : order > 0) error(path, (exclusive ? "must be < " : "must be <= ") + dumpValue(*max));
    }
    const json* format = member(s, "format");
    if (format == nullptr || !v.is_number_integer()) return;
    if (*format == "int32") {
      const bool fits =
          v.is_number_unsigned()
              ? v.get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max())
              : v.get<std::int64_t>() >= std::numeric_limits<std::int32_t>::min() &&
                    v.get<std::int64_t>() <= std::numeric_limits<std::int32_t>::max();
      if (!fits) error(path, "must fit in int32");
    } else if (*format == "int64") {
      if (v.is_number_unsigned() &&
          v.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        error(path, "must fit in int64");
      }
    }
  }

  const PatternMap& patterns_;
  const SchemaOptions& options_;
  FieldErrors& errors_;
};

void SchemaChecker::checkDefaults(const SchemaOptions& options) {
  for (const auto& [schema, at] : defaults_) {
    json value = *member(*schema, "default");
    FieldErrors errors;
    Walker(patterns_, options, errors).node(*schema, value, FieldPath("default"), "");
    if (!errors.empty()) {
      std::string listed;
      for (const auto& e : errors) listed += (listed.empty() ? "" : "; ") + e.toString();
      bad(at, "invalid default: " + listed);
    }
  }
}

}  // namespace

struct SchemaValidator::Compiled {
  json schema;
  SchemaOptions options;
  PatternMap patterns;
};

SchemaValidator::SchemaValidator(json schema, SchemaOptions options) {
  // Built in place and never moved afterwards: the pattern map points into `schema`.
  auto compiled = std::make_shared<Compiled>();
  compiled->schema = std::move(schema);
  compiled->options = std::move(options);
  SchemaChecker checker(compiled->patterns);
  checker.check(compiled->schema, "");
  checker.checkDefaults(compiled->options);
  compiled_ = std::move(compiled);
}

void SchemaValidator::validateAndDefault(json& value, const FieldPath& path, FieldErrors& errors) const {
  const std::size_t before = errors.size();
  try {
    errors.reserve(before + 1);  // room for the out-of-memory error below
    Walker(compiled_->patterns, compiled_->options, errors).node(compiled_->schema, value, path, "");
  } catch (...) {
    // Only allocation can fail here. Fail closed: the caller must see at least one error. An empty path and a
    // message in the small-string buffer allocate nothing, and reserve() left room unless it failed itself.
    if (errors.size() < errors.capacity()) {
      errors.push_back(FieldError{std::string(), "out of memory"});
    } else if (errors.size() == before) {
      throw;
    }
  }
}

const json& SchemaValidator::schema() const { return compiled_->schema; }

void validateAndDefault(const json& schema, json& value, const FieldPath& path, FieldErrors& errors,
                        const SchemaOptions& options) {
  SchemaValidator(schema, options).validateAndDefault(value, path, errors);
}

}  // namespace warden::policy
