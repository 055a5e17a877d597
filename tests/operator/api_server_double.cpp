#include "tests/operator/api_server_double.h"

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <deque>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

namespace warden::op::testing {

namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

// How often an open watch with nothing to send looks at its caller's stop flag (an atomic cannot wake a
// condition variable).
constexpr milliseconds kStopPollInterval{5};
// timeoutSeconds <= 0: the server picks (the real one between 30 and 60 minutes).
constexpr std::chrono::seconds kDefaultWatchTimeout{1800};

const std::set<std::string>& defaultStatusSubresources() {
  static const std::set<std::string> names{"mcpservers.mcpwarden.io", "toolpolicies.mcpwarden.io", "services",
                                           "customresourcedefinitions.apiextensions.k8s.io"};
  return names;
}

std::string qualified(const ResourceType& type) {
  return type.group.empty() ? type.plural : type.plural + "." + type.group;
}

std::string formatTime(std::chrono::system_clock::time_point time) {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::floor<std::chrono::seconds>(time));
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

std::string stringAt(const json& object, const char* outer, const char* inner) {
  if (!object.is_object()) return {};
  auto o = object.find(outer);
  if (o == object.end() || !o->is_object()) return {};
  auto i = o->find(inner);
  return i != o->end() && i->is_string() ? i->get<std::string>() : std::string();
}

std::optional<std::uint64_t> parseVersion(const std::string& text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

// ---- Status objects, with the real API server's reasons and messages ----

const char* reasonFor(int code) {
  switch (code) {
    case 400: return "BadRequest";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "NotFound";
    case 405: return "MethodNotAllowed";
    case 409: return "Conflict";
    case 410: return "Expired";
    case 422: return "Invalid";
    case 429: return "TooManyRequests";
    case 500: return "InternalError";
    case 503: return "ServiceUnavailable";
    case 504: return "Timeout";
    default: return "Unknown";
  }
}

json statusObject(int code, const std::string& reason, const std::string& message, json details = nullptr) {
  json body = {{"apiVersion", "v1"}, {"kind", "Status"},   {"metadata", json::object()}, {"status", "Failure"},
               {"message", message}, {"reason", reason}, {"code", code}};
  if (!details.is_null()) body["details"] = std::move(details);
  return body;
}

ApiResult failure(int code, const std::string& reason, const std::string& message, json details = nullptr) {
  ApiResult result;
  result.status = code;
  result.body = statusObject(code, reason, message, std::move(details));
  result.error = message;
  return result;
}

json detailsOf(const ResourceType& type, const std::string& name) {
  json details = {{"kind", type.plural}};
  if (!name.empty()) details["name"] = name;
  if (!type.group.empty()) details["group"] = type.group;
  return details;
}

ApiResult notFound(const ResourceType& type, const std::string& name) {
  return failure(404, "NotFound", qualified(type) + " \"" + name + "\" not found", detailsOf(type, name));
}

ApiResult alreadyExists(const ResourceType& type, const std::string& name) {
  return failure(409, "AlreadyExists", qualified(type) + " \"" + name + "\" already exists", detailsOf(type, name));
}

ApiResult staleVersion(const ResourceType& type, const std::string& name) {
  return failure(409, "Conflict",
                 "Operation cannot be fulfilled on " + qualified(type) + " \"" + name +
                     "\": the object has been modified; please apply your changes to the latest version and try "
                     "again",
                 detailsOf(type, name));
}

ApiResult badRequest(const std::string& message) { return failure(400, "BadRequest", message); }

ApiResult success(int code, json body) {
  ApiResult result;
  result.status = code;
  result.body = std::move(body);
  return result;
}

ApiResult injectedFailure(int code) {
  if (code == 0) {
    ApiResult result;
    result.error = "connection refused (ApiServerDouble: simulated outage)";
    return result;
  }
  return failure(code, reasonFor(code), "simulated failure (ApiServerDouble): " + std::string(reasonFor(code)));
}

// ---- Label and field selectors ----

struct Requirement {
  enum class Op { Exists, NotExists, Equals, NotEquals, In, NotIn };
  std::string key;
  Op op = Op::Exists;
  std::set<std::string> values;
};

struct Selector {
  std::vector<Requirement> labels;
  std::vector<Requirement> fields;  // only Equals / NotEquals, keys metadata.name / metadata.namespace

  bool matches(const json& object) const {
    const json* labelMap = nullptr;
    if (auto m = object.find("metadata"); m != object.end() && m->is_object()) {
      if (auto l = m->find("labels"); l != m->end() && l->is_object()) labelMap = &*l;
    }
    for (const Requirement& r : labels) {
      std::optional<std::string> value;
      if (labelMap != nullptr) {
        if (auto it = labelMap->find(r.key); it != labelMap->end() && it->is_string()) value = it->get<std::string>();
      }
      if (!satisfies(r, value)) return false;
    }
    for (const Requirement& r : fields) {
      const std::string value = stringAt(object, "metadata", r.key == "metadata.name" ? "name" : "namespace");
      if (!satisfies(r, value)) return false;
    }
    return true;
  }

  static bool satisfies(const Requirement& r, const std::optional<std::string>& value) {
    switch (r.op) {
      case Requirement::Op::Exists: return value.has_value();
      case Requirement::Op::NotExists: return !value.has_value();
      case Requirement::Op::Equals: return value.has_value() && *value == *r.values.begin();
      case Requirement::Op::NotEquals: return !value.has_value() || *value != *r.values.begin();
      case Requirement::Op::In: return value.has_value() && r.values.count(*value) != 0;
      case Requirement::Op::NotIn: return !value.has_value() || r.values.count(*value) == 0;
    }
    return false;
  }
};

std::string trim(const std::string& s) {
  std::size_t b = 0;
  std::size_t e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b])) != 0) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1])) != 0) --e;
  return s.substr(b, e - b);
}

bool isKeyChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' || c == '_' || c == '/';
}
bool isValueChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' || c == '_';
}
bool validKey(const std::string& k) { return !k.empty() && std::all_of(k.begin(), k.end(), isKeyChar); }
bool validValue(const std::string& v) { return std::all_of(v.begin(), v.end(), isValueChar); }

// Splits at commas outside parentheses.
std::vector<std::string> splitRequirements(const std::string& text) {
  std::vector<std::string> parts;
  std::string current;
  int depth = 0;
  for (char c : text) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      parts.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  parts.push_back(current);
  return parts;
}

std::optional<std::string> parseLabelSelector(const std::string& text, std::vector<Requirement>& out) {
  if (trim(text).empty()) return std::nullopt;
  for (const std::string& raw : splitRequirements(text)) {
    const std::string part = trim(raw);
    const std::string error = "unable to parse requirement: \"" + part + "\"";
    Requirement r;
    if (!part.empty() && part[0] == '!') {
      r.key = trim(part.substr(1));
      r.op = Requirement::Op::NotExists;
      if (!validKey(r.key)) return error;
      out.push_back(std::move(r));
      continue;
    }
    std::size_t i = 0;
    while (i < part.size() && isKeyChar(part[i])) ++i;
    r.key = part.substr(0, i);
    if (!validKey(r.key)) return error;
    const std::string rest = trim(part.substr(i));
    if (rest.empty()) {
      r.op = Requirement::Op::Exists;
    } else if (rest.rfind("==", 0) == 0 || rest.rfind("!=", 0) == 0 || rest.rfind('=', 0) == 0) {
      const bool notEquals = rest[0] == '!';
      const std::size_t skip = rest.rfind("==", 0) == 0 || notEquals ? 2 : 1;
      const std::string value = trim(rest.substr(skip));
      if (!validValue(value)) return error;
      r.op = notEquals ? Requirement::Op::NotEquals : Requirement::Op::Equals;
      r.values.insert(value);
    } else {
      std::size_t w = 0;
      while (w < rest.size() && std::isalpha(static_cast<unsigned char>(rest[w])) != 0) ++w;
      const std::string word = rest.substr(0, w);
      if (word != "in" && word != "notin") return error;
      const std::string set = trim(rest.substr(w));
      if (set.size() < 2 || set.front() != '(' || set.back() != ')') return error;
      for (const std::string& v : splitRequirements(set.substr(1, set.size() - 2))) {
        const std::string value = trim(v);
        if (!validValue(value)) return error;
        r.values.insert(value);
      }
      r.op = word == "in" ? Requirement::Op::In : Requirement::Op::NotIn;
    }
    out.push_back(std::move(r));
  }
  return std::nullopt;
}

