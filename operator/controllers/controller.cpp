#include "operator/controllers/controller.h"

#include <chrono>
#include <exception>
#include <stdexcept>

#include "sidecar/common/logging.h"

namespace warden::op {

using sidecar::logDebug;
using sidecar::logWarn;

Controller::Controller(ControllerOptions options, Reconcile reconcile, ControllerMetrics& metrics)
    : options_(std::move(options)), reconcile_(std::move(reconcile)), metrics_(metrics), queue_(options_.queue) {
  if (options_.workers < 1) throw std::invalid_argument("a controller needs at least one worker");
  if (!reconcile_) throw std::invalid_argument("a controller needs a reconcile function");
}

Controller::~Controller() { stop(); }

void Controller::start() {
  if (started_.exchange(true)) throw std::logic_error("controller " + options_.name + " started twice");
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { work(); });
}

void Controller::stop() {
  queue_.shutDown();
  for (auto& t : workers_)
    if (t.joinable()) t.join();
  workers_.clear();
}

void Controller::enqueue(const std::string& key) {
  queue_.add(key);
  metrics_.queueDepth.with({options_.name}).set(static_cast<double>(queue_.depth()));
}

void Controller::work() {
  auto& success = metrics_.reconciles.with({options_.name, "success"});
  auto& failure = metrics_.reconciles.with({options_.name, "error"});
  auto& duration = metrics_.durations.with({options_.name});
  auto& writes = metrics_.writes.with({options_.name});
  auto& depth = metrics_.queueDepth.with({options_.name});
  while (auto key = queue_.get()) {
    depth.set(static_cast<double>(queue_.depth()));
    const auto started = std::chrono::steady_clock::now();
    ReconcileResult result;
    try {
      result = reconcile_(*key);
    } catch (const std::exception& e) {
      result.error = std::string("reconcile threw: ") + e.what();
    } catch (...) {
      result.error = "reconcile threw a non-standard exception";
    }
    duration.observeDuration(std::chrono::steady_clock::now() - started);
    if (result.writes > 0) writes.inc(static_cast<std::uint64_t>(result.writes));
    if (result.ok()) {
      success.inc();
      queue_.forget(*key);
      if (result.requeueAfter.count() > 0) queue_.addAfter(*key, result.requeueAfter);
      if (result.writes > 0)
        logDebug("reconciled", {{"controller", options_.name}, {"key", *key}, {"writes", result.writes}});
    } else {
      failure.inc();
      logWarn("reconcile failed; retrying with backoff",
              {{"controller", options_.name}, {"key", *key}, {"error", result.error},
               {"failures", queue_.failures(*key) + 1}});
      queue_.addRateLimited(*key);
    }
    queue_.done(*key);
    depth.set(static_cast<double>(queue_.depth()));
  }
}

}  // namespace warden::op
