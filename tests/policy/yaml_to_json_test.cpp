#include "policy/yaml_to_json.h"

#include <cstdint>
#include <limits>
#include <string>

#include <gtest/gtest.h>

namespace warden::policy {
namespace {

using nlohmann::json;

// The single document of `text`; fails the test on errors or another number of documents.
json one(const std::string& text) {
  FieldErrors errors;
  auto docs = yamlToJson(text, errors);
  EXPECT_TRUE(errors.empty()) << formatErrors(errors) << "for: " << text;
  EXPECT_EQ(docs.size(), 1u) << text;
  return docs.empty() ? json() : docs.front().value;
}

// The value of key `v` in `v: <scalar>`.
json scalar(const std::string& yamlScalar) { return one("v: " + yamlScalar + "\n")["v"]; }

// The only error of `text`, which must yield no document.
FieldError onlyError(const std::string& text) {
  FieldErrors errors;
  const auto docs = yamlToJson(text, errors);
  EXPECT_TRUE(docs.empty()) << text;
  EXPECT_EQ(errors.size(), 1u) << formatErrors(errors);
  return errors.empty() ? FieldError{} : errors.front();
}

TEST(YamlToJsonTest, ReadsMappingsSequencesAndNesting) {
  const json v = one(R"(
apiVersion: mcpwarden.io/v1alpha1
kind: ToolPolicy
metadata:
  name: allow-read
spec:
  rules:
    - name: read
      tools: [read_file, "list_*"]
      when:
        - {arg: path, op: PathUnder, values: [/workspace/]}
)");
  EXPECT_EQ(v,
            json::parse(R"({"apiVersion":"mcpwarden.io/v1alpha1","kind":"ToolPolicy","metadata":{"name":"allow-read"},
    "spec":{"rules":[{"name":"read","tools":["read_file","list_*"],
    "when":[{"arg":"path","op":"PathUnder","values":["/workspace/"]}]}]}})"));
}

TEST(YamlToJsonTest, MultiDocumentStreamWithStartLines) {
  FieldErrors errors;
  const auto docs = yamlToJson("a: 1\n---\nb: 2\n---\n\n# comment\nc: 3\n...\n---\n- x\n", errors);
  ASSERT_TRUE(errors.empty()) << formatErrors(errors);
  ASSERT_EQ(docs.size(), 4u);
  EXPECT_EQ(docs[0].value, json({{"a", 1}}));
  EXPECT_EQ(docs[0].line, 1);
  EXPECT_EQ(docs[1].value, json({{"b", 2}}));
  EXPECT_EQ(docs[1].line, 3);
  EXPECT_EQ(docs[2].value, json({{"c", 3}}));
  EXPECT_EQ(docs[2].line, 7);
  EXPECT_EQ(docs[3].value, json::array({"x"}));
  EXPECT_EQ(docs[3].line, 10);
}

TEST(YamlToJsonTest, SkipsEmptyAndCommentOnlyDocuments) {
  FieldErrors errors;
  EXPECT_TRUE(yamlToJson("", errors).empty());
  EXPECT_TRUE(yamlToJson("# only a comment\n   \n# another\n", errors).empty());
  EXPECT_TRUE(yamlToJson("---\n", errors).empty());
  EXPECT_TRUE(yamlToJson("--- ~\n", errors).empty());
  const auto docs = yamlToJson("---\n# nothing here\n---\n---\nkind: A\n---\n# trailing\n", errors);
  EXPECT_TRUE(errors.empty()) << formatErrors(errors);
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].value, json({{"kind", "A"}}));
  EXPECT_EQ(docs[0].line, 5);
}

TEST(YamlToJsonTest, ScalarDocumentsAreKept) {
  FieldErrors errors;
  const auto docs = yamlToJson("--- 42\n--- text\n--- false\n", errors);
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(docs[0].value, json(42));
  EXPECT_EQ(docs[1].value, json("text"));
  EXPECT_EQ(docs[2].value, json(false));
}

TEST(YamlToJsonTest, AnchorsAndAliasesAreExpanded) {
  const json v = one(R"(
base: &base
  effect: Allow
  tools: &tools [a, b]
first: *base
second:
  rule: *base
  tools: *tools
scalar: &s hello
again: *s
)");
  EXPECT_EQ(v["first"], json({{"effect", "Allow"}, {"tools", {"a", "b"}}}));
  EXPECT_EQ(v["second"]["rule"], v["base"]);
  EXPECT_EQ(v["second"]["tools"], json({"a", "b"}));
  EXPECT_EQ(v["again"], "hello");
}