std::optional<std::string> parseFieldSelector(const std::string& text, std::vector<Requirement>& out) {
  if (trim(text).empty()) return std::nullopt;
  for (const std::string& raw : splitRequirements(text)) {
    const std::string part = trim(raw);
    Requirement r;
    std::size_t at = part.find("!=");
    std::size_t width = 2;
    r.op = Requirement::Op::NotEquals;
    if (at == std::string::npos) {
      r.op = Requirement::Op::Equals;
      at = part.find("==");
      if (at == std::string::npos) {
        at = part.find('=');
        width = 1;
      }
    }
    if (at == std::string::npos) return "invalid field selector: \"" + part + "\"";
    r.key = trim(part.substr(0, at));
    if (r.key != "metadata.name" && r.key != "metadata.namespace") {
      return "field label not supported: " + r.key;
    }
    r.values.insert(trim(part.substr(at + width)));
    out.push_back(std::move(r));
  }
  return std::nullopt;
}

// ---- Field ownership (server-side apply) ----

using FieldPath = std::vector<std::string>;

std::string describe(const FieldPath& path) {
  std::string out;
  for (const std::string& segment : path) out += "." + segment;
  return out;
}

bool overlaps(const FieldPath& a, const FieldPath& b) {
  const std::size_t n = std::min(a.size(), b.size());
  return std::equal(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(n), b.begin());
}

const json* valueAt(const json& object, const FieldPath& path) {
  const json* current = &object;
  for (const std::string& segment : path) {
    if (!current->is_object()) return nullptr;
    auto it = current->find(segment);
    if (it == current->end()) return nullptr;
    current = &*it;
  }
  return current;
}

void setAt(json& object, const FieldPath& path, const json& value) {
  json* current = &object;
  for (std::size_t i = 0; i + 1 < path.size(); ++i) {
    json& next = (*current)[path[i]];
    if (!next.is_object()) next = json::object();
    current = &next;
  }
  (*current)[path.back()] = value;
}

void eraseAt(json& object, const FieldPath& path) {
  json* current = &object;
  for (std::size_t i = 0; i + 1 < path.size(); ++i) {
    if (!current->is_object()) return;
    auto it = current->find(path[i]);
    if (it == current->end()) return;
    current = &*it;
  }
  if (current->is_object()) current->erase(path.back());
  // Empty label and annotation maps are omitted, as Go's omitempty does.
  if (path.size() == 3 && path[0] == "metadata" && current->is_object() && current->empty()) {
    object["metadata"].erase(path[1]);
  }
}

// Whether the top-level field `key` (not metadata) belongs to the main resource or to the status subresource.
bool inScope(const std::string& key, bool statusScope, bool statusSubresource) {
  if (key == "apiVersion" || key == "kind" || key == "metadata") return false;
  if (key == "status") return statusScope || !statusSubresource;
  return !statusScope;
}

// The owned fields of `object` at the documented granularity, with their values. Main scope: everything but
// apiVersion, kind and (for resources with a status subresource) status; status scope: status only.
std::map<FieldPath, json> fieldsOf(const json& object, bool statusScope, bool statusSubresource) {
  std::map<FieldPath, json> fields;
  if (!object.is_object()) return fields;
  for (const auto& [key, value] : object.items()) {
    if (value.is_null()) continue;
    if (key == "apiVersion" || key == "kind") continue;
    if (key == "metadata") {
      if (statusScope || !value.is_object()) continue;
      for (const char* map : {"labels", "annotations"}) {
        if (auto m = value.find(map); m != value.end() && m->is_object()) {
          for (const auto& [k, v] : m->items()) {
            if (!v.is_null()) fields.emplace(FieldPath{"metadata", map, k}, v);
          }
        }
      }
      for (const char* whole : {"ownerReferences", "finalizers"}) {
        if (auto w = value.find(whole); w != value.end() && !w->is_null()) {
          fields.emplace(FieldPath{"metadata", whole}, *w);
        }
      }
      continue;
    }
    if (!inScope(key, statusScope, statusSubresource)) continue;
    if (value.is_object()) {
      for (const auto& [k, v] : value.items()) {
        if (!v.is_null()) fields.emplace(FieldPath{key, k}, v);
      }
    } else {
      fields.emplace(FieldPath{key}, value);
    }
  }
  return fields;
}

struct ManagerEntry {
  std::string manager;
  std::string operation;    // "Apply" or "Update"
  std::string subresource;  // "" or "status"
  std::string time;
  std::set<FieldPath> fields;

  bool sameOwnership(const ManagerEntry& other) const {
    return manager == other.manager && operation == other.operation && subresource == other.subresource &&
           fields == other.fields;
  }
};

json fieldsV1(const std::set<FieldPath>& fields) {
  json out = json::object();
  for (const FieldPath& path : fields) {
    json* current = &out;
    for (const std::string& segment : path) {
      json& next = (*current)["f:" + segment];
      if (!next.is_object()) next = json::object();
      current = &next;
    }
  }
  return out;
}

struct Stored {
  json object;                       // as served, without metadata.managedFields
  std::vector<ManagerEntry> owners;  // rendered into metadata.managedFields
};

bool sameOwners(const std::vector<ManagerEntry>& a, const std::vector<ManagerEntry>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!a[i].sameOwnership(b[i])) return false;
  }
  return true;
}

// What metadata.generation follows: everything outside metadata (and status, with a status subresource).
json generationView(const json& object, bool statusSubresource) {
  json view = object;
  view.erase("metadata");
  if (statusSubresource) view.erase("status");
  return view;
}

// Remove `path` (and paths overlapping it) from every entry whose manager is not `except`.
void takeOwnership(std::vector<ManagerEntry>& owners, const FieldPath& path, const std::string& except) {
  for (ManagerEntry& entry : owners) {
    if (entry.manager == except) continue;
    for (auto it = entry.fields.begin(); it != entry.fields.end();) {
      it = overlaps(*it, path) ? entry.fields.erase(it) : std::next(it);
    }
  }
}

void dropEmptyOwners(std::vector<ManagerEntry>& owners) {
  owners.erase(std::remove_if(owners.begin(), owners.end(), [](const ManagerEntry& e) { return e.fields.empty(); }),
               owners.end());
}

ManagerEntry& entryFor(std::vector<ManagerEntry>& owners, const std::string& manager, const std::string& operation,
                       const std::string& subresource) {
  for (ManagerEntry& entry : owners) {
    if (entry.manager == manager && entry.operation == operation && entry.subresource == subresource) return entry;
  }
  owners.push_back({manager, operation, subresource, "", {}});
  return owners.back();
}

// A manager as the real server names it in conflicts: "name", with ` with subresource "status"` for the status
// subresource and ` using <apiVersion> at <time>` for Update (non-apply) managers.
std::string printedManager(const ManagerEntry& entry, const ResourceType& type) {
  std::string out = "\"" + entry.manager + "\"";
  if (!entry.subresource.empty()) out += " with subresource \"" + entry.subresource + "\"";
  if (entry.operation == "Update") {
    out += " using " + type.apiVersion() + (entry.time.empty() ? "" : " at " + entry.time);
  }
  return out;
}

