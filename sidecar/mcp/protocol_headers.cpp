#include "sidecar/mcp/protocol_headers.h"

#include <array>
#include <cstddef>
#include <utility>

#include "policy/mcp_method.h"
#include "policy/quote.h"
#include "sidecar/mcp/error_codes.h"
#include "sidecar/mcp/header_value.h"
#include "sidecar/mcp/media_type.h"

namespace warden::sidecar::mcp {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 4> kVersions{"2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"};

constexpr std::string_view kProtocolVersionHeader = "MCP-Protocol-Version";
constexpr std::string_view kMethodHeader = "Mcp-Method";
constexpr std::string_view kNameHeader = "Mcp-Name";
constexpr std::string_view kContentTypeHeader = "Content-Type";
constexpr const char* kMetaVersionKey = "io.modelcontextprotocol/protocolVersion";

// The SDK's server uses -32000 for its transport-level refusals.
constexpr int kTransportError = -32000;

HeaderCheck failure(int status, json response) {
  HeaderCheck check;
  check.ok = false;
  check.httpStatus = status;
  check.errorResponse = std::move(response);
  return check;
}

bool isRepeated(const RequestHeaders& headers, std::string_view name) {
  for (const auto& r : headers.repeated) {
    if (r == name) return true;
  }
  return false;
}

json optionalString(const std::optional<std::string>& value) { return value ? json(*value) : json(nullptr); }

HeaderCheck mismatch(const json& id, std::string_view header, const std::optional<std::string>& headerValue,
                     const std::optional<std::string>& bodyValue, std::string_view problem) {
  std::string message = "Header mismatch: " + std::string(header) + " header ";
  if (headerValue) message += "value " + policy::quoteForMessage(*headerValue) + " ";
  message += problem;
  if (bodyValue) {
    message += problem == "does not match" ? " body value " : "; body value ";
    message += policy::quoteForMessage(*bodyValue);
  }
  json data = {{"header", header}, {"headerValue", optionalString(headerValue)},
               {"bodyValue", optionalString(bodyValue)}};
  return failure(400, makeError(id, kHeaderMismatch, std::move(message), std::move(data)));
}

const json& nullId() {
  static const json kNull;
  return kNull;
}

// The id to answer a whole-body failure with: the request's for a single request, else null.
const json& answerId(const ParsedBody& body) {
  if (body.ok && !body.batch && body.messages.size() == 1 && body.messages.front().kind == MessageKind::Request) {
    return body.messages.front().id();
  }
  return nullId();
}

// The id to answer a failure about one message with.
const json& answerId(const ClientMessage& message) {
  return message.kind == MessageKind::Request ? message.id() : nullId();
}

// The body value Mcp-Name mirrors: params.name or params.uri of a gated method; nullopt when the method has none or
// the body lacks that string (callTargetOf refuses such a body with -32602).
std::optional<std::string> nameInBody(const ClientMessage& message, bool& methodHasName) {
  const auto kind = policy::classifyMethod(message.method());
  methodHasName = kind == policy::MethodClass::Tool || kind == policy::MethodClass::Prompt ||
                  kind == policy::MethodClass::Resource;
  if (!methodHasName) return std::nullopt;
  const json* params = message.params();
  if (params == nullptr) return std::nullopt;
  const auto it = params->find(kind == policy::MethodClass::Resource ? "uri" : "name");
  if (it == params->end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

HeaderCheck checkMetaVersion(const ParsedBody& body, const RequestHeaders& headers, ProtocolVersion version) {
  for (const auto& message : body.messages) {
    if (message.kind != MessageKind::Request && message.kind != MessageKind::Notification) continue;
    const json* params = message.params();
    if (params == nullptr) continue;
    const auto meta = params->find("_meta");
    if (meta == params->end() || !meta->is_object()) continue;
    const auto value = meta->find(kMetaVersionKey);
    if (value == meta->end()) continue;
    if (value->is_string() && value->get_ref<const std::string&>() == toString(version)) continue;
    const std::string bodyValue = value->is_string() ? value->get<std::string>() : serialize(*value);
    const json& id = answerId(message);
    if (!headers.protocolVersion) {
      return mismatch(id, kProtocolVersionHeader, std::nullopt, bodyValue, "is missing (revision 2025-03-26 assumed)");
    }
    return mismatch(id, kProtocolVersionHeader, headers.protocolVersion, bodyValue, "does not match");
  }
  return {};
}

HeaderCheck checkRequestMetadata(const RequestHeaders& headers, const ClientMessage& message) {
  const json& id = answerId(message);
  const std::string method(message.method());

  if (isRepeated(headers, kMethodHeader)) return mismatch(id, kMethodHeader, headers.method, method, "is repeated");
  if (!headers.method) return mismatch(id, kMethodHeader, std::nullopt, method, "is missing");
  if (!isPlainHeaderValue(*headers.method)) {
    return mismatch(id, kMethodHeader, headers.method, method, "holds invalid characters");
  }
  if (*headers.method != method) return mismatch(id, kMethodHeader, headers.method, method, "does not match");

  bool methodHasName = false;
  const std::optional<std::string> name = nameInBody(message, methodHasName);
  if (isRepeated(headers, kNameHeader)) return mismatch(id, kNameHeader, headers.name, name, "is repeated");
  if (!name) {
    if (!headers.name) return {};
    return mismatch(id, kNameHeader, headers.name, std::nullopt,
                    methodHasName ? "has no counterpart in the body" : "is not expected for this method");
  }
  if (!headers.name) return mismatch(id, kNameHeader, std::nullopt, name, "is missing");
  const auto decoded = decodeHeaderValue(*headers.name);
  if (!decoded) return mismatch(id, kNameHeader, headers.name, name, "is malformed");
  if (*decoded != *name) return mismatch(id, kNameHeader, headers.name, name, "does not match");
  return {};
}

}  // namespace

std::optional<ProtocolVersion> parseProtocolVersion(std::string_view text) {
  for (std::size_t i = 0; i < kVersions.size(); ++i) {
    if (text == kVersions[i]) return static_cast<ProtocolVersion>(i);
  }
  return std::nullopt;
}

std::string_view toString(ProtocolVersion version) {
  const auto i = static_cast<std::size_t>(version);
  return i < kVersions.size() ? kVersions[i] : std::string_view("unknown");
}

bool allowsBatches(ProtocolVersion version) { return version == ProtocolVersion::V2025_03_26; }

bool RequestHeaders::add(std::string_view headerName, std::string_view value) {
  auto record = [&](std::optional<std::string>& slot, std::string_view canonical) {
    if (slot) {
      repeated.emplace_back(canonical);
    } else {
      slot.emplace(value);
    }
    return true;
  };
  if (equalsIgnoreAsciiCase(headerName, kProtocolVersionHeader)) return record(protocolVersion, kProtocolVersionHeader);
  if (equalsIgnoreAsciiCase(headerName, kMethodHeader)) return record(method, kMethodHeader);
  if (equalsIgnoreAsciiCase(headerName, kNameHeader)) return record(name, kNameHeader);
  if (equalsIgnoreAsciiCase(headerName, kContentTypeHeader)) return record(contentType, kContentTypeHeader);
  if (equalsIgnoreAsciiCase(headerName, "Accept")) {
    if (accept) {
      *accept += ", ";
      *accept += value;
    } else {
      accept.emplace(value);
    }
    return true;
  }
  return false;
}

HeaderCheck checkPostMediaTypes(const RequestHeaders& headers) {
  if (!headers.accept || !acceptsJsonAndEventStream(*headers.accept)) {
    return failure(406, makeError(nullptr, kTransportError,
                                  "Not Acceptable: Client must accept both application/json and text/event-stream"));
  }
  if (!headers.contentType || isRepeated(headers, kContentTypeHeader) || !isJsonContentType(*headers.contentType)) {
    return failure(415, makeError(nullptr, kTransportError,
                                  "Unsupported Media Type: Content-Type must be application/json"));
  }
  return {};
}

HeaderCheck checkProtocolVersion(const RequestHeaders& headers) {
  HeaderCheck check;
  if (!headers.protocolVersion) return check;  // the specification: assume 2025-03-26
  const auto version = parseProtocolVersion(*headers.protocolVersion);
  if (version && !isRepeated(headers, kProtocolVersionHeader)) {
    check.version = *version;
    return check;
  }
  std::string supported;
  for (auto v : kVersions) {
    if (!supported.empty()) supported += ", ";
    supported += v;
  }
  const std::string problem = version ? "repeated" : "unsupported";
  json data = {{"supported", kVersions}, {"requested", *headers.protocolVersion}};
  return failure(400, makeError(nullptr, kUnsupportedProtocolVersion,
                                "Bad Request: " + problem + " protocol version " +
                                    policy::quoteForMessage(*headers.protocolVersion) + " (supported versions: " +
                                    supported + ")",
                                std::move(data)));
}

HeaderCheck checkHeaders(const RequestHeaders& headers, const ParsedBody& body) {
  HeaderCheck check = checkProtocolVersion(headers);
  if (!check.ok) {
    check.errorResponse["id"] = answerId(body);
    return check;
  }
  if (!body.ok) return check;
  const ProtocolVersion version = check.version;

  if (body.batch && !allowsBatches(version)) {
    auto failed = failure(400, makeError(nullptr, kInvalidRequest,
                                         "batching is not supported in protocol version " +
                                             std::string(toString(version))));
    failed.version = version;
    return failed;
  }
  if (auto meta = checkMetaVersion(body, headers, version); !meta.ok) {
    meta.version = version;
    return meta;
  }
  if (version == ProtocolVersion::V2026_07_28 && body.messages.size() == 1) {
    const ClientMessage& message = body.messages.front();
    if (message.kind == MessageKind::Result || message.kind == MessageKind::Error) {
      auto failed = failure(400, makeError(message.id(), kInvalidRequest,
                                           "Invalid Request: protocol version 2026-07-28 does not accept JSON-RPC "
                                           "responses from clients"));
      failed.version = version;
      return failed;
    }
    if (message.kind != MessageKind::Invalid) {
      auto metadata = checkRequestMetadata(headers, message);
      metadata.version = version;
      return metadata;
    }
  }
  return check;
}

}  // namespace warden::sidecar::mcp