TEST(YamlToJsonTest, ExpandedAliasesAreIndependentCopies) {
  json v = one("a: &x {k: 1}\nb: *x\n");
  v["a"]["k"] = 2;
  EXPECT_EQ(v["b"]["k"], 1);
}

TEST(YamlToJsonTest, RedefinedAnchorRefersToTheLatestDefinition) {
  EXPECT_EQ(one("a: &x 1\nb: *x\nc: &x 2\nd: *x\n"), json({{"a", 1}, {"b", 1}, {"c", 2}, {"d", 2}}));
}

TEST(YamlToJsonTest, AliasedScalarsAsKeys) {
  EXPECT_EQ(one("names: [&k name]\nmap: {*k : v}\n")["map"], json({{"name", "v"}}));
}

TEST(YamlToJsonTest, AnchorsDoNotCrossDocuments) {
  FieldErrors errors;
  const auto docs = yamlToJson("a: &x 1\n---\nb: *x\n", errors);
  EXPECT_EQ(docs.size(), 1u);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message, "the referenced anchor is not defined");
  EXPECT_EQ(errors[0].path, "line 3, column 4");
}

TEST(YamlToJsonTest, RecursiveAliasIsAnError) {
  const FieldError e = onlyError("a: &x [1, *x]\n");
  EXPECT_EQ(e.path, "line 1, column 11");
  EXPECT_EQ(e.message, "an alias must not refer to a node that contains it");
  EXPECT_EQ(onlyError("a: &x {b: *x}\n").message, "an alias must not refer to a node that contains it");
}

TEST(YamlToJsonTest, AliasBombIsRejected) {
  std::string text = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  std::string previous = "a";
  for (const char* name : {"b", "c", "d", "e", "f", "g", "h", "i"}) {
    text += std::string(name) + ": &" + name + " [";
    for (int i = 0; i < 9; ++i) text += (i ? ", *" : "*") + previous;
    text += "]\n";
    previous = name;
  }
  const FieldError e = onlyError(text);
  EXPECT_EQ(e.message, "document contains excessive aliasing");
}

TEST(YamlToJsonTest, ModerateAliasingIsAccepted) {
  // The CRD style: a few shared sub-schemas referenced a few times each.
  std::string text = "shared: &s {type: string, maxLength: 10, pattern: '^a$'}\nlist:\n";
  for (int i = 0; i < 200; ++i) text += "  - {name: n" + std::to_string(i) + ", schema: *s}\n";
  const json v = one(text);
  EXPECT_EQ(v["list"].size(), 200u);
  EXPECT_EQ(v["list"][199]["schema"]["maxLength"], 10);
}

TEST(YamlToJsonTest, NullForms) {
  for (const char* text : {"~", "null", "Null", "NULL", "", "!!null ''", "!!null null"}) {
    EXPECT_TRUE(scalar(text).is_null()) << text;
  }
  EXPECT_EQ(one("a:\nb: 1\n"), json::parse(R"({"a":null,"b":1})"));
  EXPECT_EQ(one("- \n- ~\n"), json::parse("[null,null]"));
  for (const char* text : {"nULL", "nil", "None", "'null'", "\"~\"", "!!str null"}) {
    EXPECT_TRUE(scalar(text).is_string()) << text;
  }
}

