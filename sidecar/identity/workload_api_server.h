#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sidecar/identity/dev_ca.h"
#include "sidecar/identity/svid.h"

namespace warden::sidecar {

struct DevWorkloadApiOptions {
  std::string socketPath;             // the unix socket to serve on; its directory must exist
  std::string spiffeId;               // the SVID's ID, in the CA's trust domain
  std::vector<std::string> dnsNames;  // DNS SANs; localhost and 127.0.0.1 are always added (design D5)
  std::chrono::seconds svidTtl{3600};  // at least 2s; the server rotates at half the SVID's lifetime
  TrustBundles federatedBundles;       // sent besides the CA's own bundle on both X.509 streams
  // Called after every issuance (the first at start, then each rotation), one call at a time, on the thread that
  // issued (start()'s caller, rotate()'s caller or the rotation thread). Must not call back into the server.
  std::function<void(const X509Svid&)> onIssued;
  // Called when a scheduled rotation fails (the CA expired, say); the previous SVID keeps being served and the
  // rotation is retried a second later. Same threading rules as onIssued.
  std::function<void(const std::string&)> onError;
};

// The SPIFFE Workload API for development, demos and tests (`wardenctl dev workload-api`): the real protocol
// (gRPC, FetchX509SVID and FetchX509Bundles streams, the workload.spiffe.io security header) on a unix socket, with
// SVIDs issued by a DevCa. Every caller gets the same identity: there is no workload attestation, so the socket's
// file mode (0600) is the only access control. JWT methods answer UNIMPLEMENTED.
//
// Thread safety: all public methods may be called from any thread at once. The CA passed to start() must outlive
// the server (it issues every rotation). Destruction stops the rotation thread, ends every open stream and shuts
// gRPC down; it does not wait for clients.
class DevWorkloadApiServer {
 public:
  // Serves on options.socketPath. A stale socket file there (nothing accepting on it) is replaced; a live one, or
  // any other kind of file, is an error, as are an invalid SPIFFE ID, one outside the CA's trust domain, an invalid
  // DNS name or a TTL under 2s. nullptr with *error on failure.
  static std::unique_ptr<DevWorkloadApiServer> start(const DevCa& ca, DevWorkloadApiOptions options,
                                                     std::string* error);
  ~DevWorkloadApiServer();
  DevWorkloadApiServer(const DevWorkloadApiServer&) = delete;
  DevWorkloadApiServer& operator=(const DevWorkloadApiServer&) = delete;

  // Issues a fresh SVID now, pushes it to every open FetchX509SVID stream and restarts the rotation timer. False
  // with *error (when not null) if the CA refuses; the previous SVID stays in force.
  bool rotate(std::string* error = nullptr);
  // Replaces the federated bundles and pushes the new state on both X.509 streams. False with *error (when not
  // null) for an invalid trust domain name, the CA's own trust domain or an empty bundle; nothing changes then.
  bool setFederatedBundles(TrustBundles bundles, std::string* error = nullptr);

  // Open FetchX509SVID and FetchX509Bundles streams.
  std::size_t openStreams() const;
  // Waits up to `timeout` until openStreams() == count; false on timeout. For tests and tools.
  bool waitForOpenStreams(std::size_t count, std::chrono::milliseconds timeout) const;
  // The SVID being served now, and when the rotation thread will replace it.
  X509Svid currentSvid() const;
  std::chrono::system_clock::time_point nextRotation() const;
  // The socket as a SPIFFE_ENDPOINT_SOCKET value ("unix:///abs/path"), for clients.
  const std::string& address() const;

 private:
  class Impl;
  explicit DevWorkloadApiServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace warden::sidecar
