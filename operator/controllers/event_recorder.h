#pragma once

// Kubernetes Events (events.k8s.io/v1) about the operator's objects, as `kubectl describe` and `kubectl events`
// show them, deduplicated in memory so repeated reconciles cause no event storms and no writes.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

#include <nlohmann/json.hpp>

#include "operator/controllers/clock.h"
#include "operator/kube/kube_client.h"

namespace warden::op {

enum class EventType { Normal, Warning };
const char* toString(EventType type);

inline constexpr const char* kReportingController = "mcpwarden.io/operator";

struct EventRecorderOptions {
  std::string reportingController = kReportingController;
  // The operator's pod name (from the downward API); empty: "mcp-warden-operator".
  std::string reportingInstance;
  // The same (regarding uid, reason, note) is not created again within this window.
  std::chrono::seconds dedupWindow{600};
  // At most this many (uid, reason, note) are remembered; beyond it the oldest is forgotten first.
  std::size_t maxRemembered = 4096;
  Clock clock = systemClock();
};

// Thread-safe: any number of reconcilers may record concurrently. The API call is made without holding the lock;
// two threads recording the same event at once create it once. Events are best effort: a failed create is
// reported to the caller and counted, never retried, and not remembered (so a later record may create it).
class EventRecorder {
 public:
  using Options = EventRecorderOptions;

  enum class Outcome {
    Created,       // the API created the Event (one write)
    Deduplicated,  // the same event was created within the window: nothing written
    Failed,        // the API refused or could not be reached (error says why)
  };
  struct Result {
    Outcome outcome = Outcome::Failed;
    std::string error;
    bool created() const { return outcome == Outcome::Created; }
  };

  EventRecorder(KubeClientPtr client, Options options);
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  // Records an event about `regarding` (the object as the API returns it; apiVersion, kind, metadata name,
  // namespace, uid and resourceVersion are referenced). `reason` is CamelCase (InvalidPolicy), `action` what the
  // operator was doing (Reconcile), `note` a sentence for humans. Reason and action are cut to 128 bytes and the
  // note to 1 KiB, the API's limits. Never throws but std::bad_alloc.
  Result record(const nlohmann::json& regarding, EventType type, std::string_view reason, std::string_view action,
                std::string_view note);

  // The Event object record() would create (without the API call), for tests and for callers that batch.
  nlohmann::json buildEvent(const nlohmann::json& regarding, EventType type, std::string_view reason,
                            std::string_view action, std::string_view note,
                            std::chrono::system_clock::time_point now, std::uint64_t sequence) const;

  std::uint64_t createdCount() const;
  std::uint64_t deduplicatedCount() const;
  std::uint64_t failedCount() const;

 private:
  using Key = std::tuple<std::string, std::string, std::string>;  // regarding uid (or kind/ns/name), reason, note

  void forgetExpiredLocked(std::chrono::system_clock::time_point now);

  KubeClientPtr client_;
  Options options_;
  mutable std::mutex mu_;
  std::map<Key, std::chrono::system_clock::time_point> recent_;  // created (or being created) at
  std::uint64_t sequence_ = 0;
  std::uint64_t created_ = 0;
  std::uint64_t deduplicated_ = 0;
  std::uint64_t failed_ = 0;
};

// The reference to an object that Events and owner references use: apiVersion, kind, name, namespace, uid,
// resourceVersion (the fields that are present).
nlohmann::json objectReference(const nlohmann::json& object);

}  // namespace warden::op
