#include "sidecar/mcp/batch_merge.h"

#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "sidecar/mcp/denial.h"
#include "sidecar/mcp/request_id.h"
#include "sidecar/mcp/sse.h"

namespace warden::sidecar::mcp {
namespace {

using nlohmann::json;

// The local answer of each batch position (nullptr: none); out-of-range and repeated positions are reported.
std::vector<json*> byIndex(const ParsedBody& batch, std::vector<LocalAnswer>& local,
                           std::vector<std::string>& problems) {
  std::vector<json*> answers(batch.messages.size(), nullptr);
  for (auto& answer : local) {
    if (answer.index >= answers.size() || answers[answer.index] != nullptr) {
      problems.push_back("local answer for batch position " + std::to_string(answer.index) + " ignored");
      continue;
    }
    answers[answer.index] = &answer.response;
  }
  return answers;
}

// What the upstream answered, by request id key; id-null errors apart.
struct UpstreamAnswers {
  std::unordered_map<std::string, json> byId;
  std::vector<json> general;
};

UpstreamAnswers collect(json upstream, const std::unordered_set<std::string>& forwarded,
                        std::vector<std::string>& problems) {
  UpstreamAnswers answers;
  if (upstream.is_null()) return answers;
  if (upstream.is_object()) upstream = json::array({std::move(upstream)});
  if (!upstream.is_array()) {
    problems.push_back("upstream answer is neither an object nor an array");
    return answers;
  }
  for (auto& element : upstream.get_ref<json::array_t&>()) {
    const bool isResponse = element.is_object() && element.contains("jsonrpc") &&
                            (element.contains("result") || element.contains("error"));
    if (!isResponse) {
      problems.push_back("upstream sent something that is not a response");
      continue;
    }
    const auto id = element.find("id");
    if (id == element.end() || id->is_null()) {
      if (element.contains("error")) {
        answers.general.push_back(std::move(element));
      } else {
        problems.push_back("upstream sent a result without an id");
      }
      continue;
    }
    std::string key = requestIdKey(*id);
    if (key.empty() || !forwarded.contains(key)) {
      problems.push_back("upstream answered id " + serialize(*id) + ", which was not forwarded");
      continue;
    }
    if (answers.byId.contains(key)) {
      problems.push_back("upstream answered id " + serialize(*id) + " twice");
      continue;
    }
    answers.byId.emplace(std::move(key), std::move(element));
  }
  return answers;
}

}  // namespace

MergedBatch mergeBatchResponses(const ParsedBody& batch, std::vector<LocalAnswer> local, nlohmann::json upstream) {
  MergedBatch merged;
  std::vector<json*> answers = byIndex(batch, local, merged.problems);

  // Requests without a local answer were forwarded (parseClientBody made their ids unique).
  std::unordered_set<std::string> forwarded;
  for (std::size_t i = 0; i < batch.messages.size(); ++i) {
    if (answers[i] == nullptr && batch.messages[i].kind == MessageKind::Request) {
      forwarded.insert(requestIdKey(batch.messages[i].id()));
    }
  }
  UpstreamAnswers upstreamAnswers = collect(std::move(upstream), forwarded, merged.problems);

  json body = json::array();
  for (std::size_t i = 0; i < batch.messages.size(); ++i) {
    const ClientMessage& message = batch.messages[i];
    if (answers[i] != nullptr) {
      body.push_back(std::move(*answers[i]));
    } else if (message.kind == MessageKind::Invalid) {
      body.push_back(message.invalidResponse);
    } else if (message.kind == MessageKind::Request) {
      auto it = upstreamAnswers.byId.find(requestIdKey(message.id()));
      if (it != upstreamAnswers.byId.end()) {
        body.push_back(std::move(it->second));
      } else {
        merged.problems.push_back("upstream did not answer id " + serialize(message.id()));
        body.push_back(upstreamFailureResponse(message.id(), "no answer to this request"));
      }
    }
  }
  for (auto& general : upstreamAnswers.general) body.push_back(std::move(general));

  if (body.empty()) {
    merged.httpStatus = 202;
    return merged;
  }
  merged.body = std::move(body);
  return merged;
}

std::string localAnswersAsSse(const ParsedBody& batch, const std::vector<LocalAnswer>& local) {
  std::vector<const json*> answers(batch.messages.size(), nullptr);
  for (const auto& answer : local) {
    if (answer.index < answers.size() && answers[answer.index] == nullptr) answers[answer.index] = &answer.response;
  }
  std::string out;
  SseEvent event;
  event.event = "message";
  for (std::size_t i = 0; i < batch.messages.size(); ++i) {
    const json* answer = answers[i];
    if (answer == nullptr && batch.messages[i].kind == MessageKind::Invalid) {
      answer = &batch.messages[i].invalidResponse;
    }
    if (answer == nullptr) continue;
    event.data = serializeResponse(*answer);
    out += serializeEvent(event);
  }
  return out;
}

}  // namespace warden::sidecar::mcp