TEST(YamlToJsonTest, BooleansAsGoYamlV2ReadsThem) {
  for (const char* text : {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"}) {
    EXPECT_EQ(scalar(text), json(true)) << text;
  }
  for (const char* text : {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"}) {
    EXPECT_EQ(scalar(text), json(false)) << text;
  }
  for (const char* text : {"tRue", "yES", "oN", "nO", "t", "f", "'yes'", "\"off\"", "!!str on", "! true"}) {
    EXPECT_TRUE(scalar(text).is_string()) << text;
  }
  EXPECT_EQ(scalar("'yes'"), json("yes"));
}

TEST(YamlToJsonTest, DecimalIntegers) {
  EXPECT_EQ(scalar("0"), json(0));
  EXPECT_EQ(scalar("42"), json(42));
  EXPECT_EQ(scalar("-17"), json(-17));
  EXPECT_EQ(scalar("+17"), json(17));
  EXPECT_EQ(scalar("-0"), json(0));
  EXPECT_EQ(scalar("1_000_000"), json(1000000));
  EXPECT_EQ(scalar("1__0"), json(10));
  EXPECT_TRUE(scalar("42").is_number_integer());
  EXPECT_EQ(scalar("9223372036854775807"), json(std::numeric_limits<std::int64_t>::max()));
  EXPECT_EQ(scalar("-9223372036854775808"), json(std::numeric_limits<std::int64_t>::min()));
}

TEST(YamlToJsonTest, HexOctalAndBinaryIntegers) {
  EXPECT_EQ(scalar("0x1F"), json(31));
  EXPECT_EQ(scalar("0X1f"), json(31));
  EXPECT_EQ(scalar("-0x10"), json(-16));
  EXPECT_EQ(scalar("0x_FF_FF"), json(65535));
  EXPECT_EQ(scalar("0o17"), json(15));
  EXPECT_EQ(scalar("0O17"), json(15));
  EXPECT_EQ(scalar("0755"), json(493));
  EXPECT_EQ(scalar("-012"), json(-10));
  EXPECT_EQ(scalar("00"), json(0));
  EXPECT_EQ(scalar("0b1010"), json(10));
  EXPECT_EQ(scalar("-0b11"), json(-3));
  EXPECT_EQ(scalar("0b1111_0000"), json(240));
}

TEST(YamlToJsonTest, IntegersBeyondInt64) {
  const json big = scalar("18446744073709551615");
  EXPECT_TRUE(big.is_number_unsigned());
  EXPECT_EQ(big.get<std::uint64_t>(), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(scalar("0xFFFFFFFFFFFFFFFF").get<std::uint64_t>(), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(scalar("9223372036854775808").get<std::uint64_t>(), 9223372036854775808ULL);

  FieldError e = onlyError("a: 1\nv: 18446744073709551616\n");
  EXPECT_EQ(e.path, "line 2, column 4");
  EXPECT_EQ(e.message, "integer \"18446744073709551616\" does not fit in 64 bits");
  EXPECT_EQ(onlyError("v: -9223372036854775809\n").message, "integer \"-9223372036854775809\" does not fit in 64 bits");
  EXPECT_EQ(onlyError("v: 0x1FFFFFFFFFFFFFFFF\n").message, "integer \"0x1FFFFFFFFFFFFFFFF\" does not fit in 64 bits");
  // Quoted, it is just text.
  EXPECT_EQ(scalar("'18446744073709551616'"), json("18446744073709551616"));
}

TEST(YamlToJsonTest, Floats) {
  EXPECT_EQ(scalar("1.5"), json(1.5));
  EXPECT_TRUE(scalar("1.0").is_number_float());
  EXPECT_EQ(scalar("-2.25"), json(-2.25));
  EXPECT_EQ(scalar("+0.5"), json(0.5));
  EXPECT_EQ(scalar(".5"), json(0.5));
  EXPECT_EQ(scalar("-.5"), json(-0.5));
  EXPECT_EQ(scalar("1."), json(1.0));
  EXPECT_EQ(scalar("1e3"), json(1000.0));
  EXPECT_TRUE(scalar("1e3").is_number_float());
  EXPECT_EQ(scalar("6.02E+23"), json(6.02e23));
  EXPECT_EQ(scalar("1.5e-3"), json(1.5e-3));
  EXPECT_EQ(scalar(".5e1"), json(5.0));
  EXPECT_EQ(scalar("1_000.5"), json(1000.5));
  // Not a valid octal integer, but a decimal float to go-yaml.
  EXPECT_EQ(scalar("09"), json(9.0));
  // Underflow reads as zero, like Go's ParseFloat; overflow keeps the text, like go-yaml.
  EXPECT_EQ(scalar("1e-400"), json(0.0));
  EXPECT_EQ(scalar("-1e-400").get<double>(), 0.0);
  EXPECT_EQ(scalar("1e400"), json("1e400"));
}

TEST(YamlToJsonTest, InfinityAndNanAreErrors) {
  for (const char* text : {".inf", ".Inf", ".INF", "+.inf", "-.inf", "-.INF", ".nan", ".NaN", ".NAN"}) {
    const FieldError e = onlyError(std::string("x: ") + text + "\n");
    EXPECT_EQ(e.path, "line 1, column 4");
    EXPECT_EQ(e.message, "cannot represent \"" + std::string(text) + "\" in JSON (not a finite number)");
  }
  EXPECT_EQ(onlyError("x: !!float .inf\n").message, "cannot represent \".inf\" in JSON (not a finite number)");
  EXPECT_EQ(scalar("'.inf'"), json(".inf"));
  EXPECT_EQ(scalar(".infinity"), json(".infinity"));
}

TEST(YamlToJsonTest, TextThatOnlyLooksNumericStaysString) {
  for (const char* text : {"1.2.3", "2001-12-14", "2001-12-14T21:59:43.10Z", "1:20", "0x", "0xG", "0b102", "1e", "e3",
                           "_1", "+", ".", "..5", "0x1p3", "1,000", "12abc", "v1", "- 1"}) {
    EXPECT_TRUE(scalar(std::string("'") + text + "'").is_string());
    if (std::string(text) == "- 1") continue;
    EXPECT_EQ(scalar(text), json(text)) << text;
  }
}

TEST(YamlToJsonTest, QuotedAndBlockScalarsStayStrings) {
  EXPECT_EQ(scalar("\"42\""), json("42"));
  EXPECT_EQ(scalar("'true'"), json("true"));
  EXPECT_EQ(scalar("\"\""), json(""));
  EXPECT_EQ(scalar("\"a\\tb\\u00e9\""), json("a\tb\xc3\xa9"));
  EXPECT_EQ(one("v: |\n  42\n")["v"], json("42\n"));
  EXPECT_EQ(one("v: >-\n  true\n  story\n")["v"], json("true story"));
  EXPECT_EQ(scalar("'it''s'"), json("it's"));
}

TEST(YamlToJsonTest, ExplicitCoreTags) {
  EXPECT_EQ(scalar("!!str 123"), json("123"));
  EXPECT_EQ(scalar("!!str"), json(""));
  EXPECT_EQ(scalar("!!int \"42\""), json(42));
  EXPECT_EQ(scalar("!!int 0x10"), json(16));
  EXPECT_EQ(scalar("!!float 1"), json(1.0));
  EXPECT_TRUE(scalar("!!float 1").is_number_float());
  EXPECT_EQ(scalar("!!float '2.5'"), json(2.5));
  EXPECT_EQ(scalar("!!bool yes"), json(true));
  EXPECT_EQ(scalar("!!bool \"false\""), json(false));
  EXPECT_EQ(scalar("! 12"), json("12"));
  EXPECT_EQ(one("!!map {a: !!seq [1]}\n"), json::parse(R"({"a":[1]})"));
}

TEST(YamlToJsonTest, ExplicitTagMismatchesAreErrors) {
  EXPECT_EQ(onlyError("v: !!int abc\n").message, "cannot read \"abc\" as !!int");
  EXPECT_EQ(onlyError("v: !!int 1.5\n").message, "cannot read \"1.5\" as !!int");
  EXPECT_EQ(onlyError("v: !!float abc\n").message, "cannot read \"abc\" as !!float");
  EXPECT_EQ(onlyError("v: !!bool 1\n").message, "cannot read \"1\" as !!bool");
  EXPECT_EQ(onlyError("v: !!null 0\n").message, "cannot read \"0\" as !!null");
  const FieldError unsupported = onlyError("a: 1\nv: !!binary aGVsbG8=\n");
  EXPECT_EQ(unsupported.path, "line 2, column 4");
  EXPECT_EQ(unsupported.message, "unsupported tag \"!!binary\"");
  EXPECT_EQ(onlyError("v: !custom x\n").message, "unsupported tag \"!custom\"");
  EXPECT_EQ(onlyError("v: !!timestamp 2001-12-14\n").message, "unsupported tag \"!!timestamp\"");
  EXPECT_EQ(onlyError("v: !!seq {a: 1}\n").message, "unsupported tag \"!!seq\"");
  EXPECT_EQ(onlyError("v: !!str [1]\n").message, "unsupported tag \"!!str\"");
}

TEST(YamlToJsonTest, ScalarKeysBecomeTheirText) {
  EXPECT_EQ(one("1: a\n-2: b\n0x10: c\n"), json::parse(R"({"1":"a","-2":"b","16":"c"})"));
  EXPECT_EQ(one("yes: a\noff: b\n"), json::parse(R"({"true":"a","false":"b"})"));
  EXPECT_EQ(one("1.5: a\n1.0: b\n1e6: c\n0.0001: d\n1e-5: e\n0.1: f\n123456.7: g\n"),
            json::parse(R"({"1.5":"a","1":"b","1e+06":"c","0.0001":"d","1e-05":"e","0.1":"f","123456.7":"g"})"));
  EXPECT_EQ(one("18446744073709551615: x\n"), json::parse(R"({"18446744073709551615":"x"})"));
  EXPECT_EQ(one("'1': a\n\"yes\": b\n!!str 2: c\n"), json::parse(R"({"1":"a","yes":"b","2":"c"})"));
}

TEST(YamlToJsonTest, NullAndCollectionKeysAreErrors) {
  FieldError e = onlyError("a: 1\n~: 2\n");
  EXPECT_EQ(e.path, "line 2, column 1");
  EXPECT_EQ(e.message, "a map key must not be null");
  EXPECT_EQ(onlyError("? ~\n: x\n").message, "a map key must not be null");
  EXPECT_EQ(onlyError("{: x}\n").message, "a map key must not be null");
  e = onlyError("a: 1\n? [1, 2]\n: x\n");
  EXPECT_EQ(e.path, "line 2, column 3");
  EXPECT_EQ(e.message, "a map key must be a scalar");
  EXPECT_EQ(onlyError("? {a: 1}\n: x\n").message, "a map key must be a scalar");
  EXPECT_EQ(onlyError("s: &s [1]\nm: {*s : x}\n").message, "a map key must be a scalar");
}

TEST(YamlToJsonTest, DuplicateKeysAreErrorsAtTheSecondKey) {
  FieldError e = onlyError("spec:\n  tools: [a]\n  effect: Allow\n  tools: [b]\n");
  EXPECT_EQ(e.path, "line 4, column 3");
  EXPECT_EQ(e.message, "duplicate key \"tools\"");
  EXPECT_EQ(onlyError("{a: 1, a: 1}\n").message, "duplicate key \"a\"");
  EXPECT_EQ(onlyError("- {x: 1}\n- {y: 1, y: 2}\n").path, "line 2, column 10");
}

TEST(YamlToJsonTest, DuplicateKeysAfterConversionToText) {
  EXPECT_EQ(onlyError("1: a\n\"1\": b\n").message, "duplicate key \"1\"");
  EXPECT_EQ(onlyError("yes: a\ntrue: b\n").message, "duplicate key \"true\"");
  EXPECT_EQ(onlyError("0x10: a\n16: b\n").message, "duplicate key \"16\"");
  EXPECT_EQ(onlyError("a: 1\n\"\\x61\": 2\n").message, "duplicate key \"a\"");
  EXPECT_EQ(onlyError("1.0: a\n1: b\n").message, "duplicate key \"1\"");
}

TEST(YamlToJsonTest, SameKeyInDifferentMappingsIsFine) {
  EXPECT_EQ(one("a: {name: x1}\nb: {name: y1}\nname: z1\n")["b"]["name"], "y1");
}

TEST(YamlToJsonTest, MergeKeysAreRejected) {
  const FieldError e = onlyError("base: &b {effect: Allow}\nrule:\n  <<: *b\n  name: r\n");
  EXPECT_EQ(e.path, "line 3, column 3");
  EXPECT_EQ(e.message, "merge keys (<<) are not supported");
  // As a value, or quoted, "<<" is plain text.
  EXPECT_EQ(one("a: <<\n'<<': b\n"), json::parse(R"({"a":"<<","<<":"b"})"));
}

TEST(YamlToJsonTest, SyntaxErrorsCarryTheParserMessageAndLocation) {
  FieldErrors errors;
  const auto docs = yamlToJson("a: 1\n b: 2\n", errors);
  EXPECT_TRUE(docs.empty());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "line 2, column 3");
  EXPECT_EQ(errors[0].message, "illegal map value");
  EXPECT_EQ(errors[0].toString(), "line 2, column 3: illegal map value");

  const FieldError flow = onlyError("a: [1, 2\nb: 3\n");
  EXPECT_EQ(flow.path, "line 2, column 2");
  EXPECT_EQ(flow.message, "end of sequence flow not found");
  EXPECT_EQ(onlyError("a: [a, b}\n").message, "illegal flow end");
  const FieldError inString = onlyError("a: \"x\n---\nb: 1\n");
  EXPECT_EQ(inString.path, "line 2, column 1");
  EXPECT_EQ(inString.message, "illegal document indicator in scalar");
}

TEST(YamlToJsonTest, DocumentsBeforeASyntaxErrorAreReturned) {
  FieldErrors errors;
  const auto docs = yamlToJson("a: 1\n---\nb: 2\n---\nc: [\n", errors);
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[1].value, json({{"b", 2}}));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path.rfind("line ", 0), 0u);
}

TEST(YamlToJsonTest, DocumentWithAnErrorIsDroppedAndTheOthersAreReturned) {
  FieldErrors errors;
  const auto docs = yamlToJson(R"(kind: First
---
kind: Second
rules:
  - name: a
    name: b
---
kind: Third
port: .nan
---
kind: Fourth
)",
                               errors);
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].value["kind"], "First");
  EXPECT_EQ(docs[0].line, 1);
  EXPECT_EQ(docs[1].value["kind"], "Fourth");
  EXPECT_EQ(docs[1].line, 11);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].toString(), "line 6, column 5: duplicate key \"name\"");
  EXPECT_EQ(errors[1].toString(), "line 9, column 7: cannot represent \".nan\" in JSON (not a finite number)");
}

