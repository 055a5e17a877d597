#include "policy/schema_validator.h"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace warden::policy {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Errors as "path: message" lines, which read well in test failures.
std::vector<std::string> lines(const FieldErrors& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.toString());
  return out;
}

std::vector<std::string> validate(const json& schema, json& value, const SchemaOptions& options = {}) {
  FieldErrors errors;
  validateAndDefault(schema, value, FieldPath("spec"), errors, options);
  return lines(errors);
}

// Errors of validating a copy of `value`.
std::vector<std::string> errorsOf(const json& schema, json value, const SchemaOptions& options = {}) {
  return validate(schema, value, options);
}

// The one error of validating a copy of `value`.
std::string errorOf(const json& schema, json value, const SchemaOptions& options = {}) {
  const auto errors = validate(schema, value, options);
  EXPECT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  return errors.empty() ? std::string() : errors.front();
}

json objectWith(const json& properties) { return {{"type", "object"}, {"properties", properties}}; }

// ---- types -------------------------------------------------------------------------------------------------

TEST(SchemaValidatorTest, TypeMismatchNamesBothTypes) {
  EXPECT_EQ(errorOf({{"type", "object"}}, "x"), "spec: expected object, got string");
  EXPECT_EQ(errorOf({{"type", "array"}, {"items", {{"type", "string"}}}}, json::object()),
            "spec: expected array, got object");
  EXPECT_EQ(errorOf({{"type", "string"}}, 5), "spec: expected string, got integer");
  EXPECT_EQ(errorOf({{"type", "integer"}}, 1.5), "spec: expected integer, got number");
  EXPECT_EQ(errorOf({{"type", "integer"}}, "1"), "spec: expected integer, got string");
  EXPECT_EQ(errorOf({{"type", "number"}}, true), "spec: expected number, got boolean");
  EXPECT_EQ(errorOf({{"type", "boolean"}}, "true"), "spec: expected boolean, got string");
  EXPECT_EQ(errorOf({{"type", "string"}}, nullptr), "spec: expected string, got null");
  EXPECT_EQ(errorOf({{"type", "string"}}, json::array()), "spec: expected string, got array");
}

TEST(SchemaValidatorTest, NumberAcceptsIntegersAndIntegerAcceptsUnsigned) {
  EXPECT_THAT(errorsOf({{"type", "number"}}, 3), IsEmpty());
  EXPECT_THAT(errorsOf({{"type", "number"}}, 3.5), IsEmpty());
  EXPECT_THAT(errorsOf({{"type", "integer"}}, UINT64_MAX), IsEmpty());
  EXPECT_THAT(errorsOf({{"type", "integer"}}, -4), IsEmpty());
}

TEST(SchemaValidatorTest, TypeMismatchStopsFurtherChecksOfThatValue) {
  const json schema = {{"type", "string"}, {"minLength", 3}, {"enum", {"abc"}}};
  EXPECT_EQ(errorOf(schema, 1), "spec: expected string, got integer");
}

TEST(SchemaValidatorTest, NullableAcceptsNull) {
  EXPECT_THAT(errorsOf({{"type", "string"}, {"nullable", true}}, nullptr), IsEmpty());
  EXPECT_EQ(errorOf({{"type", "string"}, {"nullable", false}}, nullptr), "spec: expected string, got null");
}

// ---- objects -----------------------------------------------------------------------------------------------

TEST(SchemaValidatorTest, RequiredFieldIsMissing) {
  const json schema = {
      {"type", "object"},
      {"required", {"targetRef", "name"}},
      {"properties",
       {{"targetRef", {{"type", "object"}, {"properties", json::object()}}}, {"name", {{"type", "string"}}}}}};
  EXPECT_THAT(errorsOf(schema, json::object()),
              ElementsAre("spec.targetRef: required field is missing", "spec.name: required field is missing"));
  EXPECT_THAT(errorsOf(schema, {{"targetRef", json::object()}, {"name", "x"}}), IsEmpty());
}

