#include "sidecar/mcp/protocol_headers.h"

#include <gtest/gtest.h>

#include <string>

#include "sidecar/mcp/error_codes.h"

namespace warden::sidecar::mcp {
namespace {

using nlohmann::json;

RequestHeaders modern(std::optional<std::string> method, std::optional<std::string> name = std::nullopt) {
  RequestHeaders h;
  h.add("mcp-protocol-version", "2026-07-28");
  if (method) h.add("Mcp-Method", *method);
  if (name) h.add("MCP-NAME", *name);
  return h;
}

ParsedBody body(std::string_view text) {
  auto parsed = parseClientBody(text);
  EXPECT_TRUE(parsed.ok);
  return parsed;
}

void expectMismatch(const HeaderCheck& check, std::string_view message, const json& id = 1) {
  ASSERT_FALSE(check.ok);
  EXPECT_EQ(check.httpStatus, 400);
  EXPECT_EQ(check.errorResponse["error"]["code"], kHeaderMismatch);
  EXPECT_EQ(check.errorResponse["error"]["message"], message);
  EXPECT_EQ(check.errorResponse["id"], id);
}

TEST(ProtocolHeadersTest, Versions) {
  EXPECT_EQ(parseProtocolVersion("2025-03-26"), ProtocolVersion::V2025_03_26);
  EXPECT_EQ(parseProtocolVersion("2025-06-18"), ProtocolVersion::V2025_06_18);
  EXPECT_EQ(parseProtocolVersion("2025-11-25"), ProtocolVersion::V2025_11_25);
  EXPECT_EQ(parseProtocolVersion("2026-07-28"), ProtocolVersion::V2026_07_28);
  EXPECT_EQ(parseProtocolVersion("2024-11-05"), std::nullopt);
  EXPECT_EQ(parseProtocolVersion(" 2025-06-18"), std::nullopt);
  EXPECT_EQ(toString(ProtocolVersion::V2025_11_25), "2025-11-25");
  EXPECT_TRUE(allowsBatches(ProtocolVersion::V2025_03_26));
  EXPECT_FALSE(allowsBatches(ProtocolVersion::V2025_06_18));
}

TEST(ProtocolHeadersTest, AddMatchesNamesCaseInsensitivelyAndNoticesRepeats) {
  RequestHeaders h;
  EXPECT_TRUE(h.add("mCP-pROTOCOL-vERSION", "2025-11-25"));
  EXPECT_TRUE(h.add("accept", "application/json"));
  EXPECT_TRUE(h.add("ACCEPT", "text/event-stream"));
  EXPECT_TRUE(h.add("content-type", "application/json"));
  EXPECT_FALSE(h.add("Mcp-Session-Id", "abc"));
  EXPECT_EQ(h.protocolVersion, "2025-11-25");
  EXPECT_EQ(h.accept, "application/json, text/event-stream");
  EXPECT_TRUE(h.repeated.empty());
  EXPECT_TRUE(h.add("Content-Type", "text/plain"));
  EXPECT_EQ(h.contentType, "application/json");  // the first stays; the repeat fails the check
  EXPECT_EQ(h.repeated, std::vector<std::string>{"Content-Type"});
}

TEST(ProtocolHeadersTest, AbsentVersionMeans20250326) {
  const auto check = checkHeaders(RequestHeaders{}, body(R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])"));
  EXPECT_TRUE(check.ok);
  EXPECT_EQ(check.version, ProtocolVersion::V2025_03_26);
}

TEST(ProtocolHeadersTest, UnsupportedOrRepeatedVersionIs400) {
  RequestHeaders h;
  h.add("MCP-Protocol-Version", "2024-11-05");
  auto check = checkHeaders(h, body(R"({"jsonrpc":"2.0","id":9,"method":"ping"})"));
  ASSERT_FALSE(check.ok);
  EXPECT_EQ(check.httpStatus, 400);
  EXPECT_EQ(check.errorResponse["id"], 9);
  EXPECT_EQ(check.errorResponse["error"]["code"], kUnsupportedProtocolVersion);
  EXPECT_EQ(check.errorResponse["error"]["message"],
            "Bad Request: unsupported protocol version \"2024-11-05\" (supported versions: 2025-03-26, 2025-06-18, "
            "2025-11-25, 2026-07-28)");
  EXPECT_EQ(check.errorResponse["error"]["data"],
            json::parse(R"({"supported":["2025-03-26","2025-06-18","2025-11-25","2026-07-28"],
                            "requested":"2024-11-05"})"));

  RequestHeaders twice;
  twice.add("MCP-Protocol-Version", "2025-11-25");
  twice.add("mcp-protocol-version", "2026-07-28");
  check = checkProtocolVersion(twice);
  ASSERT_FALSE(check.ok);
  EXPECT_EQ(check.httpStatus, 400);
  EXPECT_TRUE(check.errorResponse["id"].is_null());
  EXPECT_NE(check.errorResponse["error"]["message"].get<std::string>().find("repeated"), std::string::npos);

  // Also when the body did not parse.
  EXPECT_FALSE(checkHeaders(h, parseClientBody("{")).ok);
  RequestHeaders good;
  good.add("MCP-Protocol-Version", "2025-06-18");
  const auto unparsed = checkHeaders(good, parseClientBody("{"));
  EXPECT_TRUE(unparsed.ok);
  EXPECT_EQ(unparsed.version, ProtocolVersion::V2025_06_18);
}

TEST(ProtocolHeadersTest, BatchesOnlyIn20250326) {
  const auto batch = body(R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])");
  RequestHeaders old;
  old.add("MCP-Protocol-Version", "2025-03-26");
  EXPECT_TRUE(checkHeaders(old, batch).ok);
  for (const char* version : {"2025-06-18", "2025-11-25", "2026-07-28"}) {
    SCOPED_TRACE(version);
    RequestHeaders h;
    h.add("MCP-Protocol-Version", version);
    h.add("Mcp-Method", "ping");
    const auto check = checkHeaders(h, batch);
    ASSERT_FALSE(check.ok);
    EXPECT_EQ(check.httpStatus, 400);
    EXPECT_EQ(check.errorResponse["error"]["code"], kInvalidRequest);
    EXPECT_EQ(check.errorResponse["error"]["message"],
              std::string("batching is not supported in protocol version ") + version);
    EXPECT_TRUE(check.errorResponse["id"].is_null());
    EXPECT_EQ(toString(check.version), version);
  }
}

TEST(ProtocolHeadersTest, EarlierRevisionsIgnoreMcpMethodAndName) {
  RequestHeaders h;
  h.add("MCP-Protocol-Version", "2025-11-25");
  h.add("Mcp-Method", "tools/list");
  h.add("Mcp-Name", "other");
  EXPECT_TRUE(checkHeaders(h, body(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x"}})")).ok);
}

TEST(ProtocolHeadersTest, Modern_MatchingHeadersPass) {
  EXPECT_TRUE(checkHeaders(modern("tools/call", "get_weather"),
                           body(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_weather"}})"))
                  .ok);
  EXPECT_TRUE(checkHeaders(modern("prompts/get", "greet"),
                           body(R"({"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":"greet"}})"))
                  .ok);
  EXPECT_TRUE(checkHeaders(modern("resources/read", "file:///projects/myapp/config.json"),
                           body(R"({"jsonrpc":"2.0","id":1,"method":"resources/read",
                                    "params":{"uri":"file:///projects/myapp/config.json"}})"))
                  .ok);
  EXPECT_TRUE(checkHeaders(modern("resources/subscribe", "demo://r/1"),
                           body(R"({"jsonrpc":"2.0","id":1,"method":"resources/subscribe",
                                    "params":{"uri":"demo://r/1"}})"))
                  .ok);
  EXPECT_TRUE(checkHeaders(modern("tools/list"), body(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})")).ok);
  // Base64 sentinel values are decoded before comparing.
  EXPECT_TRUE(checkHeaders(modern("tools/call", "=?base64?Y2Fmw6k=?="),
                           body(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"café"}})"))
                  .ok);
  const auto check = checkHeaders(modern("tools/list"), body(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})"));
  EXPECT_EQ(check.version, ProtocolVersion::V2026_07_28);
}

TEST(ProtocolHeadersTest, Modern_McpMethod) {
  const auto call = body(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x"}})");
  expectMismatch(checkHeaders(modern(std::nullopt, "x"), call),
                 "Header mismatch: Mcp-Method header is missing; body value \"tools/call\"");
  expectMismatch(checkHeaders(modern("tools/list", "x"), call),
                 "Header mismatch: Mcp-Method header value \"tools/list\" does not match body value \"tools/call\"");
  // Values are case-sensitive.
  expectMismatch(checkHeaders(modern("Tools/Call", "x"), call),
                 "Header mismatch: Mcp-Method header value \"Tools/Call\" does not match body value \"tools/call\"");
  expectMismatch(checkHeaders(modern("tools/call\x01", "x"), call),
                 "Header mismatch: Mcp-Method header value \"tools/call\\u0001\" holds invalid characters; body value "
                 "\"tools/call\"");
  auto twice = modern("tools/call", "x");
  twice.add("mcp-method", "tools/call");
  expectMismatch(checkHeaders(twice, call),
                 "Header mismatch: Mcp-Method header value \"tools/call\" is repeated; body value \"tools/call\"");
  // Notifications too.
  expectMismatch(checkHeaders(modern(std::nullopt), body(R"({"jsonrpc":"2.0","method":"notifications/x"})")),
                 "Header mismatch: Mcp-Method header is missing; body value \"notifications/x\"", nullptr);
  EXPECT_TRUE(checkHeaders(modern("notifications/x"), body(R"({"jsonrpc":"2.0","method":"notifications/x"})")).ok);
}

TEST(ProtocolHeadersTest, Modern_McpName) {
  const auto call = body(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"read_file"}})");
  expectMismatch(checkHeaders(modern("tools/call"), call),
                 "Header mismatch: Mcp-Name header is missing; body value \"read_file\"");
  expectMismatch(checkHeaders(modern("tools/call", "delete_file"), call),
                 "Header mismatch: Mcp-Name header value \"delete_file\" does not match body value \"read_file\"");
  expectMismatch(checkHeaders(modern("tools/call", "=?base64?ZGVsZXRlX2ZpbGU=?="), call),
                 "Header mismatch: Mcp-Name header value \"=?base64?ZGVsZXRlX2ZpbGU=?=\" does not match body value "
                 "\"read_file\"");
  expectMismatch(checkHeaders(modern("tools/call", "=?base64?cmVhZF9maWxl?"), call),
                 "Header mismatch: Mcp-Name header value \"=?base64?cmVhZF9maWxl?\" does not match body value "
                 "\"read_file\"");
  expectMismatch(checkHeaders(modern("tools/call", "=?base64?cmVhZF9maWxl=?="), call),
                 "Header mismatch: Mcp-Name header value \"=?base64?cmVhZF9maWxl=?=\" is malformed; body value "
                 "\"read_file\"");
  auto twice = modern("tools/call", "read_file");
  twice.add("Mcp-Name", "read_file");
  expectMismatch(checkHeaders(twice, call),
                 "Header mismatch: Mcp-Name header value \"read_file\" is repeated; body value \"read_file\"");

  // Absent for methods without a name, and when the body lacks the name (the proxy answers -32602 for that).
  expectMismatch(checkHeaders(modern("tools/list", "read_file"),
                              body(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})")),
                 "Header mismatch: Mcp-Name header value \"read_file\" is not expected for this method");
  expectMismatch(checkHeaders(modern("tools/call", "read_file"),
                              body(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":5}})")),
                 "Header mismatch: Mcp-Name header value \"read_file\" has no counterpart in the body");
  EXPECT_TRUE(checkHeaders(modern("tools/call"), body(R"({"jsonrpc":"2.0","id":1,"method":"tools/call"})")).ok);

  const auto check = checkHeaders(modern("tools/call", "delete_file"), call);
  EXPECT_EQ(check.errorResponse["error"]["data"],
            json::parse(R"({"header":"Mcp-Name","headerValue":"delete_file","bodyValue":"read_file"})"));
}

