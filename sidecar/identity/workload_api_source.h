#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "sidecar/identity/identity_source.h"
#include "sidecar/identity/svid.h"

namespace grpc {
class Channel;
class ClientContext;
}  // namespace grpc

namespace warden::sidecar {

struct X509SvidUpdate;

// The sidecar's identity from the SPIFFE Workload API (design D5). Two streams, each on its own thread and each
// call carrying the `workload.spiffe.io: true` metadata:
// - FetchX509SVID: the default SVID (svids[0]) with its trust domain's bundle and the federated bundles;
// - FetchX509Bundles: every bundle; once it has delivered, its map replaces the bundles from the SVID stream.
// Every message carries the full state. A snapshot is delivered whenever the combined result changes; identical
// messages deliver nothing. A malformed message (bad DER, a key that does not match, no SVIDs, a bad trust domain)
// goes to onError and the last good snapshot stays. A stream that fails or ends is reopened after an exponential,
// jittered backoff between initialBackoff and maxBackoff (reset once a stream delivers); InvalidArgument, which
// means the agent refused the request itself, is reported and retried every maxBackoff: giving up would leave the
// sidecar never ready.
//
// Thread safety: current() may be called from any thread at any time. Callbacks run on the stream threads, one at a
// time, and must not destroy the source. The destructor cancels both calls and wakes any backoff wait, so it
// returns promptly whether the agent is connected, hanging or unreachable.
class WorkloadApiSource final : public IdentitySource {
 public:
  struct Options {
    std::string address;  // SPIFFE_ENDPOINT_SOCKET form: unix:///path or tcp://IP:port
    std::chrono::milliseconds initialBackoff{1000};
    std::chrono::milliseconds maxBackoff{30000};
  };

  // nullptr with *error for an invalid address or backoff (initialBackoff > 0, maxBackoff >= initialBackoff).
  // Connects lazily: nothing happens until start().
  static std::unique_ptr<WorkloadApiSource> create(Options options, std::string* error);
  ~WorkloadApiSource() override;
  WorkloadApiSource(const WorkloadApiSource&) = delete;
  WorkloadApiSource& operator=(const WorkloadApiSource&) = delete;

  // Starts both streams. A second call does nothing.
  void start(UpdateCallback onUpdate, ErrorCallback onError) override;
  // The last snapshot delivered; nullptr before the first.
  IdentitySnapshotPtr current() const;

 private:
  WorkloadApiSource(Options options, std::shared_ptr<grpc::Channel> channel);
  // One stream's life: call, read until it ends, back off, call again, until the destructor stops it. `call` is
  // where the context in flight is published for the destructor to cancel.
  template <typename Response, typename StartCall, typename Handle>
  void runStream(grpc::ClientContext* WorkloadApiSource::*call, const char* method, StartCall startCall,
                 Handle handle);
  void runSvidStream();
  void runBundlesStream();
  // The parsed content of one message; combines it with the other stream's, compares and delivers.
  void acceptSvid(X509SvidUpdate update);
  void acceptBundles(TrustBundles bundles);
  void deliverIfChanged();  // requires deliverMu_
  void reportError(const std::string& message);
  // Waits for `delay` or until the destructor asks to stop; false when stopping.
  bool waitBeforeRetry(std::chrono::milliseconds delay);

  const Options options_;
  const std::string source_;  // label in snapshots: "workload-api:<address>"
  const std::shared_ptr<grpc::Channel> channel_;

  // Stop flag, the calls in flight (so the destructor can cancel them) and the backoff wait.
  std::mutex mu_;
  std::condition_variable stopRequested_;
  bool stopping_ = false;
  bool started_ = false;
  grpc::ClientContext* svidCall_ = nullptr;
  grpc::ClientContext* bundlesCall_ = nullptr;

  // Held while combining and calling back, so callbacks never overlap and snapshots arrive in order.
  std::mutex deliverMu_;
  UpdateCallback onUpdate_;
  ErrorCallback onError_;
  std::unique_ptr<X509SvidUpdate> svid_;    // under deliverMu_; from FetchX509SVID
  std::optional<TrustBundles> allBundles_;  // under deliverMu_; from FetchX509Bundles

  mutable std::mutex currentMu_;
  IdentitySnapshotPtr current_;

  std::thread svidThread_;
  std::thread bundlesThread_;
};

}  // namespace warden::sidecar