TEST(SchemaValidatorTest, UnknownFieldsAreErrors) {
  const json schema = objectWith({{"name", {{"type", "string"}}}});
  EXPECT_EQ(errorOf(schema, {{"name", "x"}, {"nmae", "y"}}), "spec.nmae: unknown field \"nmae\"");
  json explicitFalse = schema;
  explicitFalse["additionalProperties"] = false;
  EXPECT_EQ(errorOf(explicitFalse, {{"extra", 1}}), "spec.extra: unknown field \"extra\"");
}

TEST(SchemaValidatorTest, UnknownFieldReportedEvenWhenNull) {
  EXPECT_EQ(errorOf(objectWith({{"a", {{"type", "string"}}}}), {{"b", nullptr}}), "spec.b: unknown field \"b\"");
}

TEST(SchemaValidatorTest, ObjectWithoutPropertiesAcceptsOnlyEmptyObject) {
  const json schema = {{"type", "object"}};
  EXPECT_THAT(errorsOf(schema, json::object()), IsEmpty());
  EXPECT_EQ(errorOf(schema, {{"name", "x"}}), "spec.name: unknown field \"name\"");
}

TEST(SchemaValidatorTest, AdditionalPropertiesSchemaValidatesEveryValueByKey) {
  const json schema = {{"type", "object"},
                       {"additionalProperties", {{"type", "string"}, {"pattern", "^[0-9a-f]{4}$"}}}};
  json value = {{"read_file", "beef"}, {"write_file", "zzzz"}, {"exec", 7}};
  EXPECT_THAT(validate(schema, value),
              ElementsAre("spec[exec]: expected string, got integer",
                          "spec[write_file]: invalid value \"zzzz\": must match ^[0-9a-f]{4}$"));
  EXPECT_THAT(errorsOf(schema, json::object()), IsEmpty());
}

TEST(SchemaValidatorTest, AdditionalPropertiesTrueAcceptsAnything) {
  json value = {{"a", {{"deep", {1, 2}}}}, {"b", nullptr}};
  EXPECT_THAT(validate({{"type", "object"}, {"additionalProperties", true}}, value), IsEmpty());
  EXPECT_EQ(value, json({{"a", {{"deep", {1, 2}}}}, {"b", nullptr}}));
}

TEST(SchemaValidatorTest, PropertiesAndAdditionalPropertiesTogether) {
  const json schema = {{"type", "object"},
                       {"properties", {{"name", {{"type", "string"}}}}},
                       {"additionalProperties", {{"type", "integer"}}}};
  EXPECT_THAT(errorsOf(schema, {{"name", "n"}, {"x", 1}}), IsEmpty());
  EXPECT_THAT(errorsOf(schema, {{"name", 1}, {"x", "s"}}),
              ElementsAre("spec.name: expected string, got integer", "spec[x]: expected integer, got string"));
}

TEST(SchemaValidatorTest, PreserveUnknownFieldsKeepsThemAndStillValidatesDeclaredOnes) {
  const json schema = {{"type", "object"},
                       {"x-kubernetes-preserve-unknown-fields", true},
                       {"properties", {{"replicas", {{"type", "integer"}, {"minimum", 0}}}}}};
  json value = {{"anything", {{"goes", {1, "two"}}}}, {"replicas", -1}};
  EXPECT_THAT(validate(schema, value), ElementsAre("spec.replicas: must be >= 0"));
  EXPECT_EQ(value["anything"]["goes"][1], "two");
  // Without a type, any value is preserved.
  EXPECT_THAT(errorsOf({{"x-kubernetes-preserve-unknown-fields", true}}, json::array({1, "a"})), IsEmpty());
  EXPECT_THAT(errorsOf({{"x-kubernetes-preserve-unknown-fields", true}}, nullptr), IsEmpty());
}

TEST(SchemaValidatorTest, PropertyCounts) {
  const json schema = {
      {"type", "object"}, {"additionalProperties", {{"type", "integer"}}}, {"minProperties", 1}, {"maxProperties", 2}};
  EXPECT_EQ(errorOf(schema, json::object()), "spec: must have at least 1 properties");
  EXPECT_EQ(errorOf(schema, {{"a", 1}, {"b", 2}, {"c", 3}}), "spec: must have at most 2 properties");
  EXPECT_THAT(errorsOf(schema, {{"a", 1}, {"b", 2}}), IsEmpty());
}

// ---- pruning and defaults ----------------------------------------------------------------------------------

