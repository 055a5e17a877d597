#include "bench/load/mcp_echo_upstream/echo_answer.h"

#include <nlohmann/json.hpp>

namespace warden::bench {
namespace {

using nlohmann::json;

EchoReply message(unsigned status, const json& payload, AnswerForm form) {
  if (form == AnswerForm::Sse) return {status, "text/event-stream", "event: message\ndata: " + payload.dump() + "\n\n", ""};
  return {status, "application/json", payload.dump(), ""};
}

json error(const json& id, int code, std::string_view text) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", text}}}};
}

json result(const json& id, json value) { return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(value)}}; }

json echoTool() {
  return {{"name", "echo"},
          {"description", "Echoes back the input"},
          {"inputSchema",
           {{"type", "object"},
            {"properties", {{"message", {{"type", "string"}, {"description", "Message to echo"}}}}},
            {"required", {"message"}}}}};
}

json callTool(const json& id, const json& params) {
  const auto name = params.find("name");
  if (name == params.end() || *name != "echo") {
    return result(id, {{"content", {{{"type", "text"}, {"text", "Unknown tool"}}}}, {"isError", true}});
  }
  const auto arguments = params.find("arguments");
  if (arguments == params.end() || !arguments->is_object() || !arguments->contains("message") ||
      !(*arguments)["message"].is_string()) {
    return error(id, -32602, "echo needs a string argument 'message'");
  }
  return result(id, {{"content", {{{"type", "text"},
                                   {"text", "Echo: " + (*arguments)["message"].get_ref<const std::string&>()}}}}});
}

}  // namespace

AnswerForm chooseForm(AnswerForm configured, std::string_view accept) {
  const bool json = accept.find("application/json") != std::string_view::npos;
  const bool sse = accept.find("text/event-stream") != std::string_view::npos;
  if (configured == AnswerForm::Json && !json && sse) return AnswerForm::Sse;
  if (configured == AnswerForm::Sse && !sse && json) return AnswerForm::Json;
  return configured;
}

EchoReply answerPost(std::string_view body, std::string_view sessionHeader, AnswerForm form, SessionTable& sessions) {
  const json request = json::parse(body, nullptr, false);
  if (request.is_discarded()) return message(400, error(nullptr, -32700, "Parse error"), AnswerForm::Json);
  if (!request.is_object() || !request.contains("method") || !request["method"].is_string()) {
    return message(400, error(nullptr, -32600, "Invalid Request (batches are not supported)"), AnswerForm::Json);
  }
  const std::string& method = request["method"].get_ref<const std::string&>();
  const bool isRequest = request.contains("id");
  const json id = isRequest ? request["id"] : json(nullptr);
  const json params = request.value("params", json::object());

  if (method == "initialize") {
    EchoReply reply = message(200,
                              result(id, {{"protocolVersion", params.value("protocolVersion", "2025-06-18")},
                                          {"capabilities", {{"tools", json::object()}}},
                                          {"serverInfo", {{"name", "mcp-echo-upstream"}, {"version", "1.0.0"}}}}),
                              form);
    reply.newSessionId = sessions.open();
    return reply;
  }
  if (sessionHeader.empty()) return message(400, error(id, -32000, "Bad Request: Mcp-Session-Id required"), AnswerForm::Json);
  if (!sessions.contains(sessionHeader)) return message(404, error(id, -32001, "Session not found"), AnswerForm::Json);
  if (!isRequest) return {202, "", "", ""};
  if (method == "ping") return message(200, result(id, json::object()), form);
  if (method == "tools/list") return message(200, result(id, {{"tools", {echoTool()}}}), form);
  if (method == "tools/call") return message(200, callTool(id, params), form);
  return message(200, error(id, -32601, "Method not found"), form);
}

}  // namespace warden::bench