struct LogEntry {
  std::uint64_t revision = 0;
  std::string resource;  // qualified
  std::string ns;
  std::string type;  // ADDED, MODIFIED, DELETED
  json object;       // the new state (DELETED: the last state, with the deletion's resourceVersion)
  json oldObject;    // the previous state (MODIFIED, DELETED)
};

struct TypeState {
  ResourceType type;
  bool statusSubresource = false;
  std::map<std::pair<std::string, std::string>, Stored> objects;  // (namespace, name)
};

struct WatchSlot {
  std::string caller;
  std::uint64_t cursor = 0;  // every change up to here has been handed to the watch (or was not for it)
  bool ended = false;        // endAllWatches / destruction: clean end
  bool broken = false;       // outage: ends with an error
};

}  // namespace

// ---------------------------------------------------------------------------------------------------------------

class ApiServerDouble::Core {
 public:
  explicit Core(Options options) : options_(std::move(options)) {
    if (!options_.wallClock) options_.wallClock = [] { return std::chrono::system_clock::now(); };
  }

  ApiResult get(const std::string& caller, const ResourceType& type, const std::string& ns, const std::string& name);
  ApiResult list(const std::string& caller, const ResourceType& type, const std::string& ns, const ListOptions& o);
  WatchResult watch(const std::string& caller, const ResourceType& type, const std::string& ns, const WatchOptions& o,
                    const std::function<bool(const WatchEvent&)>& onEvent, const std::atomic<bool>& stop);
  ApiResult apply(const std::string& caller, const ResourceType& type, const std::string& ns, const std::string& name,
                  const json& object, const std::string& manager, bool force, bool statusScope);
  ApiResult create(const std::string& caller, const ResourceType& type, const std::string& ns, const json& object);
  ApiResult update(const std::string& caller, const ResourceType& type, const std::string& ns, const std::string& name,
                   const json& object);
  ApiResult remove(const std::string& caller, const ResourceType& type, const std::string& ns, const std::string& name);

  void setStatusSubresource(const ResourceType& type, bool enabled);
  void compact();
  void endAllWatches();
  void startOutage(int status, const std::string& caller);
  void endOutage(const std::string& caller);
  void failNext(Verb verb, int status, std::size_t times);
  void setBeforeCall(CallHook hook);
  std::vector<CallRecord> calls() const;
  void resetCalls();
  std::string resourceVersion() const;
  std::optional<json> peek(const ResourceType& type, const std::string& ns, const std::string& name) const;
  std::vector<json> peekAll(const ResourceType& type, const std::string& ns) const;
  std::size_t openWatches() const;
  bool waitForOpenWatches(std::size_t count, milliseconds timeout) const;

 private:
  // Runs the hook (outside the lock), then takes the lock and decides on injected failures.
  std::optional<int> begin(CallRecord& call, std::unique_lock<std::mutex>& lock);
  void log(CallRecord call, int status) {
    call.status = status;
    calls_.push_back(std::move(call));
  }
  TypeState& typeState(const ResourceType& type);
  const TypeState* findType(const ResourceType& type) const;
  std::optional<ApiResult> checkObjectNamespace(const ResourceType& type, const std::string& ns) const;
  json render(const TypeState& ts, const Stored& stored) const;
  std::string now() const { return formatTime(options_.wallClock()); }
  std::string newUid() {
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "00000000-0000-4000-8000-%012llx", static_cast<unsigned long long>(++uids_));
    return buffer;
  }
  std::string generatedName(const TypeState& ts, const std::string& ns, const std::string& prefix);
  // Stores `after` as the new state of `key` (which may be new), bumps the revision, records the event, and
  // removes the object when it is terminating without finalizers. Returns the object as served.
  json commit(TypeState& ts, const std::pair<std::string, std::string>& key, Stored after, bool created);
  void appendHistory(LogEntry entry);
  void trimHistory();
  std::optional<WatchEvent> convert(const LogEntry& entry, const Selector& selector) const;

  Options options_;
  mutable std::mutex mu_;
  mutable std::condition_variable changed_;  // any change, watch opened, watch end asked, outage
  std::map<std::string, TypeState> types_;    // by qualified resource
  std::map<std::string, bool> statusOverrides_;
  std::uint64_t revision_ = 1;
  std::uint64_t compactedRevision_ = 0;  // watches from before this are 410 Gone
  std::deque<LogEntry> history_;
  std::uint64_t uids_ = 0;
  std::uint64_t names_ = 0;
  std::map<std::uint64_t, WatchSlot> watches_;
  std::uint64_t nextWatch_ = 0;
  std::map<std::string, int> outages_;  // caller ("" : everyone) -> status
  std::map<Verb, std::deque<int>> failNext_;
  CallHook hook_;
  std::set<std::thread::id> inHook_;
  std::vector<CallRecord> calls_;
};

std::optional<int> ApiServerDouble::Core::begin(CallRecord& call, std::unique_lock<std::mutex>& lock) {
  CallHook hook;
  const auto self = std::this_thread::get_id();
  {
    std::lock_guard guard(mu_);
    if (hook_ && inHook_.count(self) == 0) {
      hook = hook_;
      inHook_.insert(self);
    }
  }
  if (hook) {
    try {
      hook(call);
    } catch (const std::exception& e) {
      std::cerr << "ApiServerDouble: the before-call hook threw: " << e.what() << "\n";
    } catch (...) {
      std::cerr << "ApiServerDouble: the before-call hook threw a non-standard exception\n";
    }
    std::lock_guard guard(mu_);
    inHook_.erase(self);
  }
  lock = std::unique_lock(mu_);
  if (auto it = outages_.find(call.caller); it != outages_.end()) return it->second;
  if (auto it = outages_.find(""); it != outages_.end()) return it->second;
  if (auto it = failNext_.find(call.verb); it != failNext_.end() && !it->second.empty()) {
    const int status = it->second.front();
    it->second.pop_front();
    return status;
  }
  return std::nullopt;
}

TypeState& ApiServerDouble::Core::typeState(const ResourceType& type) {
  const std::string key = qualified(type);
  auto it = types_.find(key);
  if (it != types_.end()) return it->second;
  TypeState ts;
  ts.type = type;
  auto override = statusOverrides_.find(key);
  ts.statusSubresource =
      override != statusOverrides_.end() ? override->second : defaultStatusSubresources().count(key) != 0;
  return types_.emplace(key, std::move(ts)).first->second;
}

const TypeState* ApiServerDouble::Core::findType(const ResourceType& type) const {
  auto it = types_.find(qualified(type));
  return it == types_.end() ? nullptr : &it->second;
}

std::optional<ApiResult> ApiServerDouble::Core::checkObjectNamespace(const ResourceType& type,
                                                                     const std::string& ns) const {
  if (type.namespaced && ns.empty()) {
    return badRequest("a namespace is required for the namespaced resource " + qualified(type) +
                      " (ApiServerDouble)");
  }
  return std::nullopt;
}

json ApiServerDouble::Core::render(const TypeState& ts, const Stored& stored) const {
  json out = stored.object;
  if (!stored.owners.empty()) {
    json managed = json::array();
    for (const ManagerEntry& entry : stored.owners) {
      json e = {{"manager", entry.manager},       {"operation", entry.operation}, {"apiVersion", ts.type.apiVersion()},
                {"time", entry.time},             {"fieldsType", "FieldsV1"},    {"fieldsV1", fieldsV1(entry.fields)}};
      if (!entry.subresource.empty()) e["subresource"] = entry.subresource;
      managed.push_back(std::move(e));
    }
    out["metadata"]["managedFields"] = std::move(managed);
  }
  return out;
}