TEST(ProtocolHeadersTest, Modern_ResourceUrisAreCompared) {
  const auto read =
      body(R"({"jsonrpc":"2.0","id":"r","method":"resources/read","params":{"uri":"file:///etc/passwd"}})");
  expectMismatch(checkHeaders(modern("resources/read", "file:///tmp/x"), read),
                 "Header mismatch: Mcp-Name header value \"file:///tmp/x\" does not match body value "
                 "\"file:///etc/passwd\"",
                 "r");
}

TEST(ProtocolHeadersTest, Modern_ClientResponsesAreRefused) {
  const auto check = checkHeaders(modern(std::nullopt), body(R"({"jsonrpc":"2.0","id":3,"result":{}})"));
  ASSERT_FALSE(check.ok);
  EXPECT_EQ(check.httpStatus, 400);
  EXPECT_EQ(check.errorResponse["error"]["code"], kInvalidRequest);
  EXPECT_EQ(check.errorResponse["id"], 3);
  // Invalid messages are left to the proxy's -32600.
  EXPECT_TRUE(checkHeaders(modern(std::nullopt), body(R"({"jsonrpc":"2.0","id":3,"method":7})")).ok);
}

TEST(ProtocolHeadersTest, BodyProtocolVersionMustMatchTheHeader) {
  const auto meta = [](std::string_view version) {
    return body(std::string(R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{)") +
                R"("io.modelcontextprotocol/protocolVersion":)" + std::string(version) + "}}}");
  };
  EXPECT_TRUE(checkHeaders(modern("tools/list"), meta(R"("2026-07-28")")).ok);
  expectMismatch(checkHeaders(modern("tools/list"), meta(R"("2025-11-25")")),
                 "Header mismatch: MCP-Protocol-Version header value \"2026-07-28\" does not match body value "
                 "\"2025-11-25\"");
  expectMismatch(checkHeaders(modern("tools/list"), meta("5")),
                 "Header mismatch: MCP-Protocol-Version header value \"2026-07-28\" does not match body value \"5\"");
  // A body claiming the modern revision without the header would make the server read another revision.
  expectMismatch(checkHeaders(RequestHeaders{}, meta(R"("2026-07-28")")),
                 "Header mismatch: MCP-Protocol-Version header is missing (revision 2025-03-26 assumed); body value "
                 "\"2026-07-28\"");
  RequestHeaders h;
  h.add("MCP-Protocol-Version", "2025-11-25");
  EXPECT_TRUE(checkHeaders(h, meta(R"("2025-11-25")")).ok);
  EXPECT_TRUE(
      checkHeaders(h, body(R"({"jsonrpc":"2.0","id":1,"method":"x","params":{"_meta":{"progressToken":1}}})")).ok);
}

TEST(ProtocolHeadersTest, PostMediaTypes) {
  RequestHeaders h;
  h.add("Accept", "application/json, text/event-stream");
  h.add("Content-Type", "application/json; charset=utf-8");
  EXPECT_TRUE(checkPostMediaTypes(h).ok);

  RequestHeaders noAccept;
  noAccept.add("Content-Type", "application/json");
  auto check = checkPostMediaTypes(noAccept);
  ASSERT_FALSE(check.ok);
  EXPECT_EQ(check.httpStatus, 406);
  EXPECT_EQ(check.errorResponse,
            json::parse(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32000,
              "message":"Not Acceptable: Client must accept both application/json and text/event-stream"}})"));

  RequestHeaders jsonOnly;
  jsonOnly.add("Accept", "application/json");
  jsonOnly.add("Content-Type", "application/json");
  EXPECT_EQ(checkPostMediaTypes(jsonOnly).httpStatus, 406);

  RequestHeaders text;
  text.add("Accept", "application/json, text/event-stream");
  text.add("Content-Type", "text/plain");
  check = checkPostMediaTypes(text);
  ASSERT_FALSE(check.ok);
  EXPECT_EQ(check.httpStatus, 415);
  EXPECT_EQ(check.errorResponse["error"]["message"], "Unsupported Media Type: Content-Type must be application/json");

  RequestHeaders noType;
  noType.add("Accept", "application/json, text/event-stream");
  EXPECT_EQ(checkPostMediaTypes(noType).httpStatus, 415);
  RequestHeaders twoTypes = h;
  twoTypes.add("content-type", "application/json");
  EXPECT_EQ(checkPostMediaTypes(twoTypes).httpStatus, 415);
}

}  // namespace
}  // namespace warden::sidecar::mcp