TEST(SchemaValidatorTest, NullsOfNonNullablePropertiesArePruned) {
  const json schema = objectWith({{"a", {{"type", "string"}}},
                                  {"b", {{"type", "string"}, {"nullable", true}}},
                                  {"c", {{"type", "object"}, {"properties", json::object()}}}});
  json value = {{"a", nullptr}, {"b", nullptr}, {"c", nullptr}};
  EXPECT_THAT(validate(schema, value), IsEmpty());
  EXPECT_EQ(value, json({{"b", nullptr}}));
}

TEST(SchemaValidatorTest, PrunedNullOfRequiredFieldIsMissing) {
  const json schema = {{"type", "object"}, {"required", {"name"}}, {"properties", {{"name", {{"type", "string"}}}}}};
  json value = {{"name", nullptr}};
  EXPECT_THAT(validate(schema, value), ElementsAre("spec.name: required field is missing"));
  EXPECT_EQ(value, json::object());
}

TEST(SchemaValidatorTest, NullMapValuesArePrunedToo) {
  json value = {{"a", "x"}, {"b", nullptr}};
  EXPECT_THAT(validate({{"type", "object"}, {"additionalProperties", {{"type", "string"}}}}, value), IsEmpty());
  EXPECT_EQ(value, json({{"a", "x"}}));
}

TEST(SchemaValidatorTest, NullArrayItemsAreErrorsNotPruned) {
  json value = {"a", nullptr};
  EXPECT_THAT(validate({{"type", "array"}, {"items", {{"type", "string"}}}}, value),
              ElementsAre("spec[1]: expected string, got null"));
  EXPECT_EQ(value.size(), 2u);
}

TEST(SchemaValidatorTest, DefaultsFillAbsentPropertiesOnly) {
  const json schema = objectWith(
      {{"port", {{"type", "integer"}, {"default", 8443}}}, {"path", {{"type", "string"}, {"default", "/mcp"}}}});
  json value = {{"port", 9000}};
  EXPECT_THAT(validate(schema, value), IsEmpty());
  EXPECT_EQ(value, json({{"port", 9000}, {"path", "/mcp"}}));
}

TEST(SchemaValidatorTest, PrunedNullGetsTheDefault) {
  const json schema = objectWith({{"mode", {{"type", "string"}, {"default", "Off"}}}});
  json value = {{"mode", nullptr}};
  EXPECT_THAT(validate(schema, value), IsEmpty());
  EXPECT_EQ(value, json({{"mode", "Off"}}));
}

TEST(SchemaValidatorTest, NullableNullIsKeptNotDefaulted) {
  const json schema = objectWith({{"mode", {{"type", "string"}, {"nullable", true}, {"default", "Off"}}}});
  json value = {{"mode", nullptr}};
  EXPECT_THAT(validate(schema, value), IsEmpty());
  EXPECT_EQ(value, json({{"mode", nullptr}}));
}

TEST(SchemaValidatorTest, NestedDefaultObjectsAreDefaultedInside) {
  const json schema = objectWith(
      {{"approval",
        {{"type", "object"},
         {"default", json::object()},
         {"properties",
          {{"timeout", {{"type", "string"}, {"default", "15m"}}},
           {"notify",
            {{"type", "object"},
             {"default", {{"channel", "ops"}}},
             {"properties",
              {{"channel", {{"type", "string"}}}, {"retries", {{"type", "integer"}, {"default", 3}}}}}}}}}}}});
  json value = json::object();
  EXPECT_THAT(validate(schema, value), IsEmpty());
  EXPECT_EQ(value, json::parse(R"({"approval":{"timeout":"15m","notify":{"channel":"ops","retries":3}}})"));
}

TEST(SchemaValidatorTest, DefaultsAreDeepCopies) {
  const json schema = objectWith({{"tags", {{"type", "array"}, {"items", {{"type", "string"}}}, {"default", {"a"}}}}});
  const SchemaValidator validator(schema);
  json first = json::object();
  FieldErrors errors;
  validator.validateAndDefault(first, FieldPath("spec"), errors);
  first["tags"].push_back("changed");
  json second = json::object();
  validator.validateAndDefault(second, FieldPath("spec"), errors);
  EXPECT_THAT(lines(errors), IsEmpty());
  EXPECT_EQ(second["tags"], json({"a"}));
  EXPECT_EQ(validator.schema()["properties"]["tags"]["default"], json({"a"}));
}