std::string ApiServerDouble::Core::generatedName(const TypeState& ts, const std::string& ns,
                                                 const std::string& prefix) {
  static constexpr char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  for (;;) {
    std::uint64_t n = ++names_ * 2654435761u;
    std::string suffix;
    for (int i = 0; i < 5; ++i) {
      suffix += kAlphabet[n % (sizeof kAlphabet - 1)];
      n /= sizeof kAlphabet - 1;
    }
    std::string name = prefix + suffix;
    if (ts.objects.count({ns, name}) == 0) return name;
  }
}

void ApiServerDouble::Core::appendHistory(LogEntry entry) {
  history_.push_back(std::move(entry));
  trimHistory();
  changed_.notify_all();
}

void ApiServerDouble::Core::trimHistory() {
  if (options_.historyLimit > 0 && history_.size() > options_.historyLimit) {
    compactedRevision_ =
        std::max(compactedRevision_, history_[history_.size() - options_.historyLimit - 1].revision);
  }
  // Open watches keep what they have not been handed yet (etcd does not end a watch because of compaction).
  std::uint64_t keepAfter = compactedRevision_;
  for (const auto& [id, slot] : watches_) keepAfter = std::min(keepAfter, slot.cursor);
  while (!history_.empty() && history_.front().revision <= keepAfter) history_.pop_front();
}

json ApiServerDouble::Core::commit(TypeState& ts, const std::pair<std::string, std::string>& key, Stored after,
                                   bool created) {
  auto it = ts.objects.find(key);
  json oldObject = it == ts.objects.end() ? json() : render(ts, it->second);
  after.object["metadata"]["resourceVersion"] = std::to_string(++revision_);
  Stored& slot = ts.objects.insert_or_assign(key, std::move(after)).first->second;
  json served = render(ts, slot);
  appendHistory({revision_, qualified(ts.type), key.first, created ? "ADDED" : "MODIFIED", served, oldObject});

  const json& metadata = slot.object["metadata"];
  const bool terminating = metadata.contains("deletionTimestamp");
  const auto finalizers = metadata.find("finalizers");
  const bool finalized = finalizers == metadata.end() || !finalizers->is_array() || finalizers->empty();
  if (terminating && finalized) {
    json last = served;
    ts.objects.erase(key);
    last["metadata"]["resourceVersion"] = std::to_string(++revision_);
    appendHistory({revision_, qualified(ts.type), key.first, "DELETED", last, served});
  }
  return served;
}

ApiResult ApiServerDouble::Core::get(const std::string& caller, const ResourceType& type, const std::string& ns,
                                     const std::string& name) {
  const std::string effectiveNs = type.namespaced ? ns : "";
  CallRecord call{Verb::Get, caller, qualified(type), effectiveNs, name, "", 0};
  std::unique_lock<std::mutex> lock;
  if (auto injected = begin(call, lock)) {
    log(call, *injected);
    return injectedFailure(*injected);
  }
  ApiResult result = [&] {
    if (auto bad = checkObjectNamespace(type, effectiveNs)) return *bad;
    const TypeState& ts = typeState(type);
    auto it = ts.objects.find({effectiveNs, name});
    if (it == ts.objects.end()) return notFound(type, name);
    return success(200, render(ts, it->second));
  }();
  log(call, result.status);
  return result;
}

ApiResult ApiServerDouble::Core::list(const std::string& caller, const ResourceType& type, const std::string& ns,
                                      const ListOptions& options) {
  const std::string effectiveNs = type.namespaced ? ns : "";
  CallRecord call{Verb::List, caller, qualified(type), effectiveNs, "", options.resourceVersion, 0};
  std::unique_lock<std::mutex> lock;
  if (auto injected = begin(call, lock)) {
    log(call, *injected);
    return injectedFailure(*injected);
  }
  ApiResult result = [&] {
    Selector selector;
    if (auto error = parseLabelSelector(options.labelSelector, selector.labels)) return badRequest(*error);
    if (auto error = parseFieldSelector(options.fieldSelector, selector.fields)) return badRequest(*error);
    if (!options.resourceVersion.empty() && options.resourceVersion != "0") {
      auto asked = parseVersion(options.resourceVersion);
      if (!asked) return badRequest("invalid resource version: " + options.resourceVersion);
      if (*asked > revision_) {
        return failure(504, "Timeout",
                       "Too large resource version: " + options.resourceVersion +
                           ", current: " + std::to_string(revision_));
      }
    }
    const TypeState& ts = typeState(type);
    json items = json::array();
    for (const auto& [key, stored] : ts.objects) {
      if (!effectiveNs.empty() && key.first != effectiveNs) continue;
      if (!selector.matches(stored.object)) continue;
      items.push_back(render(ts, stored));
    }
    return success(200, {{"apiVersion", type.apiVersion()},
                         {"kind", type.kind + "List"},
                         {"metadata", {{"resourceVersion", std::to_string(revision_)}}},
                         {"items", std::move(items)}});
  }();
  log(call, result.status);
  return result;
}

std::optional<WatchEvent> ApiServerDouble::Core::convert(const LogEntry& entry, const Selector& selector) const {
  if (entry.type == "ADDED") {
    if (selector.matches(entry.object)) return WatchEvent{"ADDED", entry.object};
    return std::nullopt;
  }
  if (entry.type == "DELETED") {
    if (selector.matches(entry.object)) return WatchEvent{"DELETED", entry.object};
    return std::nullopt;
  }
  const bool now = selector.matches(entry.object);
  const bool before = selector.matches(entry.oldObject);
  if (now && before) return WatchEvent{"MODIFIED", entry.object};
  if (now) return WatchEvent{"ADDED", entry.object};
  if (before) {
    // The watch cache's answer: the previous content, with this change's resourceVersion.
    json last = entry.oldObject;
    last["metadata"]["resourceVersion"] = std::to_string(entry.revision);
    return WatchEvent{"DELETED", std::move(last)};
  }
  return std::nullopt;
}

