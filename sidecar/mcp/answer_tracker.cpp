#include "sidecar/mcp/answer_tracker.h"

#include "sidecar/mcp/jsonrpc.h"
#include "sidecar/mcp/request_id.h"

namespace warden::sidecar::mcp {

using nlohmann::json;

AnswerTracker::AnswerTracker(const std::vector<json>& forwardedIds) {
  for (const auto& id : forwardedIds) {
    std::string key = requestIdKey(id);
    if (key.empty() || !outstanding_.insert(key).second) continue;
    forwarded_.emplace_back(std::move(key), id);
  }
}

bool AnswerTracker::admitOne(const json& message, std::vector<std::string>& removed) {
  const bool isResponse = message.is_object() && !message.contains("method") &&
                          (message.contains("result") || message.contains("error"));
  if (!isResponse) return true;
  const auto id = message.find("id");
  if (id == message.end() || id->is_null()) {
    if (message.contains("error")) return true;
    removed.push_back("a result without an id");
    return false;
  }
  const std::string key = requestIdKey(*id);
  if (key.empty() || outstanding_.erase(key) == 0) {
    removed.push_back("an answer to id " + serialize(*id) + ", which is not awaiting one");
    return false;
  }
  return true;
}

std::vector<std::string> AnswerTracker::admit(json& message) {
  std::vector<std::string> removed;
  if (!message.is_array()) {
    if (!admitOne(message, removed)) message = nullptr;
    return removed;
  }
  json kept = json::array();
  for (auto& element : message.get_ref<json::array_t&>()) {
    if (admitOne(element, removed)) kept.push_back(std::move(element));
  }
  message = kept.empty() ? json() : std::move(kept);
  return removed;
}

std::vector<json> AnswerTracker::unanswered() const {
  std::vector<json> out;
  for (const auto& [key, id] : forwarded_) {
    if (outstanding_.contains(key)) out.push_back(id);
  }
  return out;
}

}  // namespace warden::sidecar::mcp
