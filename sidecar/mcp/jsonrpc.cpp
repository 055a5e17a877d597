#include "sidecar/mcp/jsonrpc.h"

#include <unordered_set>
#include <utility>

#include "policy/quote.h"
#include "policy/strict_json.h"
#include "sidecar/mcp/error_codes.h"
#include "sidecar/mcp/request_id.h"

namespace warden::sidecar::mcp {
namespace {

using nlohmann::json;

const json& nullJson() {
  static const json kNull;
  return kNull;
}

json invalid(const json& id, std::string_view why) {
  return makeError(id, kInvalidRequest, "Invalid Request: " + std::string(why));
}

bool allowedMember(std::string_view key, MessageKind kind) {
  if (key == "jsonrpc") return true;
  switch (kind) {
    case MessageKind::Request:
      return key == "id" || key == "method" || key == "params";
    case MessageKind::Notification:
      return key == "method" || key == "params";
    case MessageKind::Result:
      return key == "id" || key == "result";
    case MessageKind::Error:
      return key == "id" || key == "error";
    case MessageKind::Invalid:
      break;
  }
  return false;
}

// The shape a message claims by its members; the checks below confirm it. Empty `why` on success.
MessageKind classify(const json& m, std::string& why) {
  if (!m.is_object()) {
    why = "a message must be a JSON object";
    return MessageKind::Invalid;
  }
  const auto version = m.find("jsonrpc");
  if (version == m.end() || !version->is_string() || version->get_ref<const std::string&>() != "2.0") {
    why = "jsonrpc must be \"2.0\"";
    return MessageKind::Invalid;
  }
  const auto id = m.find("id");
  const auto method = m.find("method");
  const bool hasResult = m.contains("result");
  const bool hasError = m.contains("error");

  MessageKind kind;
  if (method != m.end()) {
    if (!method->is_string()) {
      why = "method must be a string";
      return MessageKind::Invalid;
    }
    kind = id == m.end() ? MessageKind::Notification : MessageKind::Request;
    if (const auto params = m.find("params"); params != m.end() && !params->is_object()) {
      why = "params must be an object";
      return MessageKind::Invalid;
    }
  } else if (hasResult && hasError) {
    why = "a response has either a result or an error";
    return MessageKind::Invalid;
  } else if (hasResult) {
    kind = MessageKind::Result;
    if (!m.find("result")->is_object()) {
      why = "result must be an object";
      return MessageKind::Invalid;
    }
  } else if (hasError) {
    kind = MessageKind::Error;
    const json& error = *m.find("error");
    const auto code = error.find("code");  // end() when error is not an object
    const auto message = error.find("message");
    if (code == error.end() || !isIntegral(*code) || message == error.end() || !message->is_string()) {
      why = "error must be an object with an integer code and a string message";
      return MessageKind::Invalid;
    }
  } else {
    why = "a message needs a method, a result or an error";
    return MessageKind::Invalid;
  }

  if (kind != MessageKind::Notification) {
    if (id == m.end()) {
      why = "a response needs an id";
      return MessageKind::Invalid;
    }
    if (!isValidId(*id)) {
      why = "id must be a string or an integer";
      return MessageKind::Invalid;
    }
  }
  for (const auto& [key, value] : m.items()) {
    if (!allowedMember(key, kind)) {
      why = "unexpected member " + policy::quoteForMessage(key, 64);
      return MessageKind::Invalid;
    }
  }
  return kind;
}

ClientMessage classifyMessage(json&& element) {
  ClientMessage msg;
  msg.json = std::move(element);
  std::string why;
  msg.kind = classify(msg.json, why);
  if (msg.kind == MessageKind::Invalid) {
    const json* id = nullptr;
    if (msg.json.is_object()) {
      if (auto it = msg.json.find("id"); it != msg.json.end() && isValidId(*it)) id = &*it;
    }
    msg.invalidResponse = invalid(id ? *id : nullJson(), why);
  }
  return msg;
}

// Requests whose id an earlier request of the batch already used become Invalid (the answers would be ambiguous).
void rejectDuplicateIds(std::vector<ClientMessage>& messages) {
  std::unordered_set<std::string> seen;
  for (auto& msg : messages) {
    if (msg.kind != MessageKind::Request) continue;
    if (!seen.insert(requestIdKey(msg.id())).second) {
      msg.invalidResponse = invalid(msg.id(), "id " + serialize(msg.id()) + " is used twice in the batch");
      msg.kind = MessageKind::Invalid;
    }
  }
}

std::string serializeKey(const std::string& key) { return serialize(json(key)); }

// A content block as MCP servers write it: its type first ({"type":"text","text":...}), then the other members.
std::string serializeContentBlock(const json& block) {
  const auto type = block.find("type");  // end() when block is not an object
  if (type == block.end()) return serialize(block);
  std::string out = "{\"type\":" + serialize(*type);
  for (auto it = block.begin(); it != block.end(); ++it) {
    if (it.key() == "type") continue;
    out += ',' + serializeKey(it.key()) + ':' + serialize(*it);
  }
  out += '}';
  return out;
}

std::string serializeResult(const json& result) {
  if (!result.is_object()) return serialize(result);
  std::string out = "{";
  for (auto it = result.begin(); it != result.end(); ++it) {
    if (it != result.begin()) out += ',';
    out += serializeKey(it.key()) + ':';
    if (it.key() != "content" || !it->is_array()) {
      out += serialize(*it);
      continue;
    }
    out += '[';
    for (std::size_t i = 0; i < it->size(); ++i) {
      if (i > 0) out += ',';
      out += serializeContentBlock((*it)[i]);
    }
    out += ']';
  }
  out += '}';
  return out;
}

}  // namespace

const char* toString(MessageKind kind) {
  switch (kind) {
    case MessageKind::Request:
      return "request";
    case MessageKind::Notification:
      return "notification";
    case MessageKind::Result:
      return "result";
    case MessageKind::Error:
      return "error";
    case MessageKind::Invalid:
      return "invalid";
  }
  return "invalid";
}

std::string_view ClientMessage::method() const {
  if (kind != MessageKind::Request && kind != MessageKind::Notification) return {};
  const auto it = json.find("method");
  return it != json.end() && it->is_string() ? std::string_view(it->get_ref<const std::string&>()) : std::string_view();
}

const nlohmann::json& ClientMessage::id() const {
  const nlohmann::json& holder = kind == MessageKind::Invalid ? invalidResponse : json;
  if (kind == MessageKind::Notification || !holder.is_object()) return nullJson();
  const auto it = holder.find("id");
  return it != holder.end() ? *it : nullJson();
}

const nlohmann::json* ClientMessage::params() const {
  if (!json.is_object()) return nullptr;
  const auto it = json.find("params");
  return it != json.end() ? &*it : nullptr;
}

ParsedBody parseClientBody(std::string_view body, const ParseLimits& limits) {
  ParsedBody out;
  policy::JsonParseLimits jsonLimits;
  jsonLimits.maxDepth = limits.maxDepth;
  auto parsed = policy::parseStrictJson(body, jsonLimits);
  if (!parsed.ok()) {
    out.errorResponse = makeError(nullptr, kParseError, "Parse error: " + parsed.error);
    return out;
  }
  if (!parsed.value.is_array()) {
    out.messages.push_back(classifyMessage(std::move(parsed.value)));
    out.ok = true;
    return out;
  }
  auto& elements = parsed.value.get_ref<json::array_t&>();
  if (elements.empty()) {
    out.errorResponse = invalid(nullptr, "empty batch");
    return out;
  }
  if (elements.size() > limits.maxBatch) {
    out.errorResponse = invalid(nullptr, "a batch of " + std::to_string(elements.size()) +
                                             " messages exceeds the limit of " + std::to_string(limits.maxBatch));
    return out;
  }
  out.batch = true;
  out.messages.reserve(elements.size());
  for (auto& element : elements) out.messages.push_back(classifyMessage(std::move(element)));
  rejectDuplicateIds(out.messages);
  out.ok = true;
  return out;
}

std::string serialize(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string serializeResponse(const nlohmann::json& response) {
  if (!response.is_object() || response.size() != 3 || !response.contains("jsonrpc") || !response.contains("id")) {
    return serialize(response);
  }
  const json& id = *response.find("id");
  if (const auto result = response.find("result"); result != response.end()) {
    return "{\"result\":" + serializeResult(*result) + ",\"jsonrpc\":" + serialize(*response.find("jsonrpc")) +
           ",\"id\":" + serialize(id) + "}";
  }
  const auto error = response.find("error");
  if (error == response.end() || !error->is_object()) return serialize(response);
  const auto code = error->find("code");
  const auto message = error->find("message");
  const auto data = error->find("data");
  const std::size_t members = 2 + (data != error->end() ? 1 : 0);
  if (code == error->end() || message == error->end() || error->size() != members) return serialize(response);
  std::string out = "{\"jsonrpc\":" + serialize(*response.find("jsonrpc")) + ",\"id\":" + serialize(id) +
                    ",\"error\":{\"code\":" + serialize(*code) + ",\"message\":" + serialize(*message);
  if (data != error->end()) out += ",\"data\":" + serialize(*data);
  out += "}}";
  return out;
}

std::string serializeForUpstream(const ParsedBody& body, std::span<const std::size_t> indices) {
  if (!body.batch && indices.size() == 1 && indices.front() < body.messages.size()) {
    return serialize(body.messages[indices.front()].json);
  }
  std::string out = "[";
  bool first = true;
  for (auto i : indices) {
    if (i >= body.messages.size()) continue;
    if (!first) out += ',';
    first = false;
    out += serialize(body.messages[i].json);
  }
  out += ']';
  return out;
}

nlohmann::json makeError(const nlohmann::json& id, int code, std::string message, nlohmann::json data) {
  json error = {{"code", code}, {"message", std::move(message)}};
  if (!data.is_null()) error["data"] = std::move(data);
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(error)}};
}

nlohmann::json makeResult(const nlohmann::json& id, nlohmann::json result) {
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

}  // namespace warden::sidecar::mcp
