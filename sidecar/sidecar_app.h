#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sidecar/config/sidecar_config.h"
#include "sidecar/identity/identity_source.h"

namespace warden::sidecar {

class PolicyStore;
class MetricsRegistry;

// warden-sidecar, assembled: the identity source feeds the TLS contexts, the bundle watcher feeds the policy store,
// every decision goes through the receipt log, the proxy serves agents and the admin port serves probes and
// metrics. Ready (/readyz) only with an SVID and a policy.
class SidecarApp {
 public:
  // `identity` overrides the source the config names (tests); null: from the config.
  explicit SidecarApp(SidecarConfig config, std::unique_ptr<IdentitySource> identity = nullptr);
  ~SidecarApp();
  SidecarApp(const SidecarApp&) = delete;
  SidecarApp& operator=(const SidecarApp&) = delete;

  // Opens the receipt log, starts watching the policy and the identity, binds both ports. False with *error when
  // something cannot start; the process then exits non-zero rather than serve without its guarantees.
  bool start(std::string* error);
  // Stops accepting, lets open connections finish for up to `grace`, then stops everything.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(0));

  unsigned short proxyPort() const;
  unsigned short adminPort() const;
  std::vector<std::string> notReadyReasons() const;
  PolicyStore& policies();
  MetricsRegistry& metrics();

 private:
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

}  // namespace warden::sidecar