TEST(SchemaValidatorTest, DefaultedValuesAreValidatedAgainstTheRestOfTheSchema) {
  // A default may satisfy its own schema yet the object still fails elsewhere: both are checked together.
  const json schema = {{"type", "object"},
                       {"maxProperties", 1},
                       {"properties", {{"a", {{"type", "string"}}}, {"b", {{"type", "string"}, {"default", "x"}}}}}};
  json value = {{"a", "given"}};
  EXPECT_THAT(validate(schema, value), ElementsAre("spec: must have at most 1 properties"));
  EXPECT_EQ(value["b"], "x");
}

TEST(SchemaValidatorTest, InvalidDefaultIsASchemaError) {
  const json schema = objectWith({{"port", {{"type", "integer"}, {"maximum", 10}, {"default", 8443}}}});
  json value = json::object();
  FieldErrors errors;
  try {
    validateAndDefault(schema, value, FieldPath("spec"), errors);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("/properties/port"));
    EXPECT_THAT(e.what(), HasSubstr("invalid default: default: must be <= 10"));
  }
  const json nested =
      objectWith({{"o", {{"type", "object"}, {"default", {{"x", 1}}}, {"properties", json::object()}}}});
  EXPECT_THROW(SchemaValidator{nested}, std::invalid_argument);
}

// ---- enums -------------------------------------------------------------------------------------------------

TEST(SchemaValidatorTest, EnumUsesNounOfThePropertyName) {
  const json schema = objectWith({{"op", {{"type", "string"}, {"enum", {"In", "Equals"}}}},
                                  {"effect", {{"type", "string"}, {"enum", {"Allow", "Deny"}}}}});
  SchemaOptions options;
  options.enumNouns = {{"op", "operator"}};
  EXPECT_THAT(errorsOf(schema, {{"op", "Matchs"}, {"effect", "allow"}}, options),
              ElementsAre("spec.effect: unknown value \"allow\" (expected one of: Allow, Deny)",
                          "spec.op: unknown operator \"Matchs\" (expected one of: In, Equals)"));
}

TEST(SchemaValidatorTest, EnumOfArrayItemsUsesTheArrayName) {
  const json schema =
      objectWith({{"days", {{"type", "array"}, {"items", {{"type", "string"}, {"enum", {"Mon", "Tue"}}}}}}});
  SchemaOptions options;
  options.enumNouns = {{"days", "day"}};
  EXPECT_EQ(errorOf(schema, {{"days", {"Mon", "Fri"}}}, options),
            "spec.days[1]: unknown day \"Fri\" (expected one of: Mon, Tue)");
}

TEST(SchemaValidatorTest, EnumOfNonStrings) {
  EXPECT_EQ(errorOf({{"type", "integer"}, {"enum", {1, 2}}}, 3), "spec: unknown value \"3\" (expected one of: 1, 2)");
  EXPECT_THAT(errorsOf({{"type", "integer"}, {"enum", {1, 2}}}, 2), IsEmpty());
  EXPECT_THAT(errorsOf({{"type", "string"}, {"enum", {"True", "False"}}}, "True"), IsEmpty());
}

TEST(SchemaValidatorTest, EnumMatchIsCaseSensitive) {
  EXPECT_EQ(errorOf({{"type", "string"}, {"enum", {"Deny"}}}, "deny"),
            "spec: unknown value \"deny\" (expected one of: Deny)");
}

TEST(SchemaValidatorTest, MessagesEscapeAndShortenHostileValues) {
  const json schema = {{"type", "string"}, {"enum", {"A"}}};
  EXPECT_EQ(errorOf(schema, "x\"\ny"), "spec: unknown value \"x\\\"\\ny\" (expected one of: A)");
  const std::string message = errorOf(schema, std::string(10000, 'z'));
  EXPECT_LT(message.size(), 400u);
  EXPECT_THAT(message, HasSubstr("zzz\"..."));
  // Invalid UTF-8 in a value does not break the message.
  EXPECT_THAT(errorOf(schema, std::string("\xff")), HasSubstr("\xef\xbf\xbd"));
}

