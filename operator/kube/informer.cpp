#include "operator/kube/informer.h"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <utility>

#include "operator/kube/backoff.h"
#include "sidecar/common/logging.h"

namespace warden::op {

namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

// Longer waits are capped here, far from time_point overflow.
constexpr milliseconds kLongestWait = std::chrono::hours(24 * 365 * 50);
// A watch that the server closes sooner than this without sending anything is treated as a failure.
constexpr auto kVeryShortWatch = std::chrono::seconds(1);

std::string stringAt(const json& object, const char* outer, const char* inner) {
  if (!object.is_object()) return {};
  auto o = object.find(outer);
  if (o == object.end() || !o->is_object()) return {};
  auto i = o->find(inner);
  if (i == o->end() || !i->is_string()) return {};
  return i->get<std::string>();
}

std::string resourceVersionOf(const json& object) { return stringAt(object, "metadata", "resourceVersion"); }

const char* eventTypeName(InformerEvent::Type type) {
  switch (type) {
    case InformerEvent::Type::Added: return "Added";
    case InformerEvent::Type::Updated: return "Updated";
    case InformerEvent::Type::Deleted: return "Deleted";
  }
  return "?";
}

enum class WatchOutcome {
  Stopped,  // stop() was called
  Closed,   // the server ended the watch cleanly: resume from the last version
  Failed,   // resume from the last version after a backoff delay
  Gone,     // 410: relist now
  Broken,   // an event could not be read: relist after a backoff delay
};

}  // namespace

std::string objectKey(const json& object) {
  const std::string name = stringAt(object, "metadata", "name");
  const std::string ns = stringAt(object, "metadata", "namespace");
  return ns.empty() ? name : ns + "/" + name;
}

struct Informer::State {
  State(KubeClientPtr c, ResourceType t, InformerOptions o)
      : client(std::move(c)),
        type(std::move(t)),
        options(std::move(o)),
        backoff(options.initialBackoff, options.maxBackoff, std::random_device{}()) {}

  const KubeClientPtr client;
  const ResourceType type;
  const InformerOptions options;
  std::vector<Handler> handlers;  // fixed once started

  std::mutex lifecycleMu;  // start/stop
  bool started = false;
  std::thread thread;
  std::atomic<bool> stop{false};  // also watched by the KubeClient during a watch

  mutable std::mutex mu;  // guards everything below
  mutable std::condition_variable cv;  // sync reached, stop asked
  std::map<std::string, ObjectPtr> cache;  // by objectKey
  // By index name, then index value: the keys of the cached objects listed under that value.
  std::map<std::string, std::map<std::string, std::set<std::string>>> indexes;
  bool synced = false;
  std::string lastResourceVersion;

  std::atomic<std::uint64_t> watchRestarts{0};
  std::atomic<std::uint64_t> relists{0};

  // The informer thread's own state.
  Backoff backoff;
  bool listedOnce = false;
  bool watchedOnce = false;
  steady_clock::time_point nextResync{};

  void run();
  ObjectPtr transformed(json object) const;
  void indexLocked(const std::string& key, const json& object);
  void unindexLocked(const std::string& key, const json& object);
  void reindexAllLocked();
  bool listAndReplace();
  WatchOutcome watchOnce();
  WatchOutcome applyEvent(const WatchEvent& event, std::vector<InformerEvent>& out);
  void maybeResync();
  void dispatch(const std::vector<InformerEvent>& events);
  void waitFor(milliseconds delay);
  int watchTimeoutSeconds() const;
  json logFields() const { return {{"resource", type.plural}, {"namespace", options.ns}}; }
};

void Informer::State::run() {
  bool needList = true;
  while (!stop.load()) {
    try {
      if (needList) {
        if (!listAndReplace()) {
          waitFor(backoff.next());
          continue;
        }
        backoff.reset();
        needList = false;
        if (options.resyncPeriod > milliseconds::zero() && nextResync == steady_clock::time_point{}) {
          nextResync = steady_clock::now() + options.resyncPeriod;
        }
      }
      maybeResync();
      switch (watchOnce()) {
        case WatchOutcome::Stopped:
          return;
        case WatchOutcome::Closed:
          backoff.reset();
          break;
        case WatchOutcome::Failed:
          waitFor(backoff.next());
          break;
        case WatchOutcome::Gone:
          needList = true;
          break;
        case WatchOutcome::Broken:
          needList = true;
          waitFor(backoff.next());
          break;
      }
    } catch (const std::exception& e) {
      json fields = logFields();
      fields["error"] = e.what();
      sidecar::logError("informer: unexpected error; retrying", fields);
      waitFor(backoff.next());
    } catch (...) {
      sidecar::logError("informer: unexpected non-standard exception; retrying", logFields());
      waitFor(backoff.next());
    }
  }
}

