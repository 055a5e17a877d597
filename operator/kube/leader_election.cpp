#include "operator/kube/leader_election.h"

#include "operator/controllers/clock.h"

#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <exception>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>
#include <utility>

#include "sidecar/common/logging.h"

namespace warden::op {

namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

// client-go's JitterFactor for candidates' retries.
constexpr double kJitterFactor = 1.2;

enum class Attempt {
  Holding,       // the lease is ours: acquired or renewed
  HeldByOther,   // another identity holds an unexpired lease
  Failed,        // no answer, an error, or a lost race (409): try again
};

std::int64_t wholeSecondsUp(milliseconds d) { return std::max<std::int64_t>(1, (d.count() + 999) / 1000); }

std::string stringField(const json& object, const char* key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::int64_t intField(const json& object, const char* key) {
  if (!object.is_object()) return 0;
  auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

}  // namespace

std::string formatMicroTime(std::chrono::system_clock::time_point time) { return formatRfc3339Micros(time); }

struct LeaderElector::State {
  State(KubeClientPtr c, LeaderElectionConfig cfg, Callbacks cb)
      : client(std::move(c)), config(std::move(cfg)), callbacks(std::move(cb)), random(std::random_device{}()) {}

  const KubeClientPtr client;
  const LeaderElectionConfig config;
  const Callbacks callbacks;

  std::mutex lifecycleMu;  // start/stop
  bool started = false;
  std::thread thread;

  std::mutex mu;  // with cv: waits between attempts, woken by stop()
  std::condition_variable cv;
  std::atomic<bool> stopping{false};

  std::atomic<bool> leading{false};
  std::atomic<steady_clock::rep> renewedAt{0};  // steady_clock ticks: start of the last successful attempt

  // The elector thread's own state.
  json observedSpec;
  bool observed = false;
  steady_clock::time_point observedAt{};
  bool holdsLease = false;  // our last write made us the holder and no read since showed otherwise
  std::mt19937_64 random;

  void run();
  Attempt tryAcquireOrRenew(steady_clock::time_point now);
  void observe(const json& spec, steady_clock::time_point now);
  milliseconds expiryOf(const json& spec) const;
  json record(const json& previous, bool renewing) const;
  void startLeading();
  void stopLeading(const char* why);
  void release();
  void waitUntil(steady_clock::time_point when);
  json logFields() const {
    return {{"lease", config.leaseNamespace + "/" + config.leaseName}, {"identity", config.identity}};
  }
};

void LeaderElector::State::run() {
  while (!stopping.load()) {
    const auto attemptStart = steady_clock::now();
    Attempt attempt = Attempt::Failed;
    try {
      attempt = tryAcquireOrRenew(attemptStart);
    } catch (const std::exception& e) {
      json fields = logFields();
      fields["error"] = e.what();
      sidecar::logError("leader election: unexpected error", fields);
    } catch (...) {
      sidecar::logError("leader election: unexpected non-standard exception", logFields());
    }
    // The deadline is final: a renewal that returns after it does not extend the term (isLeader() has already
    // turned false); the elector then leads anew, with fresh callbacks, if the lease is still ours.
    if (leading.load() && steady_clock::now() - steady_clock::time_point(steady_clock::duration(renewedAt.load())) >=
                              config.renewDeadline) {
      stopLeading("the lease was not renewed within renewDeadline");
    }
    if (attempt == Attempt::Holding) {
      renewedAt.store(attemptStart.time_since_epoch().count());
      holdsLease = true;
      if (!leading.load() && !stopping.load()) startLeading();
    } else if (attempt == Attempt::HeldByOther) {
      holdsLease = false;
      if (leading.load()) stopLeading("the lease is held by another identity");
    }

    steady_clock::time_point wakeAt;
    if (leading.load()) {
      const auto deadline = steady_clock::time_point(steady_clock::duration(renewedAt.load())) + config.renewDeadline;
      wakeAt = std::min(attemptStart + config.retryPeriod, deadline);
    } else {
      std::uniform_real_distribution<double> jitter(0.0, kJitterFactor);
      const auto extra = std::chrono::duration_cast<steady_clock::duration>(config.retryPeriod * jitter(random));
      wakeAt = steady_clock::now() + config.retryPeriod + extra;
    }
    waitUntil(wakeAt);
    if (leading.load() &&
        steady_clock::now() - steady_clock::time_point(steady_clock::duration(renewedAt.load())) >=
            config.renewDeadline) {
      stopLeading("the lease was not renewed within renewDeadline");
    }
  }
  if (leading.load()) stopLeading("stopping");
  if (holdsLease && config.releaseOnCancel) {
    try {
      release();
    } catch (const std::exception& e) {
      json fields = logFields();
      fields["error"] = e.what();
      sidecar::logError("leader election: releasing the lease failed", fields);
    } catch (...) {
      sidecar::logError("leader election: releasing the lease failed (non-standard exception)", logFields());
    }
  }
}

void LeaderElector::State::observe(const json& spec, steady_clock::time_point now) {
  if (!observed || spec != observedSpec) {
    observedSpec = spec;
    observedAt = now;
    observed = true;
  }
}

milliseconds LeaderElector::State::expiryOf(const json& spec) const {
  const std::int64_t declared = intField(spec, "leaseDurationSeconds");
  if (declared > wholeSecondsUp(config.leaseDuration)) return std::chrono::seconds(declared);
  return config.leaseDuration;
}

json LeaderElector::State::record(const json& previous, bool renewing) const {
  const std::string now = formatMicroTime(std::chrono::system_clock::now());
  json spec = json::object();
  spec["holderIdentity"] = config.identity;
  spec["leaseDurationSeconds"] = wholeSecondsUp(config.leaseDuration);
  const std::string acquired = stringField(previous, "acquireTime");
  spec["acquireTime"] = renewing && !acquired.empty() ? acquired : now;
  spec["renewTime"] = now;
  const std::int64_t transitions = intField(previous, "leaseTransitions");
  spec["leaseTransitions"] = renewing ? transitions : (previous.is_object() ? transitions + 1 : 0);
  return spec;
}

Attempt LeaderElector::State::tryAcquireOrRenew(steady_clock::time_point now) {
  const ResourceType& leases = resources::leases();
  ApiResult current = client->get(leases, config.leaseNamespace, config.leaseName);
  if (current.notFound()) {
    json lease = {{"apiVersion", leases.apiVersion()},
                  {"kind", leases.kind},
                  {"metadata", {{"name", config.leaseName}, {"namespace", config.leaseNamespace}}},
                  {"spec", record(json(), false)}};
    ApiResult created = client->create(leases, config.leaseNamespace, lease);
    if (!created.ok()) {
      json fields = logFields();
      fields["status"] = created.status;
      fields["error"] = created.error;
      if (created.conflict()) {
        sidecar::logDebug("leader election: another replica created the lease first", fields);
      } else {
        sidecar::logWarn("leader election: creating the lease failed", fields);
      }
      return Attempt::Failed;
    }
    observe(created.body.value("spec", json::object()), now);
    return Attempt::Holding;
  }
  if (!current.ok()) {
    json fields = logFields();
    fields["status"] = current.status;
    fields["error"] = current.error;
    sidecar::logWarn("leader election: reading the lease failed", fields);
    return Attempt::Failed;
  }
  json spec = current.body.is_object() ? current.body.value("spec", json::object()) : json::object();
  if (!spec.is_object()) spec = json::object();
  observe(spec, now);
  const std::string holder = stringField(spec, "holderIdentity");
  const bool ours = holder == config.identity;
  if (!holder.empty() && !ours && now < observedAt + expiryOf(spec)) return Attempt::HeldByOther;

  json updated = current.body;
  updated["spec"] = record(spec, ours);
  ApiResult written = client->update(leases, config.leaseNamespace, config.leaseName, updated);
  if (!written.ok()) {
    json fields = logFields();
    fields["status"] = written.status;
    fields["error"] = written.error;
    if (written.conflict()) {
      sidecar::logDebug("leader election: the lease changed under us (409); re-reading next time", fields);
    } else {
      sidecar::logWarn(ours ? "leader election: renewing the lease failed" : "leader election: acquiring failed",
                       fields);
    }
    return Attempt::Failed;
  }
  observe(written.body.value("spec", json::object()), now);
  if (!ours) {
    json fields = logFields();
    fields["previousHolder"] = holder;
    sidecar::logInfo("leader election: acquired the lease", fields);
  }
  return Attempt::Holding;
}

void LeaderElector::State::startLeading() {
  leading.store(true);
  sidecar::logInfo("leader election: started leading", logFields());
  if (!callbacks.onStartedLeading) return;
  try {
    callbacks.onStartedLeading();
    return;
  } catch (const std::exception& e) {
    json fields = logFields();
    fields["error"] = e.what();
    sidecar::logError("leader election: onStartedLeading failed; giving up leadership", fields);
  } catch (...) {
    sidecar::logError("leader election: onStartedLeading failed (non-standard exception); giving up leadership",
                      logFields());
  }
  stopLeading("onStartedLeading failed");
  try {
    release();
  } catch (...) {
    sidecar::logError("leader election: releasing the lease failed", logFields());
  }
}

void LeaderElector::State::stopLeading(const char* why) {
  leading.store(false);
  json fields = logFields();
  fields["reason"] = why;
  sidecar::logInfo("leader election: stopped leading", fields);
  if (!callbacks.onStoppedLeading) return;
  try {
    callbacks.onStoppedLeading();
  } catch (const std::exception& e) {
    fields["error"] = e.what();
    sidecar::logError("leader election: onStoppedLeading failed", fields);
  } catch (...) {
    sidecar::logError("leader election: onStoppedLeading failed (non-standard exception)", fields);
  }
}

void LeaderElector::State::release() {
  const ResourceType& leases = resources::leases();
  // Two tries: a 409 here means the lease changed since we read it (another replica, or our own renewal racing
  // nothing else), so read again once; beyond that the lease expires by itself.
  for (int attempt = 0; attempt < 2; ++attempt) {
    ApiResult current = client->get(leases, config.leaseNamespace, config.leaseName);
    if (!current.ok() || !current.body.is_object()) break;
    const json spec = current.body.value("spec", json::object());
    if (stringField(spec, "holderIdentity") != config.identity) {
      holdsLease = false;
      return;  // not ours any more: nothing to release
    }
    const std::string now = formatMicroTime(std::chrono::system_clock::now());
    json updated = current.body;
    updated["spec"] = {{"holderIdentity", ""},
                       {"leaseDurationSeconds", 1},
                       {"acquireTime", now},
                       {"renewTime", now},
                       {"leaseTransitions", intField(spec, "leaseTransitions")}};
    ApiResult written = client->update(leases, config.leaseNamespace, config.leaseName, updated);
    if (written.ok()) {
      holdsLease = false;
      sidecar::logInfo("leader election: released the lease", logFields());
      return;
    }
    if (!written.conflict()) break;
  }
  sidecar::logWarn("leader election: could not release the lease; it will expire", logFields());
}

void LeaderElector::State::waitUntil(steady_clock::time_point when) {
  std::unique_lock lock(mu);
  cv.wait_until(lock, when, [this] { return stopping.load(); });
}

LeaderElector::LeaderElector(KubeClientPtr client, LeaderElectionConfig config, Callbacks callbacks) {
  if (!client) throw std::invalid_argument("leader election: a KubeClient is required");
  if (config.leaseNamespace.empty() || config.leaseName.empty()) {
    throw std::invalid_argument("leader election: the lease namespace and name are required");
  }
  if (config.identity.empty()) throw std::invalid_argument("leader election: an identity is required");
  if (config.retryPeriod <= milliseconds::zero()) {
    throw std::invalid_argument("leader election: retryPeriod must be positive");
  }
  if (!(config.leaseDuration > config.renewDeadline)) {
    throw std::invalid_argument("leader election: leaseDuration must be longer than renewDeadline");
  }
  if (!(static_cast<double>(config.renewDeadline.count()) >
        kJitterFactor * static_cast<double>(config.retryPeriod.count()))) {
    throw std::invalid_argument("leader election: renewDeadline must be longer than 1.2 * retryPeriod");
  }
  state_ = std::make_unique<State>(std::move(client), std::move(config), std::move(callbacks));
}

LeaderElector::~LeaderElector() { stop(); }

void LeaderElector::start() {
  std::lock_guard lock(state_->lifecycleMu);
  if (state_->started) throw std::logic_error("leader election: start() called twice");
  state_->started = true;
  State* state = state_.get();
  state_->thread = std::thread([state] { state->run(); });
}

void LeaderElector::stop() {
  std::lock_guard lock(state_->lifecycleMu);
  {
    std::lock_guard stateLock(state_->mu);
    state_->stopping.store(true);
  }
  state_->cv.notify_all();
  if (!state_->thread.joinable()) return;
  if (state_->thread.get_id() == std::this_thread::get_id()) return;  // from a callback: the thread ends by itself
  state_->thread.join();
}

bool LeaderElector::isLeader() const {
  if (!state_->leading.load()) return false;
  const auto renewed = steady_clock::time_point(steady_clock::duration(state_->renewedAt.load()));
  return steady_clock::now() - renewed < state_->config.renewDeadline;
}

}  // namespace warden::op