// ---- strings -----------------------------------------------------------------------------------------------

TEST(SchemaValidatorTest, PatternIsAnUnanchoredSearch) {
  EXPECT_THAT(errorsOf({{"type", "string"}, {"pattern", "b+"}}, "abbbc"), IsEmpty());
  EXPECT_EQ(errorOf({{"type", "string"}, {"pattern", "^b+$"}}, "abbbc"),
            "spec: invalid value \"abbbc\": must match ^b+$");
  EXPECT_EQ(errorOf({{"type", "string"}, {"pattern", "^[a-z]+$"}}, "abc\n"),
            "spec: invalid value \"abc\\n\": must match ^[a-z]+$");
}

TEST(SchemaValidatorTest, PatternIsUtf8Aware) {
  const json schema = {{"type", "string"}, {"pattern", "^([0-9]+(ns|us|µs|ms|s|m|h))+$"}};
  EXPECT_THAT(errorsOf(schema, "10µs"), IsEmpty());
  EXPECT_THAT(errorsOf({{"type", "string"}, {"pattern", "^.$"}}, "é"), IsEmpty());
}

TEST(SchemaValidatorTest, LengthsCountCodePoints) {
  const json schema = {{"type", "string"}, {"minLength", 2}, {"maxLength", 3}};
  EXPECT_THAT(errorsOf(schema, "éé"), IsEmpty());
  EXPECT_THAT(errorsOf(schema, "😀😀😀"), IsEmpty());
  EXPECT_EQ(errorOf(schema, "é"), "spec: must be at least 2 characters");
  EXPECT_EQ(errorOf(schema, "abcd"), "spec: must be at most 3 characters");
  EXPECT_EQ(errorOf({{"type", "string"}, {"minLength", 1}}, ""), "spec: must be at least 1 characters");
}

TEST(SchemaValidatorTest, DateTimeFormat) {
  const json schema = {{"type", "string"}, {"format", "date-time"}};
  for (const char* ok : {"2024-02-29T13:45:00Z", "2023-12-31T23:59:59.123456789+05:30", "2024-01-01t00:00:00z",
                         "1999-06-30T12:00:00-07:00"}) {
    EXPECT_THAT(errorsOf(schema, ok), IsEmpty()) << ok;
  }
  for (const char* bad :
       {"2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z", "2024-01-01", "2024-01-01T24:00:00Z", "2024-01-01T00:00:00",
        "2024-01-01 00:00:00Z", "2024-01-01T00:00:00.Z", "2024-01-01T00:00:60Z", "2024-01-01T00:00:00+0100",
        "2024-04-31T00:00:00Z", "2024-01-01T00:00:00Zx", "1900-02-29T00:00:00Z"}) {
    EXPECT_EQ(errorOf(schema, bad), "spec: invalid value \"" + std::string(bad) + "\": must be an RFC 3339 date-time");
  }
  EXPECT_THAT(errorsOf(schema, "2000-02-29T00:00:00Z"), IsEmpty()) << "400-year leap rule";
}

// ---- numbers -----------------------------------------------------------------------------------------------

TEST(SchemaValidatorTest, MinimumAndMaximum) {
  const json schema = {{"type", "integer"}, {"minimum", 1}, {"maximum", 65535}};
  EXPECT_THAT(errorsOf(schema, 1), IsEmpty());
  EXPECT_THAT(errorsOf(schema, 65535), IsEmpty());
  EXPECT_EQ(errorOf(schema, 0), "spec: must be >= 1");
  EXPECT_EQ(errorOf(schema, 65536), "spec: must be <= 65535");
  EXPECT_EQ(errorOf(schema, -9223372036854775807LL - 1), "spec: must be >= 1");
  EXPECT_EQ(errorOf(schema, UINT64_MAX), "spec: must be <= 65535");
}

TEST(SchemaValidatorTest, ExclusiveBounds) {
  const json schema = {
      {"type", "number"}, {"minimum", 0}, {"exclusiveMinimum", true}, {"maximum", 1.5}, {"exclusiveMaximum", true}};
  EXPECT_EQ(errorOf(schema, 0), "spec: must be > 0");
  EXPECT_EQ(errorOf(schema, 1.5), "spec: must be < 1.5");
  EXPECT_THAT(errorsOf(schema, 0.001), IsEmpty());
  EXPECT_THAT(errorsOf(schema, 1), IsEmpty());
  json inclusive = schema;
  inclusive["exclusiveMinimum"] = false;
  EXPECT_THAT(errorsOf(inclusive, 0), IsEmpty());
}