TEST(YamlToJsonTest, ErrorsAreAppended) {
  FieldErrors errors{{"earlier", "kept"}};
  (void)yamlToJson("a: 1\na: 2\n", errors);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].path, "earlier");
}

TEST(YamlToJsonTest, InvalidUtf8IsAnError) {
  FieldError e = onlyError("a: ok\nb: \"x\xffy\"\n");
  EXPECT_EQ(e.path, "line 2, column 4");
  EXPECT_EQ(e.message, "invalid UTF-8");
  EXPECT_EQ(onlyError("k\xc3: v\n").message, "invalid UTF-8");
  EXPECT_EQ(onlyError("v: \xed\xa0\x80\n").message, "invalid UTF-8");  // an encoded surrogate
  EXPECT_EQ(scalar("caf\xc3\xa9 \xf0\x9f\x98\x80"), json("café 😀"));
}

TEST(YamlToJsonTest, ExcessiveNestingIsAnError) {
  FieldErrors errors;
  const auto docs = yamlToJson(std::string(5000, '[') + std::string(5000, ']'), errors);
  EXPECT_TRUE(docs.empty());
  ASSERT_EQ(errors.size(), 1u) << formatErrors(errors);
  EXPECT_EQ(errors[0].toString(), "line 1, column 257: nesting deeper than 256");

  std::string deep;
  for (int i = 0; i < 300; ++i) deep += "- ";
  deep += "x\n";
  errors.clear();
  EXPECT_TRUE(yamlToJson(deep, errors).empty());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message, "nesting deeper than 256");

  std::string fine;
  for (int i = 0; i < 256; ++i) fine += "- ";
  fine += "x\n";
  errors.clear();
  EXPECT_EQ(yamlToJson(fine, errors).size(), 1u) << formatErrors(errors);
}

TEST(YamlToJsonTest, NestingThroughAliasesIsBounded) {
  // Each alias adds the depth of what it names: 4 levels of 100 make 400, past the limit of 256.
  std::string text;
  std::string previous;
  for (int level = 0; level < 4; ++level) {
    const std::string name = "l" + std::to_string(level);
    text += name + ": &" + name + " " + std::string(100, '[') + (previous.empty() ? "1" : "*" + previous) +
            std::string(100, ']') + "\n";
    previous = name;
  }
  EXPECT_EQ(onlyError(text).message, "nesting deeper than 256");
}

TEST(YamlToJsonTest, WindowsLineEndingsAndByteOrderMark) {
  FieldErrors errors;
  const auto docs = yamlToJson(
      "\xef\xbb\xbf"
      "a: 1\r\nb: two\r\n",
      errors);
  ASSERT_EQ(docs.size(), 1u) << formatErrors(errors);
  EXPECT_EQ(docs[0].value, json::parse(R"({"a":1,"b":"two"})"));
}

}  // namespace
}  // namespace warden::policy
