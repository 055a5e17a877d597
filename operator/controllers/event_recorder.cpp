#include "operator/controllers/event_recorder.h"

#include <cstdio>
#include <exception>
#include <utility>

#include "operator/controllers/api_error.h"
#include "operator/controllers/json_fields.h"
#include "operator/kube/resource_type.h"

namespace warden::op {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxShortFieldBytes = 128;  // reason, action, reportingController, reportingInstance
constexpr std::size_t kMaxNoteBytes = 1024;
constexpr std::size_t kMaxNameBytes = 253;
constexpr const char* kDefaultInstance = "mcp-warden-operator";

// <regarding name>.<unix nanoseconds, hex>-<sequence, hex>, as client-go names events, with a sequence so two
// events in the same nanosecond (a frozen test clock) still get distinct names; cut to a valid length.
std::string eventName(const std::string& regardingName, std::chrono::system_clock::time_point now,
                      std::uint64_t sequence) {
  const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  char suffix[48];
  std::snprintf(suffix, sizeof suffix, ".%llx-%llx", static_cast<unsigned long long>(nanos),
                static_cast<unsigned long long>(sequence));
  std::string base = regardingName.empty() ? std::string("object") : regardingName;
  const std::size_t room = kMaxNameBytes - std::char_traits<char>::length(suffix);
  if (base.size() > room) base.resize(room);
  while (!base.empty() && (base.back() == '.' || base.back() == '-')) base.pop_back();
  if (base.empty()) base = "object";
  return base + suffix;
}

}  // namespace

const char* toString(EventType type) { return type == EventType::Warning ? "Warning" : "Normal"; }

json objectReference(const json& object) {
  json ref = json::object();
  for (const char* key : {"apiVersion", "kind"}) {
    if (const auto& v = stringField(object, key); !v.empty()) ref[key] = v;
  }
  const json& metadata = objectField(object, "metadata");
  for (const char* key : {"name", "namespace", "uid", "resourceVersion"}) {
    if (const auto& v = stringField(metadata, key); !v.empty()) ref[key] = v;
  }
  return ref;
}

EventRecorder::EventRecorder(KubeClientPtr client, Options options)
    : client_(std::move(client)), options_(std::move(options)) {
  if (!options_.clock) options_.clock = systemClock();
  if (options_.reportingInstance.empty()) options_.reportingInstance = kDefaultInstance;
  options_.reportingController = truncateUtf8(options_.reportingController, kMaxShortFieldBytes);
  options_.reportingInstance = truncateUtf8(options_.reportingInstance, kMaxShortFieldBytes);
  if (options_.maxRemembered == 0) options_.maxRemembered = 1;
}

json EventRecorder::buildEvent(const json& regarding, EventType type, std::string_view reason,
                               std::string_view action, std::string_view note,
                               std::chrono::system_clock::time_point now, std::uint64_t sequence) const {
  json ref = objectReference(regarding);
  std::string ns = stringField(ref, "namespace");
  if (ns.empty()) ns = "default";  // events about cluster-scoped objects go to the default namespace
  return {{"apiVersion", resources::events().apiVersion()},
          {"kind", resources::events().kind},
          {"metadata", {{"name", eventName(stringField(ref, "name"), now, sequence)}, {"namespace", ns}}},
          {"eventTime", formatRfc3339Micros(now)},
          {"reportingController", options_.reportingController},
          {"reportingInstance", options_.reportingInstance},
          {"action", truncateUtf8(action, kMaxShortFieldBytes)},
          {"reason", truncateUtf8(reason, kMaxShortFieldBytes)},
          {"note", truncateUtf8(note, kMaxNoteBytes)},
          {"type", toString(type)},
          {"regarding", std::move(ref)}};
}

void EventRecorder::forgetExpiredLocked(std::chrono::system_clock::time_point now) {
  for (auto it = recent_.begin(); it != recent_.end();) {
    // An entry from the future (the clock went back) is kept until the window has passed after it.
    if (now - it->second >= options_.dedupWindow) {
      it = recent_.erase(it);
    } else {
      ++it;
    }
  }
  while (recent_.size() >= options_.maxRemembered) {
    auto oldest = recent_.begin();
    for (auto it = recent_.begin(); it != recent_.end(); ++it) {
      if (it->second < oldest->second) oldest = it;
    }
    recent_.erase(oldest);
  }
}

EventRecorder::Result EventRecorder::record(const json& regarding, EventType type, std::string_view reason,
                                            std::string_view action, std::string_view note) {
  const auto now = options_.clock();
  const json& metadata = objectField(regarding, "metadata");
  std::string identity = stringField(metadata, "uid");
  if (identity.empty()) {
    identity =
        stringField(regarding, "kind") + "/" + stringField(metadata, "namespace") + "/" + stringField(metadata, "name");
  }
  Key key{std::move(identity), std::string(reason), std::string(note)};

  std::uint64_t sequence = 0;
  {
    std::lock_guard lock(mu_);
    forgetExpiredLocked(now);
    if (recent_.count(key) != 0) {
      ++deduplicated_;
      return {Outcome::Deduplicated, {}};
    }
    recent_.emplace(key, now);  // reserved: a concurrent record of the same event is deduplicated
    sequence = ++sequence_;
  }

  const json event = buildEvent(regarding, type, reason, action, note, now, sequence);
  ApiResult result;
  std::string error;
  try {
    result = client_->create(resources::events(), stringField(event.at("metadata"), "namespace"), event);
    if (!result.ok()) {
      error = describeApiFailure("creating Event " + stringField(event.at("metadata"), "name"), result);
    }
  } catch (const std::exception& e) {
    error = std::string("creating Event: ") + e.what();
  } catch (...) {
    error = "creating Event: unknown exception";
  }

  std::lock_guard lock(mu_);
  if (!error.empty()) {
    // Forget our reservation (unless it was already forgotten and another record took its place).
    if (auto it = recent_.find(key); it != recent_.end() && it->second == now) recent_.erase(it);
    ++failed_;
    return {Outcome::Failed, std::move(error)};
  }
  ++created_;
  return {Outcome::Created, {}};
}

std::uint64_t EventRecorder::createdCount() const {
  std::lock_guard lock(mu_);
  return created_;
}
std::uint64_t EventRecorder::deduplicatedCount() const {
  std::lock_guard lock(mu_);
  return deduplicated_;
}
std::uint64_t EventRecorder::failedCount() const {
  std::lock_guard lock(mu_);
  return failed_;
}

}  // namespace warden::op