TEST(SchemaValidatorTest, ComparesLargeIntegersExactly) {
  // 2^53 + 1 is not representable as a double; the comparison must not round it.
  EXPECT_EQ(errorOf({{"type", "integer"}, {"maximum", 9007199254740992LL}}, 9007199254740993LL),
            "spec: must be <= 9007199254740992");
  EXPECT_EQ(errorOf({{"type", "integer"}, {"minimum", UINT64_MAX}}, UINT64_MAX - 1),
            "spec: must be >= 18446744073709551615");
  EXPECT_EQ(errorOf({{"type", "number"}, {"maximum", 0.5}}, 1), "spec: must be <= 0.5");
  EXPECT_THAT(errorsOf({{"type", "number"}, {"minimum", -0.5}}, 0), IsEmpty());
  EXPECT_EQ(errorOf({{"type", "integer"}, {"minimum", -1}}, -2), "spec: must be >= -1");
}

TEST(SchemaValidatorTest, IntegerFormats) {
  const json int32 = {{"type", "integer"}, {"format", "int32"}};
  EXPECT_THAT(errorsOf(int32, 2147483647), IsEmpty());
  EXPECT_THAT(errorsOf(int32, -2147483648LL), IsEmpty());
  EXPECT_EQ(errorOf(int32, 2147483648LL), "spec: must fit in int32");
  EXPECT_EQ(errorOf(int32, -2147483649LL), "spec: must fit in int32");
  EXPECT_EQ(errorOf(int32, UINT64_MAX), "spec: must fit in int32");
  const json int64 = {{"type", "integer"}, {"format", "int64"}};
  EXPECT_THAT(errorsOf(int64, 9223372036854775807LL), IsEmpty());
  EXPECT_EQ(errorOf(int64, 9223372036854775808ULL), "spec: must fit in int64");
}

TEST(SchemaValidatorTest, IntOrString) {
  const json schema = {{"x-kubernetes-int-or-string", true}};
  EXPECT_THAT(errorsOf(schema, 5), IsEmpty());
  EXPECT_THAT(errorsOf(schema, "50%"), IsEmpty());
  EXPECT_EQ(errorOf(schema, 1.5), "spec: expected integer or string, got number");
  EXPECT_EQ(errorOf(schema, true), "spec: expected integer or string, got boolean");
  EXPECT_EQ(errorOf(schema, nullptr), "spec: expected integer or string, got null");
  const json bounded = {{"x-kubernetes-int-or-string", true}, {"pattern", "^[0-9]+%$"}, {"maximum", 10}};
  EXPECT_EQ(errorOf(bounded, "5"), "spec: invalid value \"5\": must match ^[0-9]+%$");
  EXPECT_EQ(errorOf(bounded, 11), "spec: must be <= 10");
}

// ---- arrays ------------------------------------------------------------------------------------------------

TEST(SchemaValidatorTest, ItemCountsAndItemPaths) {
  const json schema = {{"type", "array"}, {"minItems", 1}, {"maxItems", 2}, {"items", {{"type", "string"}}}};
  EXPECT_EQ(errorOf(schema, json::array()), "spec: must have at least 1 items");
  EXPECT_EQ(errorOf(schema, {"a", "b", "c"}), "spec: must have at most 2 items");
  EXPECT_EQ(errorOf(schema, {"a", 2}), "spec[1]: expected string, got integer");
}

TEST(SchemaValidatorTest, SetListRejectsDuplicatesAtTheDuplicate) {
  const json schema = {{"type", "array"}, {"x-kubernetes-list-type", "set"}, {"items", {{"type", "string"}}}};
  EXPECT_THAT(errorsOf(schema, {"read", "write", "read", "exec", "write", "read"}),
              ElementsAre("spec[2]: duplicate value \"read\"", "spec[4]: duplicate value \"write\"",
                          "spec[5]: duplicate value \"read\""));
  EXPECT_THAT(errorsOf(schema, {"a", "A", "a "}), IsEmpty());
  const json numbers = {{"type", "array"}, {"x-kubernetes-list-type", "set"}, {"items", {{"type", "number"}}}};
  EXPECT_EQ(errorOf(numbers, {1, 1.0}), "spec[1]: duplicate value \"1.0\"");
}