bool Informer::State::listAndReplace() {
  ListOptions listOptions;
  listOptions.labelSelector = options.labelSelector;
  json fields = logFields();
  // Page by page: each page's objects are transformed and shared as they arrive, so the full list is never held
  // as the server sent it.
  std::map<std::string, ObjectPtr> fresh;
  ApiResult result = client->listPages(type, options.ns, listOptions, [&](json& items) {
    for (json& item : items) {
      if (stringAt(item, "metadata", "name").empty()) {
        sidecar::logError("informer: list item without metadata.name ignored", fields);
        continue;
      }
      std::string key = objectKey(item);
      fresh.insert_or_assign(std::move(key), transformed(std::move(item)));
    }
    items = json();
  });
  if (stop.load()) return false;
  if (!result.ok()) {
    fields["status"] = result.status;
    fields["error"] = result.error;
    sidecar::logWarn("informer: list failed", fields);
    return false;
  }
  const std::string version = resourceVersionOf(result.body);
  if (version.empty()) {
    sidecar::logError("informer: list answer without a resourceVersion", fields);
    return false;
  }

  std::vector<InformerEvent> events;
  {
    std::lock_guard lock(mu);
    auto oldIt = cache.begin();
    auto newIt = fresh.begin();
    // Both maps are sorted by key: one merge pass finds additions, changes and removals.
    while (oldIt != cache.end() || newIt != fresh.end()) {
      if (newIt == fresh.end() || (oldIt != cache.end() && oldIt->first < newIt->first)) {
        events.push_back({InformerEvent::Type::Deleted, oldIt->second, nullptr});
        ++oldIt;
      } else if (oldIt == cache.end() || newIt->first < oldIt->first) {
        events.push_back({InformerEvent::Type::Added, newIt->second, nullptr});
        ++newIt;
      } else {
        if (*oldIt->second != *newIt->second) {
          events.push_back({InformerEvent::Type::Updated, newIt->second, oldIt->second});
        } else {
          newIt->second = oldIt->second;  // unchanged: keep sharing the object readers may hold
        }
        ++oldIt;
        ++newIt;
      }
    }
    cache = std::move(fresh);
    reindexAllLocked();
    lastResourceVersion = version;
    synced = true;
  }
  cv.notify_all();
  if (listedOnce) ++relists;
  listedOnce = true;
  fields["resourceVersion"] = version;
  fields["changes"] = events.size();
  sidecar::logDebug("informer: listed", fields);
  dispatch(events);
  return true;
}

WatchOutcome Informer::State::watchOnce() {
  if (stop.load()) return WatchOutcome::Stopped;  // e.g. stop() from a handler during the list
  WatchOptions watchOptions;
  {
    std::lock_guard lock(mu);
    watchOptions.resourceVersion = lastResourceVersion;
  }
  watchOptions.allowBookmarks = true;
  watchOptions.timeoutSeconds = watchTimeoutSeconds();
  watchOptions.labelSelector = options.labelSelector;
  if (watchedOnce) ++watchRestarts;
  watchedOnce = true;

  std::size_t received = 0;
  bool gone = false;
  bool broken = false;
  std::string eventError;
  const auto started = steady_clock::now();
  WatchResult result = client->watch(
      type, options.ns, watchOptions,
      [&](const WatchEvent& event) -> bool {
        // Never let an exception unwind through the client.
        try {
          if (stop.load()) return false;
          ++received;
          if (event.type == "ERROR") {
            const int code = event.object.is_object() ? event.object.value("code", 0) : 0;
            if (code == 410) {
              gone = true;
            } else {
              eventError = event.object.is_object() ? event.object.value("message", std::string("ERROR event"))
                                                    : std::string("ERROR event");
            }
            return false;
          }
          std::vector<InformerEvent> events;
          const WatchOutcome outcome = applyEvent(event, events);
          dispatch(events);
          if (outcome == WatchOutcome::Broken) {
            broken = true;
            return false;
          }
          maybeResync();
          return !stop.load();
        } catch (const std::exception& e) {
          eventError = std::string("handling a watch event: ") + e.what();
          broken = true;
          return false;
        } catch (...) {
          eventError = "handling a watch event: non-standard exception";
          broken = true;
          return false;
        }
      },
      stop);
  if (stop.load()) return WatchOutcome::Stopped;

  json fields = logFields();
  fields["resourceVersion"] = watchOptions.resourceVersion;
  if (gone || result.gone) {
    sidecar::logInfo("informer: resourceVersion too old (410 Gone); relisting", fields);
    return WatchOutcome::Gone;
  }
  if (broken) {
    fields["error"] = eventError;
    sidecar::logError("informer: unreadable watch event; relisting", fields);
    return WatchOutcome::Broken;
  }
  if (!eventError.empty() || !result.error.empty() || result.status < 200 || result.status >= 300) {
    fields["status"] = result.status;
    fields["error"] = eventError.empty() ? result.error : eventError;
    sidecar::logWarn("informer: watch failed", fields);
    return WatchOutcome::Failed;
  }
  if (received == 0 && steady_clock::now() - started < kVeryShortWatch) {
    sidecar::logWarn("informer: very short watch (closed at once without events)", fields);
    return WatchOutcome::Failed;
  }
  return WatchOutcome::Closed;
}

