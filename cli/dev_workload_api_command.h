#pragma once

// `wardenctl dev workload-api`: the SPIFFE Workload API for local use, serving SVIDs from the dev CA that
// `wardenctl dev ca` created, until stopped.

#include <atomic>
#include <ostream>
#include <string>
#include <vector>

namespace warden::cli {

struct DevWorkloadApiArgs {
  std::string caDir;                  // --ca-dir: ca.pem and ca_key.pem, as `wardenctl dev ca` writes them
  std::string socket;                 // --socket: the unix socket to serve on
  std::string spiffeId;               // --spiffe-id: the identity every caller gets
  std::vector<std::string> dnsNames;  // --dns: DNS SANs besides localhost and 127.0.0.1
  std::string ttl = "1h";             // --ttl: SVID lifetime (Kubernetes-style duration, at least 2s)
};

// Serves until `stop` becomes true (checked every 100 ms; main() sets it on SIGINT/SIGTERM). Writes one line per
// issued SVID to `out` ("issued <spiffeId>, expires <RFC 3339>"), the address and diagnostics to `err`. Returns
// kExitOk after a clean stop, kExitUsage for bad arguments, kExitDataError when the CA does not load, kExitFailed
// when the server cannot start.
int runDevWorkloadApi(const DevWorkloadApiArgs& args, std::ostream& out, std::ostream& err,
                      const std::atomic<bool>& stop);

}  // namespace warden::cli
