#pragma once

// Where the sidecar's identity (its SVID and the trust bundles) comes from: the SPIFFE Workload API, or files for
// local use (design D5). The sidecar swaps its TLS credentials on every snapshot it receives.

#include <functional>
#include <string>

#include "sidecar/identity/svid.h"

namespace warden::sidecar {

class IdentitySource {
 public:
  using UpdateCallback = std::function<void(IdentitySnapshotPtr)>;
  using ErrorCallback = std::function<void(const std::string&)>;

  virtual ~IdentitySource() = default;  // implementations stop and join in their destructor

  // Delivers snapshots on the source's own thread: the first as soon as one is available, then one per change.
  // Errors (a source that cannot be read, an invalid update) go to onError; the last good snapshot stays in force
  // and nothing is delivered in its place. Callbacks are never called concurrently. Call start() once.
  virtual void start(UpdateCallback onUpdate, ErrorCallback onError) = 0;
};

}  // namespace warden::sidecar