WatchOutcome Informer::State::applyEvent(const WatchEvent& event, std::vector<InformerEvent>& out) {
  const bool upsert = event.type == "ADDED" || event.type == "MODIFIED";
  const bool removal = event.type == "DELETED";
  const std::string version = resourceVersionOf(event.object);
  if (event.type == "BOOKMARK") {
    if (version.empty()) return WatchOutcome::Broken;
    std::lock_guard lock(mu);
    lastResourceVersion = version;
    return WatchOutcome::Closed;
  }
  if (!upsert && !removal) {
    json fields = logFields();
    fields["type"] = event.type;
    sidecar::logWarn("informer: unknown watch event type ignored", fields);
    return WatchOutcome::Closed;
  }
  if (stringAt(event.object, "metadata", "name").empty() || version.empty()) return WatchOutcome::Broken;
  const std::string key = objectKey(event.object);
  ObjectPtr object = transformed(event.object);
  std::lock_guard lock(mu);
  auto it = cache.find(key);
  if (upsert) {
    if (it == cache.end()) {
      cache.emplace(key, object);
      indexLocked(key, *object);
      out.push_back({InformerEvent::Type::Added, std::move(object), nullptr});
    } else {
      unindexLocked(key, *it->second);
      indexLocked(key, *object);
      out.push_back({InformerEvent::Type::Updated, object, std::move(it->second)});
      it->second = std::move(object);
    }
  } else {
    if (it != cache.end()) {
      unindexLocked(key, *it->second);
      cache.erase(it);
    }
    out.push_back({InformerEvent::Type::Deleted, std::move(object), nullptr});
  }
  lastResourceVersion = version;
  return WatchOutcome::Closed;
}

void Informer::State::maybeResync() {
  if (options.resyncPeriod <= milliseconds::zero()) return;
  const auto now = steady_clock::now();
  if (now < nextResync) return;
  nextResync = now + options.resyncPeriod;
  std::vector<InformerEvent> events;
  {
    std::lock_guard lock(mu);
    events.reserve(cache.size());
    for (const auto& [key, object] : cache) events.push_back({InformerEvent::Type::Updated, object, object});
  }
  dispatch(events);
}

ObjectPtr Informer::State::transformed(json object) const {
  if (options.transform) options.transform(object);
  return std::make_shared<const json>(std::move(object));
}

void Informer::State::indexLocked(const std::string& key, const json& object) {
  for (const auto& [name, indexFunc] : options.indexers) {
    auto& index = indexes[name];
    for (auto& value : indexFunc(object)) index[std::move(value)].insert(key);
  }
}

void Informer::State::unindexLocked(const std::string& key, const json& object) {
  for (const auto& [name, indexFunc] : options.indexers) {
    auto& index = indexes[name];
    for (const auto& value : indexFunc(object)) {
      auto it = index.find(value);
      if (it == index.end()) continue;
      it->second.erase(key);
      if (it->second.empty()) index.erase(it);
    }
  }
}

void Informer::State::reindexAllLocked() {
  indexes.clear();
  for (const auto& [key, object] : cache) indexLocked(key, *object);
}

void Informer::State::dispatch(const std::vector<InformerEvent>& events) {
  for (const InformerEvent& event : events) {
    for (const Handler& handler : handlers) {
      try {
        handler(event);
      } catch (const std::exception& e) {
        json fields = logFields();
        fields["event"] = eventTypeName(event.type);
        fields["key"] = objectKey(*event.object);
        fields["error"] = e.what();
        sidecar::logError("informer: handler failed", fields);
      } catch (...) {
        json fields = logFields();
        fields["event"] = eventTypeName(event.type);
        fields["key"] = objectKey(*event.object);
        sidecar::logError("informer: handler failed with a non-standard exception", fields);
      }
    }
  }
}

void Informer::State::waitFor(milliseconds delay) {
  std::unique_lock lock(mu);
  cv.wait_for(lock, std::min(delay, kLongestWait), [this] { return stop.load(); });
}