WatchResult ApiServerDouble::Core::watch(const std::string& caller, const ResourceType& type, const std::string& ns,
                                         const WatchOptions& options,
                                         const std::function<bool(const WatchEvent&)>& onEvent,
                                         const std::atomic<bool>& stop) {
  const std::string effectiveNs = type.namespaced ? ns : "";
  CallRecord call{Verb::Watch, caller, qualified(type), effectiveNs, "", options.resourceVersion, 0};
  std::unique_lock<std::mutex> lock;
  WatchResult result;
  if (auto injected = begin(call, lock)) {
    log(call, *injected);
    result.status = *injected;
    result.error = injectedFailure(*injected).error;
    return result;
  }
  Selector selector;
  if (auto error = parseLabelSelector(options.labelSelector, selector.labels)) {
    log(call, 400);
    result.status = 400;
    result.error = *error;
    return result;
  }
  const std::string resource = qualified(type);
  std::vector<WatchEvent> pending;
  std::uint64_t cursor = revision_;
  if (options.resourceVersion.empty() || options.resourceVersion == "0") {
    const TypeState& ts = typeState(type);
    for (const auto& [key, stored] : ts.objects) {
      if (!effectiveNs.empty() && key.first != effectiveNs) continue;
      if (selector.matches(stored.object)) pending.push_back({"ADDED", render(ts, stored)});
    }
  } else {
    auto asked = parseVersion(options.resourceVersion);
    if (!asked) {
      log(call, 400);
      result.status = 400;
      result.error = "invalid resource version: " + options.resourceVersion;
      return result;
    }
    if (*asked < compactedRevision_) {
      const std::string message = "too old resource version: " + options.resourceVersion + " (" +
                                  std::to_string(compactedRevision_) + ")";
      result.gone = true;
      result.error = message;
      if (options_.goneStyle == GoneStyle::HttpStatus) {
        log(call, 410);
        result.status = 410;
        return result;
      }
      log(call, 200);
      result.status = 200;
      lock.unlock();
      if (!stop.load()) onEvent({"ERROR", statusObject(410, "Expired", message)});
      return result;
    }
    cursor = *asked;
  }
  log(call, 200);
  result.status = 200;

  const std::uint64_t id = nextWatch_++;
  watches_[id] = WatchSlot{caller, cursor, false, false};
  changed_.notify_all();  // waitForOpenWatches

  auto start = steady_clock::now();
  std::chrono::seconds timeout = options.timeoutSeconds > 0 ? std::chrono::seconds(options.timeoutSeconds)
                                                            : kDefaultWatchTimeout;
  steady_clock::duration length = timeout;
  if (options_.maxWatchDuration > milliseconds::zero()) {
    length = std::min(length, steady_clock::duration(options_.maxWatchDuration));
  }
  const auto deadline = start + length;
  const bool bookmarks = options.allowBookmarks && options_.bookmarkInterval > milliseconds::zero();
  auto nextBookmark = bookmarks ? start + options_.bookmarkInterval : steady_clock::time_point::max();

  for (;;) {
    WatchSlot& slot = watches_[id];
    if (slot.broken) {
      result.error = "watch connection lost (ApiServerDouble: simulated outage)";
      break;
    }
    if (slot.ended || stop.load()) break;
    // Everything after the cursor, in order.
    auto first = std::upper_bound(history_.begin(), history_.end(), cursor,
                                  [](std::uint64_t v, const LogEntry& e) { return v < e.revision; });
    for (auto it = first; it != history_.end(); ++it) {
      if (it->resource != resource || (!effectiveNs.empty() && it->ns != effectiveNs)) continue;
      if (auto event = convert(*it, selector)) pending.push_back(std::move(*event));
    }
    cursor = std::max(cursor, revision_);  // a watch from a future version waits for it
    slot.cursor = cursor;
    const auto now = steady_clock::now();
    if (now >= deadline && pending.empty()) break;
    if (bookmarks && now >= nextBookmark) {
      pending.push_back({"BOOKMARK",
                         {{"apiVersion", type.apiVersion()},
                          {"kind", type.kind},
                          {"metadata", {{"resourceVersion", std::to_string(cursor)}}}}});
      nextBookmark = now + options_.bookmarkInterval;
    }
    if (!pending.empty()) {
      std::vector<WatchEvent> batch;
      batch.swap(pending);
      lock.unlock();
      bool more = true;
      for (const WatchEvent& event : batch) {
        if (stop.load()) {
          more = false;
          break;
        }
        result.lastResourceVersion = stringAt(event.object, "metadata", "resourceVersion");
        if (!onEvent(event)) {
          more = false;
          break;
        }
      }
      lock.lock();
      if (!more) break;
      continue;
    }
    const auto wakeAt = std::min({deadline, nextBookmark, now + kStopPollInterval});
    changed_.wait_until(lock, wakeAt);
  }
  watches_.erase(id);
  trimHistory();
  changed_.notify_all();
  return result;
}

ApiResult ApiServerDouble::Core::create(const std::string& caller, const ResourceType& type, const std::string& ns,
                                        const json& body) {
  const std::string effectiveNs = type.namespaced ? ns : "";
  CallRecord call{Verb::Create, caller, qualified(type), effectiveNs, stringAt(body, "metadata", "name"), "", 0};
  std::unique_lock<std::mutex> lock;
  if (auto injected = begin(call, lock)) {
    log(call, *injected);
    return injectedFailure(*injected);
  }
  ApiResult result = [&]() -> ApiResult {
    if (auto bad = checkObjectNamespace(type, effectiveNs)) return *bad;
    if (!body.is_object()) return badRequest("the body must be a JSON object");
    if (body.contains("apiVersion") && body["apiVersion"] != type.apiVersion()) {
      return badRequest("the API version in the data (" + body["apiVersion"].dump() +
                        ") does not match the expected API version (" + type.apiVersion() + ")");
    }
    if (body.contains("kind") && body["kind"] != type.kind) {
      return badRequest("the kind in the data (" + body["kind"].dump() + ") does not match " + type.kind);
    }
    json metadata = body.value("metadata", json::object());
    if (!metadata.is_object()) return badRequest("metadata must be an object");
    const std::string bodyNs = stringAt(body, "metadata", "namespace");
    if (type.namespaced && !bodyNs.empty() && bodyNs != effectiveNs) {
      return badRequest("the namespace of the provided object does not match the namespace sent on the request");
    }
    if (!stringAt(body, "metadata", "resourceVersion").empty()) {
      return failure(500, "InternalError", "resourceVersion should not be set on objects to be created");
    }
    TypeState& ts = typeState(type);
    std::string name = stringAt(body, "metadata", "name");
    if (name.empty()) {
      const std::string prefix = stringAt(body, "metadata", "generateName");
      if (prefix.empty()) {
        return failure(422, "Invalid", qualified(type) + " is invalid: metadata.name: Required value: name or "
                                           "generateName is required");
      }
      name = generatedName(ts, effectiveNs, prefix);
    }
    if (ts.objects.count({effectiveNs, name}) != 0) return alreadyExists(type, name);

    Stored stored;
    stored.object = body;
    stored.object["apiVersion"] = type.apiVersion();
    stored.object["kind"] = type.kind;
    if (ts.statusSubresource) stored.object.erase("status");
    for (const char* server : {"uid", "creationTimestamp", "resourceVersion", "generation", "managedFields",
                               "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"}) {
      metadata.erase(server);
    }
    metadata["name"] = name;
    if (type.namespaced) {
      metadata["namespace"] = effectiveNs;
    } else {
      metadata.erase("namespace");
    }
    metadata["uid"] = newUid();
    metadata["creationTimestamp"] = now();
    metadata["generation"] = 1;
    stored.object["metadata"] = std::move(metadata);
    ManagerEntry entry{caller, "Update", "", now(), {}};
    for (const auto& [path, value] : fieldsOf(stored.object, false, ts.statusSubresource)) entry.fields.insert(path);
    if (!entry.fields.empty()) stored.owners.push_back(std::move(entry));
    return success(201, commit(ts, {effectiveNs, name}, std::move(stored), true));
  }();
  log(call, result.status);
  return result;
}

