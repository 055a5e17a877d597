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
};

// Leader election with a coordination.k8s.io/v1 Lease, as client-go does it: acquire when the lease is free or
// expired (holder's renewTime + leaseDuration passed, measured on our own clock since we last saw it change),
// renew every retryPeriod, give up leadership at once when a renewal has not succeeded within renewDeadline (so
// two replicas never both act), conflicts (409) resolved by re-reading. Callbacks run on the elector's thread.
class LeaderElector {
 public:
  struct Callbacks {
    std::function<void()> onStartedLeading;
    std::function<void()> onStoppedLeading;
  };
  LeaderElector(KubeClientPtr client, LeaderElectionConfig config, Callbacks callbacks);
  ~LeaderElector();

  void start();
  // Stops; when leading, releases the lease (holder cleared) so another replica takes over at once.
  void stop();
  bool isLeader() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace warden::op
