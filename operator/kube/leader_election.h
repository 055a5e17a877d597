#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "operator/kube/kube_client.h"

namespace warden::op {

struct LeaderElectionConfig {
  std::string leaseNamespace;
  std::string leaseName = "mcp-warden-operator";
  std::string identity;  // unique per replica (pod name + random suffix)
  std::chrono::milliseconds leaseDuration{15'000};
  std::chrono::milliseconds renewDeadline{10'000};
  std::chrono::milliseconds retryPeriod{2'000};
  // stop() while leading releases the lease (client-go's ReleaseOnCancel). False only to simulate a replica that
  // dies without releasing (tests): the others then wait for the lease to expire.
  bool releaseOnCancel = true;
};

// Leader election with a coordination.k8s.io/v1 Lease, as client-go does it: acquire when the lease is free or
// expired (holder's renewTime + leaseDuration passed, measured on our own clock since we last saw it change),
// renew every retryPeriod, give up leadership at once when a renewal has not succeeded within renewDeadline (so
// two replicas never both act), conflicts (409) resolved by re-reading. Callbacks run on the elector's thread.
//
// In detail:
// - The Lease's spec: holderIdentity, leaseDurationSeconds (leaseDuration rounded up to whole seconds),
//   acquireTime and renewTime (MicroTime, "2006-01-02T15:04:05.000000Z", UTC), leaseTransitions (incremented
//   when the holder changes). The lease is created when missing.
// - Expiry is judged only by our own observation: the time, on our monotonic clock, at which we last saw the
//   lease's spec change. The holder's timestamps are never compared with our clock (clocks differ). The duration
//   is our leaseDuration, or the holder's leaseDurationSeconds when that is longer (a holder configured with a
//   longer lease is respected).
// - Every attempt re-reads the lease (GET), then writes it with the read resourceVersion as precondition (PUT); a
//   409 means another replica wrote first: the attempt failed, the next one re-reads.
// - Candidates retry every retryPeriod plus jitter of up to 1.2 retryPeriod (client-go's JitterFactor); the leader
//   renews every retryPeriod. A leader steps down (isLeader() false, then onStoppedLeading) when renewDeadline
//   has passed since the start of its last successful renewal, or at once when it reads the lease held by another
//   identity. It then goes on as a candidate. isLeader() turns false at the deadline by itself, even while the
//   elector's thread is stuck in an API call; onStoppedLeading follows when the thread gets back (a renewal that
//   succeeds after the deadline does not undo it: the elector then leads anew, onStartedLeading again).
// - stop(): while leading, first stops leading (onStoppedLeading), then releases the lease (holderIdentity "",
//   leaseDurationSeconds 1, as client-go's ReleaseOnCancel) so another replica takes over at its next attempt;
//   onStoppedLeading runs before the release so that two replicas never act at once. onStoppedLeading is called
//   only after onStartedLeading was. stop() returns when the thread has ended: at once while waiting between
//   attempts (a condition variable), after the in-flight API call and the release otherwise.
// - Callbacks must return promptly (start or stop the controllers, do not run them). A callback that throws is
//   logged; onStartedLeading throwing counts as failing to lead: leadership is given up and the lease released.
//   stop() from a callback only asks the thread to end; the destructor must not run on the elector's thread.
// Thread-safe.
class LeaderElector {
 public:
  struct Callbacks {
    std::function<void()> onStartedLeading;
    std::function<void()> onStoppedLeading;
  };
  // Throws std::invalid_argument for a null client or an invalid configuration: empty namespace, name or identity,
  // or not leaseDuration > renewDeadline > 1.2 * retryPeriod > 0.
  LeaderElector(KubeClientPtr client, LeaderElectionConfig config, Callbacks callbacks);
  ~LeaderElector();

  void start();  // once; std::logic_error when called again
  // Stops; when leading, releases the lease (holder cleared) so another replica takes over at once.
  void stop();
  bool isLeader() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// A Kubernetes MicroTime in UTC: "2006-01-02T15:04:05.000000Z".
std::string formatMicroTime(std::chrono::system_clock::time_point time);

}  // namespace warden::op