ApiResult ApiServerDouble::Core::update(const std::string& caller, const ResourceType& type, const std::string& ns,
                                        const std::string& name, const json& body) {
  const std::string effectiveNs = type.namespaced ? ns : "";
  CallRecord call{Verb::Update, caller, qualified(type), effectiveNs, name, "", 0};
  std::unique_lock<std::mutex> lock;
  if (auto injected = begin(call, lock)) {
    log(call, *injected);
    return injectedFailure(*injected);
  }
  ApiResult result = [&]() -> ApiResult {
    if (auto bad = checkObjectNamespace(type, effectiveNs)) return *bad;
    if (!body.is_object() || !body.value("metadata", json::object()).is_object()) {
      return badRequest("the body must be a JSON object with object metadata");
    }
    if (body.contains("apiVersion") && body["apiVersion"] != type.apiVersion()) {
      return badRequest("the API version in the data (" + body["apiVersion"].dump() +
                        ") does not match the expected API version (" + type.apiVersion() + ")");
    }
    if (body.contains("kind") && body["kind"] != type.kind) {
      return badRequest("the kind in the data (" + body["kind"].dump() + ") does not match " + type.kind);
    }
    if (stringAt(body, "metadata", "name") != name) {
      return badRequest("the name of the object (" + stringAt(body, "metadata", "name") +
                        ") does not match the name on the URL (" + name + ")");
    }
    const std::string bodyNs = stringAt(body, "metadata", "namespace");
    if (type.namespaced && !bodyNs.empty() && bodyNs != effectiveNs) {
      return badRequest("the namespace of the provided object does not match the namespace sent on the request");
    }
    TypeState& ts = typeState(type);
    auto it = ts.objects.find({effectiveNs, name});
    if (it == ts.objects.end()) return notFound(type, name);
    const Stored& before = it->second;
    const json& oldMetadata = before.object["metadata"];
    const std::string precondition = stringAt(body, "metadata", "resourceVersion");
    if (!precondition.empty() && precondition != oldMetadata.value("resourceVersion", "")) {
      return staleVersion(type, name);
    }
    const std::string uid = stringAt(body, "metadata", "uid");
    if (!uid.empty() && uid != oldMetadata.value("uid", "")) {
      return failure(409, "Conflict",
                     "Operation cannot be fulfilled on " + qualified(type) + " \"" + name +
                         "\": Precondition failed: UID in precondition: " + uid +
                         ", UID in object meta: " + oldMetadata.value("uid", ""),
                     detailsOf(type, name));
    }

    Stored after;
    after.object = body;
    after.object["apiVersion"] = type.apiVersion();
    after.object["kind"] = type.kind;
    json& metadata = after.object["metadata"];
    metadata.erase("managedFields");
    for (const char* server : {"uid", "creationTimestamp", "generation", "deletionTimestamp",
                               "deletionGracePeriodSeconds", "resourceVersion"}) {
      if (oldMetadata.contains(server)) {
        metadata[server] = oldMetadata[server];
      } else {
        metadata.erase(server);
      }
    }
    if (type.namespaced) metadata["namespace"] = effectiveNs;
    if (ts.statusSubresource) {
      if (before.object.contains("status")) {
        after.object["status"] = before.object["status"];
      } else {
        after.object.erase("status");
      }
    }
    if (oldMetadata.contains("deletionTimestamp")) {
      const json oldFinalizers = oldMetadata.value("finalizers", json::array());
      for (const json& f : metadata.value("finalizers", json::array())) {
        if (std::find(oldFinalizers.begin(), oldFinalizers.end(), f) == oldFinalizers.end()) {
          return failure(422, "Invalid",
                         qualified(type) + " \"" + name +
                             "\" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the "
                             "object is being deleted");
        }
      }
    }

    // Ownership: the caller takes the fields it set or changed; removed fields lose their owners.
    after.owners = before.owners;
    const auto oldFields = fieldsOf(before.object, false, ts.statusSubresource);
    const auto newFields = fieldsOf(after.object, false, ts.statusSubresource);
    for (const auto& [path, value] : oldFields) {
      if (newFields.count(path) == 0) takeOwnership(after.owners, path, "");
    }
    std::set<FieldPath> changedPaths;
    for (const auto& [path, value] : newFields) {
      auto old = oldFields.find(path);
      if (old == oldFields.end() || old->second != value) changedPaths.insert(path);
    }
    if (!changedPaths.empty()) {
      for (const FieldPath& path : changedPaths) takeOwnership(after.owners, path, caller);
      ManagerEntry& entry = entryFor(after.owners, caller, "Update", "");
      entry.fields.insert(changedPaths.begin(), changedPaths.end());
      entry.time = now();
    }
    dropEmptyOwners(after.owners);

    if (after.object == before.object && sameOwners(after.owners, before.owners)) {
      return success(200, render(ts, before));
    }
    if (generationView(after.object, ts.statusSubresource) != generationView(before.object, ts.statusSubresource)) {
      metadata["generation"] = oldMetadata.value("generation", 0) + 1;
    }
    return success(200, commit(ts, {effectiveNs, name}, std::move(after), false));
  }();
  log(call, result.status);
  return result;
}

ApiResult ApiServerDouble::Core::apply(const std::string& caller, const ResourceType& type, const std::string& ns,
                                       const std::string& name, const json& intent, const std::string& manager,
                                       bool force, bool statusScope) {
  const std::string effectiveNs = type.namespaced ? ns : "";
  CallRecord call{statusScope ? Verb::ApplyStatus : Verb::Apply, caller, qualified(type), effectiveNs, name, "", 0};
  std::unique_lock<std::mutex> lock;
  if (auto injected = begin(call, lock)) {
    log(call, *injected);
    return injectedFailure(*injected);
  }
  ApiResult result = [&]() -> ApiResult {
    if (auto bad = checkObjectNamespace(type, effectiveNs)) return *bad;
    if (manager.empty()) return badRequest("PATCH requests with apply content type must specify a fieldManager");
    if (!intent.is_object()) return badRequest("the apply configuration must be a JSON object");
    if (!intent.contains("apiVersion") || !intent.contains("kind")) {
      return badRequest("Object 'apiVersion' and 'Kind' are required in an apply configuration");
    }
    if (intent["apiVersion"] != type.apiVersion() || intent["kind"] != type.kind) {
      return badRequest("the apply configuration's apiVersion/kind (" + intent["apiVersion"].dump() + "/" +
                        intent["kind"].dump() + ") does not match " + type.apiVersion() + "/" + type.kind);
    }
    if (stringAt(intent, "metadata", "name") != name) {
      return badRequest("the name of the object (" + stringAt(intent, "metadata", "name") +
                        ") does not match the name on the URL (" + name + ")");
    }
    const std::string bodyNs = stringAt(intent, "metadata", "namespace");
    if (type.namespaced && !bodyNs.empty() && bodyNs != effectiveNs) {
      return badRequest("the namespace of the provided object does not match the namespace sent on the request");
    }
    TypeState& ts = typeState(type);
    if (statusScope && !ts.statusSubresource) {
      return failure(404, "NotFound", "the server could not find the requested resource (" + qualified(type) +
                                          " has no status subresource)");
    }
    const std::pair<std::string, std::string> key{effectiveNs, name};
    auto it = ts.objects.find(key);
    const bool exists = it != ts.objects.end();
    if (statusScope && !exists) return notFound(type, name);
    const std::string precondition = stringAt(intent, "metadata", "resourceVersion");
    if (!precondition.empty()) {
      if (!exists) return notFound(type, name);
      if (precondition != stringAt(it->second.object, "metadata", "resourceVersion")) return staleVersion(type, name);
    }

    Stored before;
    if (exists) {
      before = it->second;
    } else {
      before.object = {{"apiVersion", type.apiVersion()}, {"kind", type.kind}, {"metadata", {{"name", name}}}};
      if (type.namespaced) before.object["metadata"]["namespace"] = effectiveNs;
    }
    Stored after = before;
    const auto applied = fieldsOf(intent, statusScope, ts.statusSubresource);
    const std::string subresource = statusScope ? "status" : "";

    // Conflicts: fields another manager owns, applied with a different value. Keyed by the manager as the real
    // server prints it (sorted, as it sorts them), with the entry's manager name for the takeover.
    std::map<std::string, std::pair<std::string, std::vector<FieldPath>>> conflicts;
    for (const auto& [path, value] : applied) {
      for (const ManagerEntry& entry : after.owners) {
        if (entry.manager == manager) continue;
        for (const FieldPath& owned : entry.fields) {
          if (!overlaps(owned, path)) continue;
          const json* current = valueAt(after.object, path);
          if (current == nullptr || *current != value) {
            auto& [name, list] = conflicts[printedManager(entry, ts.type)];
            name = entry.manager;
            if (std::find(list.begin(), list.end(), path) == list.end()) list.push_back(path);
          }
        }
      }
    }
    if (!conflicts.empty()) {
      if (!force) {
        std::size_t count = 0;
        json causes = json::array();
        std::vector<std::string> lines;
        for (const auto& [printed, owner] : conflicts) {
          count += owner.second.size();
          lines.push_back("conflicts with " + printed + ":");
          for (const FieldPath& path : owner.second) {
            causes.push_back({{"reason", "FieldManagerConflict"},
                              {"message", "conflict with " + printed},
                              {"field", describe(path)}});
            lines.push_back("- " + describe(path));
          }
        }
        std::string message;
        if (count == 1) {
          message = "Apply failed with 1 conflict: conflict with " + conflicts.begin()->first + ": " +
                    describe(conflicts.begin()->second.second[0]);
        } else {
          message = "Apply failed with " + std::to_string(count) + " conflicts: ";
          for (std::size_t i = 0; i < lines.size(); ++i) message += (i == 0 ? "" : "\n") + lines[i];
        }
        json details = detailsOf(type, name);
        details["causes"] = std::move(causes);
        return failure(409, "Conflict", message, std::move(details));
      }
      for (const auto& [printed, owner] : conflicts) {
        for (const FieldPath& path : owner.second) takeOwnership(after.owners, path, manager);
      }
    }

    // Fields this manager applied before and omits now are removed, unless someone else owns them.
    ManagerEntry& mine = entryFor(after.owners, manager, "Apply", subresource);
    for (const FieldPath& previous : std::set<FieldPath>(mine.fields)) {
      if (applied.count(previous) != 0) continue;
      bool shared = false;
      for (const ManagerEntry& entry : after.owners) {
        if (&entry == &mine) continue;
        for (const FieldPath& owned : entry.fields) shared = shared || overlaps(owned, previous);
      }
      if (!shared) eraseAt(after.object, previous);
    }
    // Top-level objects in the intent exist in the result even when empty (spec: {}).
    for (const auto& [topKey, value] : intent.items()) {
      if (!value.is_object() || !inScope(topKey, statusScope, ts.statusSubresource)) continue;
      if (!after.object.contains(topKey) || !after.object[topKey].is_object()) after.object[topKey] = json::object();
    }
    mine.fields.clear();
    for (const auto& [path, value] : applied) {
      setAt(after.object, path, value);
      mine.fields.insert(path);
    }
    dropEmptyOwners(after.owners);

    if (exists && after.object == before.object && sameOwners(after.owners, before.owners)) {
      return success(200, render(ts, before));  // a no-op apply changes nothing, not even the version
    }
    for (ManagerEntry& entry : after.owners) {
      if (entry.manager == manager && entry.operation == "Apply" && entry.subresource == subresource) {
        entry.time = now();
      }
    }
    json& metadata = after.object["metadata"];
    if (!exists) {
      metadata["uid"] = newUid();
      metadata["creationTimestamp"] = now();
      metadata["generation"] = 1;
      return success(201, commit(ts, key, std::move(after), true));
    }
    if (generationView(after.object, ts.statusSubresource) != generationView(before.object, ts.statusSubresource)) {
      metadata["generation"] = before.object["metadata"].value("generation", 0) + 1;
    }
    return success(200, commit(ts, key, std::move(after), false));
  }();
  log(call, result.status);
  return result;
}