TEST(SchemaValidatorTest, AtomicListAllowsDuplicates) {
  const json schema = {{"type", "array"}, {"x-kubernetes-list-type", "atomic"}, {"items", {{"type", "string"}}}};
  EXPECT_THAT(errorsOf(schema, {"a", "a"}), IsEmpty());
}

TEST(SchemaValidatorTest, MapListRejectsDuplicateKeys) {
  const json item = {{"type", "object"},
                     {"required", {"name"}},
                     {"properties", {{"name", {{"type", "string"}}}, {"effect", {{"type", "string"}}}}}};
  const json schema = {
      {"type", "array"}, {"x-kubernetes-list-type", "map"}, {"x-kubernetes-list-map-keys", {"name"}}, {"items", item}};
  EXPECT_THAT(errorsOf(schema, json::parse(R"([{"name":"a"},{"name":"b"},{"name":"a","effect":"Deny"},{}])")),
              ElementsAre("spec[3].name: required field is missing", "spec[2]: duplicate entry with name \"a\""));
}

TEST(SchemaValidatorTest, MapListWithSeveralKeysAndDefaultedKeys) {
  const json item =
      objectWith({{"port", {{"type", "integer"}}}, {"protocol", {{"type", "string"}, {"default", "TCP"}}}});
  const json schema = {{"type", "array"},
                       {"x-kubernetes-list-type", "map"},
                       {"x-kubernetes-list-map-keys", {"port", "protocol"}},
                       {"items", item}};
  EXPECT_THAT(errorsOf(schema, json::parse(R"([{"port":80},{"port":80,"protocol":"UDP"}])")), IsEmpty());
  EXPECT_EQ(errorOf(schema, json::parse(R"([{"port":80},{"port":80,"protocol":"TCP"}])")),
            "spec[1]: duplicate entry with port \"80\", protocol \"TCP\"");
}

// ---- many errors, paths, reuse -----------------------------------------------------------------------------

TEST(SchemaValidatorTest, ReportsAllErrorsAtOnce) {
  const json schema = {{"type", "object"},
                       {"required", {"name", "effect"}},
                       {"properties",
                        {{"name", {{"type", "string"}, {"pattern", "^[a-z]+$"}, {"maxLength", 3}}},
                         {"effect", {{"type", "string"}, {"enum", {"Allow", "Deny"}}}},
                         {"tools", {{"type", "array"}, {"maxItems", 1}, {"items", {{"type", "string"}}}}}}}};
  EXPECT_THAT(
      errorsOf(schema, {{"name", "Abcd"}, {"tools", {"a", 1}}, {"extra", true}}),
      ElementsAre("spec.effect: required field is missing", "spec.extra: unknown field \"extra\"",
                  "spec.name: invalid value \"Abcd\": must match ^[a-z]+$", "spec.name: must be at most 3 characters",
                  "spec.tools: must have at most 1 items", "spec.tools[1]: expected string, got integer"));
}

TEST(SchemaValidatorTest, ErrorsAreAppendedAndEmptyRootPathWorks) {
  FieldErrors errors{{"before", "kept"}};
  json value = {{"a", 1}};
  validateAndDefault(objectWith({{"a", {{"type", "string"}}}}), value, FieldPath(), errors);
  EXPECT_THAT(lines(errors), ElementsAre("before: kept", "a: expected string, got integer"));
}