int Informer::State::watchTimeoutSeconds() const {
  int seconds = options.watchTimeoutSeconds;
  if (options.resyncPeriod > milliseconds::zero()) {
    const auto untilResync = std::max(nextResync - steady_clock::now(), steady_clock::duration::zero());
    // Rounded up, and at least one second: the server counts whole seconds.
    const auto whole = std::chrono::ceil<std::chrono::seconds>(untilResync).count();
    seconds = static_cast<int>(std::clamp<std::int64_t>(whole, 1, seconds));
  }
  return seconds;
}

Informer::Informer(KubeClientPtr client, ResourceType type, InformerOptions options) {
  if (!client) throw std::invalid_argument("informer: a KubeClient is required");
  if (options.initialBackoff <= milliseconds::zero() || options.maxBackoff < options.initialBackoff) {
    throw std::invalid_argument("informer: backoffs must satisfy 0 < initialBackoff <= maxBackoff");
  }
  if (options.watchTimeoutSeconds < 1) throw std::invalid_argument("informer: watchTimeoutSeconds must be >= 1");
  if (options.resyncPeriod < milliseconds::zero()) throw std::invalid_argument("informer: negative resyncPeriod");
  if (!type.namespaced && !options.ns.empty()) {
    throw std::invalid_argument("informer: a namespace was given for the cluster-scoped resource " + type.plural);
  }
  state_ = std::make_unique<State>(std::move(client), std::move(type), std::move(options));
}

Informer::~Informer() { stop(); }

void Informer::addHandler(Handler handler) {
  std::lock_guard lock(state_->lifecycleMu);
  if (state_->started) throw std::logic_error("informer: addHandler() after start()");
  state_->handlers.push_back(std::move(handler));
}

void Informer::start() {
  std::lock_guard lock(state_->lifecycleMu);
  if (state_->started) throw std::logic_error("informer: start() called twice");
  state_->started = true;
  State* state = state_.get();
  state_->thread = std::thread([state] { state->run(); });
}

void Informer::stop() {
  std::lock_guard lock(state_->lifecycleMu);
  {
    std::lock_guard stateLock(state_->mu);
    state_->stop.store(true);
  }
  state_->cv.notify_all();
  if (!state_->thread.joinable()) return;
  if (state_->thread.get_id() == std::this_thread::get_id()) return;  // from a handler: the thread ends by itself
  state_->thread.join();
}

bool Informer::hasSynced() const {
  std::lock_guard lock(state_->mu);
  return state_->synced;
}

bool Informer::waitForSync(milliseconds timeout) const {
  std::unique_lock lock(state_->mu);
  state_->cv.wait_for(lock, std::clamp(timeout, milliseconds::zero(), kLongestWait),
                      [this] { return state_->synced || state_->stop.load(); });
  return state_->synced;
}

ObjectPtr Informer::get(const std::string& ns, const std::string& name) const {
  const std::string key = state_->type.namespaced && !ns.empty() ? ns + "/" + name : name;
  std::lock_guard lock(state_->mu);
  auto it = state_->cache.find(key);
  if (it == state_->cache.end()) return nullptr;
  return it->second;
}

std::vector<ObjectPtr> Informer::list(const std::string& ns) const {
  std::vector<ObjectPtr> out;
  std::lock_guard lock(state_->mu);
  for (const auto& [key, object] : state_->cache) {
    if (ns.empty() || stringAt(*object, "metadata", "namespace") == ns) out.push_back(object);
  }
  return out;
}

std::vector<ObjectPtr> Informer::byIndex(const std::string& index, const std::string& value) const {
  if (!hasIndex(index)) throw std::invalid_argument("informer: no index " + index + " on " + state_->type.plural);
  std::vector<ObjectPtr> out;
  std::lock_guard lock(state_->mu);
  auto indexIt = state_->indexes.find(index);
  if (indexIt == state_->indexes.end()) return out;
  auto valueIt = indexIt->second.find(value);
  if (valueIt == indexIt->second.end()) return out;
  out.reserve(valueIt->second.size());
  for (const auto& key : valueIt->second) {
    auto it = state_->cache.find(key);
    if (it != state_->cache.end()) out.push_back(it->second);
  }
  return out;
}

bool Informer::hasIndex(const std::string& index) const { return state_->options.indexers.count(index) != 0; }

std::uint64_t Informer::watchRestarts() const { return state_->watchRestarts.load(); }
std::uint64_t Informer::relists() const { return state_->relists.load(); }
const ResourceType& Informer::type() const { return state_->type; }

std::string Informer::lastSyncResourceVersion() const {
  std::lock_guard lock(state_->mu);
  return state_->lastResourceVersion;
}

}  // namespace warden::op