ApiResult ApiServerDouble::Core::remove(const std::string& caller, const ResourceType& type, const std::string& ns,
                                        const std::string& name) {
  const std::string effectiveNs = type.namespaced ? ns : "";
  CallRecord call{Verb::Delete, caller, qualified(type), effectiveNs, name, "", 0};
  std::unique_lock<std::mutex> lock;
  if (auto injected = begin(call, lock)) {
    log(call, *injected);
    return injectedFailure(*injected);
  }
  ApiResult result = [&]() -> ApiResult {
    if (auto bad = checkObjectNamespace(type, effectiveNs)) return *bad;
    TypeState& ts = typeState(type);
    const std::pair<std::string, std::string> key{effectiveNs, name};
    auto it = ts.objects.find(key);
    if (it == ts.objects.end()) return notFound(type, name);
    const json& metadata = it->second.object["metadata"];
    const auto finalizers = metadata.find("finalizers");
    if (finalizers != metadata.end() && finalizers->is_array() && !finalizers->empty()) {
      if (metadata.contains("deletionTimestamp")) return success(200, render(ts, it->second));
      Stored after = it->second;
      // Starting a deletion bumps the generation (the real server's markAsDeleting): controllers see a new spec.
      if (const std::int64_t generation = metadata.value("generation", std::int64_t{0}); generation > 0) {
        after.object["metadata"]["generation"] = generation + 1;
      }
      after.object["metadata"]["deletionTimestamp"] = now();
      after.object["metadata"]["deletionGracePeriodSeconds"] = 0;
      return success(200, commit(ts, key, std::move(after), false));
    }
    json last = render(ts, it->second);
    ts.objects.erase(it);
    json deleted = last;
    deleted["metadata"]["resourceVersion"] = std::to_string(++revision_);
    appendHistory({revision_, qualified(type), effectiveNs, "DELETED", deleted, last});
    return success(200, std::move(deleted));
  }();
  log(call, result.status);
  return result;
}

void ApiServerDouble::Core::setStatusSubresource(const ResourceType& type, bool enabled) {
  std::lock_guard lock(mu_);
  statusOverrides_[qualified(type)] = enabled;
  auto it = types_.find(qualified(type));
  if (it != types_.end()) it->second.statusSubresource = enabled;
}

void ApiServerDouble::Core::compact() {
  std::lock_guard lock(mu_);
  compactedRevision_ = revision_;
  trimHistory();
}

void ApiServerDouble::Core::endAllWatches() {
  std::lock_guard lock(mu_);
  for (auto& [id, slot] : watches_) slot.ended = true;
  changed_.notify_all();
}

void ApiServerDouble::Core::startOutage(int status, const std::string& caller) {
  std::lock_guard lock(mu_);
  outages_[caller] = status;
  for (auto& [id, slot] : watches_) {
    if (caller.empty() || slot.caller == caller) slot.broken = true;
  }
  changed_.notify_all();
}

void ApiServerDouble::Core::endOutage(const std::string& caller) {
  std::lock_guard lock(mu_);
  if (caller.empty()) {
    outages_.clear();
  } else {
    outages_.erase(caller);
  }
}

void ApiServerDouble::Core::failNext(Verb verb, int status, std::size_t times) {
  std::lock_guard lock(mu_);
  for (std::size_t i = 0; i < times; ++i) failNext_[verb].push_back(status);
}

void ApiServerDouble::Core::setBeforeCall(CallHook hook) {
  std::lock_guard lock(mu_);
  hook_ = std::move(hook);
}

std::vector<CallRecord> ApiServerDouble::Core::calls() const {
  std::lock_guard lock(mu_);
  return calls_;
}

void ApiServerDouble::Core::resetCalls() {
  std::lock_guard lock(mu_);
  calls_.clear();
}

std::string ApiServerDouble::Core::resourceVersion() const {
  std::lock_guard lock(mu_);
  return std::to_string(revision_);
}

std::optional<json> ApiServerDouble::Core::peek(const ResourceType& type, const std::string& ns,
                                                const std::string& name) const {
  std::lock_guard lock(mu_);
  const TypeState* ts = findType(type);
  if (ts == nullptr) return std::nullopt;
  auto it = ts->objects.find({type.namespaced ? ns : "", name});
  if (it == ts->objects.end()) return std::nullopt;
  return render(*ts, it->second);
}