TEST(SchemaValidatorTest, ValidatorIsReusableAndThreadSafe) {
  const SchemaValidator validator(objectWith(
      {{"name", {{"type", "string"}, {"pattern", "^[a-z]+$"}}}, {"n", {{"type", "integer"}, {"default", 1}}}}));
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&validator, &failures, t] {
      for (int i = 0; i < 200; ++i) {
        json good = {{"name", "abc"}};
        json bad = {{"name", "ABC"}};
        FieldErrors goodErrors;
        FieldErrors badErrors;
        validator.validateAndDefault(good, FieldPath("spec"), goodErrors);
        validator.validateAndDefault(bad, FieldPath("spec"), badErrors);
        if (!goodErrors.empty() || badErrors.size() != 1 || good["n"] != 1) ++failures[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_THAT(failures, ElementsAre(0, 0, 0, 0));
  const SchemaValidator copy = validator;
  json value = {{"name", "1"}};
  FieldErrors errors;
  copy.validateAndDefault(value, FieldPath("spec"), errors);
  EXPECT_THAT(lines(errors), ElementsAre("spec.name: invalid value \"1\": must match ^[a-z]+$"));
}

// ---- broken schemas ----------------------------------------------------------------------------------------

TEST(SchemaValidatorTest, UnsupportedKeywordsThrow) {
  for (const char* keyword :
       {"anyOf", "oneOf", "allOf", "not", "$ref", "uniqueItems", "multipleOf", "const", "patternProperties",
        "x-kubernetes-validations", "x-kubernetes-embedded-resource", "x-kubernetes-typo"}) {
    json schema = {{"type", "object"}, {"properties", {{"a", {{"type", "string"}, {keyword, json::array()}}}}}};
    EXPECT_THROW(SchemaValidator{schema}, std::invalid_argument) << keyword;
  }
  try {
    SchemaValidator{json{{"type", "string"}, {"anyOf", json::array()}}};
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "unsupported schema at /: unsupported keyword \"anyOf\"");
  }
}

TEST(SchemaValidatorTest, DescriptiveKeywordsAreAccepted) {
  const json schema = {{"type", "object"},
                       {"description", "d"},
                       {"title", "t"},
                       {"example", {{"a", "b"}}},
                       {"x-kubernetes-map-type", "atomic"},
                       {"additionalProperties", {{"type", "string"}}}};
  EXPECT_NO_THROW(SchemaValidator{schema});
}

TEST(SchemaValidatorTest, MalformedKeywordValuesThrow) {
  const std::vector<json> broken = {
      json::array(),
      {{"type", "null"}},
      {{"type", {"string", "null"}}},
      {{"type", "string"}, {"pattern", "(unclosed"}},
      {{"type", "string"}, {"pattern", "(?=lookahead)"}},
      {{"type", "string"}, {"pattern", 5}},
      {{"type", "string"}, {"minLength", -1}},
      {{"type", "string"}, {"maxLength", "3"}},
      {{"type", "string"}, {"format", "email"}},
      {{"type", "string"}, {"enum", json::array()}},
      {{"type", "integer"}, {"minimum", "0"}},
      {{"type", "integer"}, {"exclusiveMinimum", 5}},
      {{"type", "integer"}, {"exclusiveMaximum", true}},
      {{"type", "string"}, {"nullable", "yes"}},
      {{"type", "object"}, {"required", {1}}},
      {{"type", "object"}, {"properties", {"a"}}},
      {{"type", "object"}, {"additionalProperties", "no"}},
      {{"type", "array"}},
      {{"type", "array"}, {"items", json::array({{{"type", "string"}}})}},
      {{"type", "array"}, {"items", {{"type", "string"}}}, {"x-kubernetes-list-type", "map"}},
      {{"type", "array"}, {"items", {{"type", "string"}}}, {"x-kubernetes-list-type", "bag"}},
      {{"type", "array"}, {"items", {{"type", "string"}}}, {"x-kubernetes-list-map-keys", {"name"}}},
      {{"properties", json::object()}},
      {{"type", "object"}, {"properties", {{"deep", {{"type", "object"}, {"properties", {{"x", {{"typo", 1}}}}}}}}}},
  };
  for (const auto& schema : broken) {
    EXPECT_THROW(SchemaValidator{schema}, std::invalid_argument) << schema.dump();
  }
}

TEST(SchemaValidatorTest, SchemaErrorNamesTheLocation) {
  try {
    SchemaValidator{objectWith({{"rules", {{"type", "array"}, {"items", objectWith({{"op", {{"type", "strng"}}}})}}}})};
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(),
                 "unsupported schema at /properties/rules/items/properties/op/type: unsupported type \"strng\"");
  }
}

}  // namespace
}  // namespace warden::policy
