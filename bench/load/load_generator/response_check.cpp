#include "bench/load/load_generator/response_check.h"

#include <vector>

namespace warden::bench {
namespace {

bool isEventStream(std::string_view contentType) {
  return contentType.substr(0, contentType.find(';')) == "text/event-stream";
}

// The data of each event of a text/event-stream body (data lines joined with '\n'); events without data (priming
// events, comments) are skipped.
std::vector<std::string> sseEventData(std::string_view body) {
  std::vector<std::string> events;
  std::string data;
  bool hasData = false;
  auto dispatch = [&] {
    if (hasData && !data.empty()) events.push_back(data);
    data.clear();
    hasData = false;
  };
  while (!body.empty()) {
    const auto newline = body.find('\n');
    std::string_view line = body.substr(0, newline);
    body.remove_prefix(newline == std::string_view::npos ? body.size() : newline + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      dispatch();
      continue;
    }
    if (!line.starts_with("data:")) continue;
    line.remove_prefix(5);
    if (line.starts_with(' ')) line.remove_prefix(1);
    if (hasData) data.push_back('\n');
    data.append(line);
    hasData = true;
  }
  dispatch();
  return events;
}

std::optional<nlohmann::json> answerIn(nlohmann::json message, const nlohmann::json& id) {
  if (message.is_array()) {
    for (auto& element : message) {
      if (element.is_object() && element.contains("id") && element["id"] == id) return std::move(element);
    }
    return std::nullopt;
  }
  if (message.is_object() && message.contains("id") && message["id"] == id) return message;
  return std::nullopt;
}

}  // namespace

std::optional<nlohmann::json> findJsonRpcAnswer(std::string_view contentType, std::string_view body,
                                                const nlohmann::json& id, bool* unparsable) {
  *unparsable = false;
  if (!isEventStream(contentType)) {
    auto message = nlohmann::json::parse(body, nullptr, false);
    if (message.is_discarded()) {
      *unparsable = true;
      return std::nullopt;
    }
    return answerIn(std::move(message), id);
  }
  for (const auto& data : sseEventData(body)) {
    auto message = nlohmann::json::parse(data, nullptr, false);
    if (message.is_discarded()) {
      *unparsable = true;
      return std::nullopt;
    }
    if (auto answer = answerIn(std::move(message), id)) return answer;
  }
  return std::nullopt;
}

std::optional<CheckFailure> checkEchoAnswer(unsigned httpStatus, std::string_view contentType, std::string_view body,
                                            std::uint64_t id, std::string_view expectedText) {
  auto excerpt = [&] { return std::string(body.substr(0, 300)); };
  if (httpStatus != 200) return CheckFailure{"http_status", "HTTP " + std::to_string(httpStatus) + ": " + excerpt()};
  bool unparsable = false;
  const auto answer = findJsonRpcAnswer(contentType, body, nlohmann::json(id), &unparsable);
  if (unparsable) return CheckFailure{"unparsable", "the body is not JSON-RPC: " + excerpt()};
  if (!answer) return CheckFailure{"wrong_id", "no answer for id " + std::to_string(id) + ": " + excerpt()};
  if (answer->contains("error")) return CheckFailure{"jsonrpc_error", (*answer)["error"].dump()};
  const auto result = answer->find("result");
  if (result == answer->end() || !result->is_object()) return CheckFailure{"no_result", answer->dump()};
  if (const auto isError = result->find("isError"); isError != result->end() && *isError == true) {
    return CheckFailure{"tool_error", result->dump()};
  }
  const auto content = result->find("content");
  if (content == result->end() || !content->is_array() || content->empty() || !(*content)[0].is_object() ||
      !(*content)[0].contains("text") || !(*content)[0]["text"].is_string() ||
      (*content)[0]["text"].get_ref<const std::string&>() != expectedText) {
    return CheckFailure{"wrong_content", "the content does not echo the message: " + result->dump().substr(0, 300)};
  }
  return std::nullopt;
}

}  // namespace warden::bench