std::vector<json> ApiServerDouble::Core::peekAll(const ResourceType& type, const std::string& ns) const {
  std::lock_guard lock(mu_);
  std::vector<json> out;
  const TypeState* ts = findType(type);
  if (ts == nullptr) return out;
  for (const auto& [key, stored] : ts->objects) {
    if (ns.empty() || key.first == ns) out.push_back(render(*ts, stored));
  }
  return out;
}

std::size_t ApiServerDouble::Core::openWatches() const {
  std::lock_guard lock(mu_);
  return watches_.size();
}

bool ApiServerDouble::Core::waitForOpenWatches(std::size_t count, milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return changed_.wait_for(lock, timeout, [&] { return watches_.size() >= count; });
}

// ---------------------------------------------------------------------------------------------------------------

namespace {

// A named client of the double.
class Connection final : public KubeClient {
 public:
  Connection(std::shared_ptr<ApiServerDouble::Core> core, std::string caller)
      : core_(std::move(core)), caller_(std::move(caller)) {}

  ApiResult get(const ResourceType& type, const std::string& ns, const std::string& name) override {
    return core_->get(caller_, type, ns, name);
  }
  ApiResult list(const ResourceType& type, const std::string& ns, const ListOptions& options) override {
    return core_->list(caller_, type, ns, options);
  }
  WatchResult watch(const ResourceType& type, const std::string& ns, const WatchOptions& options,
                    const std::function<bool(const WatchEvent&)>& onEvent, const std::atomic<bool>& stop) override {
    return core_->watch(caller_, type, ns, options, onEvent, stop);
  }
  ApiResult apply(const ResourceType& type, const std::string& ns, const std::string& name, const json& object,
                  const std::string& fieldManager, bool force) override {
    return core_->apply(caller_, type, ns, name, object, fieldManager, force, false);
  }
  ApiResult applyStatus(const ResourceType& type, const std::string& ns, const std::string& name, const json& object,
                        const std::string& fieldManager, bool force) override {
    return core_->apply(caller_, type, ns, name, object, fieldManager, force, true);
  }
  ApiResult create(const ResourceType& type, const std::string& ns, const json& object) override {
    return core_->create(caller_, type, ns, object);
  }
  ApiResult update(const ResourceType& type, const std::string& ns, const std::string& name,
                   const json& object) override {
    return core_->update(caller_, type, ns, name, object);
  }
  ApiResult remove(const ResourceType& type, const std::string& ns, const std::string& name) override {
    return core_->remove(caller_, type, ns, name);
  }

 private:
  std::shared_ptr<ApiServerDouble::Core> core_;
  std::string caller_;
};

constexpr const char* kDefaultCaller = "default";

}  // namespace

const char* verbName(Verb verb) {
  switch (verb) {
    case Verb::Get: return "get";
    case Verb::List: return "list";
    case Verb::Watch: return "watch";
    case Verb::Create: return "create";
    case Verb::Update: return "update";
    case Verb::Apply: return "apply";
    case Verb::ApplyStatus: return "applyStatus";
    case Verb::Delete: return "delete";
  }
  return "?";
}

bool isWriteVerb(Verb verb) {
  return verb == Verb::Create || verb == Verb::Update || verb == Verb::Apply || verb == Verb::ApplyStatus ||
         verb == Verb::Delete;
}

ApiServerDouble::ApiServerDouble(Options options) : core_(std::make_shared<Core>(std::move(options))) {}

ApiServerDouble::~ApiServerDouble() { core_->endAllWatches(); }

ApiResult ApiServerDouble::get(const ResourceType& type, const std::string& ns, const std::string& name) {
  auto core = core_;
  return core->get(kDefaultCaller, type, ns, name);
}
ApiResult ApiServerDouble::list(const ResourceType& type, const std::string& ns, const ListOptions& options) {
  auto core = core_;
  return core->list(kDefaultCaller, type, ns, options);
}
WatchResult ApiServerDouble::watch(const ResourceType& type, const std::string& ns, const WatchOptions& options,
                                   const std::function<bool(const WatchEvent&)>& onEvent,
                                   const std::atomic<bool>& stop) {
  auto core = core_;
  return core->watch(kDefaultCaller, type, ns, options, onEvent, stop);
}
ApiResult ApiServerDouble::apply(const ResourceType& type, const std::string& ns, const std::string& name,
                                 const json& object, const std::string& fieldManager, bool force) {
  auto core = core_;
  return core->apply(kDefaultCaller, type, ns, name, object, fieldManager, force, false);
}
ApiResult ApiServerDouble::applyStatus(const ResourceType& type, const std::string& ns, const std::string& name,
                                       const json& object, const std::string& fieldManager, bool force) {
  auto core = core_;
  return core->apply(kDefaultCaller, type, ns, name, object, fieldManager, force, true);
}
ApiResult ApiServerDouble::create(const ResourceType& type, const std::string& ns, const json& object) {
  auto core = core_;
  return core->create(kDefaultCaller, type, ns, object);
}
ApiResult ApiServerDouble::update(const ResourceType& type, const std::string& ns, const std::string& name,
                                  const json& object) {
  auto core = core_;
  return core->update(kDefaultCaller, type, ns, name, object);
}
ApiResult ApiServerDouble::remove(const ResourceType& type, const std::string& ns, const std::string& name) {
  auto core = core_;
  return core->remove(kDefaultCaller, type, ns, name);
}

KubeClientPtr ApiServerDouble::connection(const std::string& caller) {
  return std::make_shared<Connection>(core_, caller);
}

void ApiServerDouble::setStatusSubresource(const ResourceType& type, bool enabled) {
  core_->setStatusSubresource(type, enabled);
}
void ApiServerDouble::compact() { core_->compact(); }
void ApiServerDouble::endAllWatches() { core_->endAllWatches(); }
void ApiServerDouble::startOutage(int status, const std::string& caller) { core_->startOutage(status, caller); }
void ApiServerDouble::endOutage(const std::string& caller) { core_->endOutage(caller); }
void ApiServerDouble::failNext(Verb verb, int status, std::size_t times) { core_->failNext(verb, status, times); }
void ApiServerDouble::setBeforeCall(CallHook hook) { core_->setBeforeCall(std::move(hook)); }

std::vector<CallRecord> ApiServerDouble::calls() const { return core_->calls(); }

std::size_t ApiServerDouble::callCount(Verb verb) const {
  const auto all = core_->calls();
  return static_cast<std::size_t>(
      std::count_if(all.begin(), all.end(), [&](const CallRecord& c) { return c.verb == verb; }));
}

std::size_t ApiServerDouble::callCount(Verb verb, const ResourceType& type) const {
  const auto all = core_->calls();
  const std::string resource = qualified(type);
  return static_cast<std::size_t>(std::count_if(
      all.begin(), all.end(), [&](const CallRecord& c) { return c.verb == verb && c.resource == resource; }));
}

std::size_t ApiServerDouble::writeCount() const {
  const auto all = core_->calls();
  return static_cast<std::size_t>(
      std::count_if(all.begin(), all.end(), [](const CallRecord& c) { return isWriteVerb(c.verb); }));
}

void ApiServerDouble::resetCalls() { core_->resetCalls(); }
std::string ApiServerDouble::resourceVersion() const { return core_->resourceVersion(); }
std::optional<json> ApiServerDouble::peek(const ResourceType& type, const std::string& ns,
                                          const std::string& name) const {
  return core_->peek(type, ns, name);
}
std::vector<json> ApiServerDouble::peekAll(const ResourceType& type, const std::string& ns) const {
  return core_->peekAll(type, ns);
}
std::size_t ApiServerDouble::openWatches() const { return core_->openWatches(); }
bool ApiServerDouble::waitForOpenWatches(std::size_t count, milliseconds timeout) const {
  return core_->waitForOpenWatches(count, timeout);
}

}  // namespace warden::op::testing
