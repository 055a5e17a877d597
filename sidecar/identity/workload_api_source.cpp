#include "sidecar/identity/workload_api_source.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <random>
#include <utility>

#include <grpcpp/grpcpp.h>

#include "policy/quote.h"
#include "sidecar/identity/reconnect_backoff.h"
#include "sidecar/identity/workload_api_address.h"
#include "sidecar/identity/workload_api_response.h"
#include "workload.grpc.pb.h"

namespace warden::sidecar {
namespace {

const char* statusCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return "OK";
    case grpc::StatusCode::CANCELLED: return "Cancelled";
    case grpc::StatusCode::UNKNOWN: return "Unknown";
    case grpc::StatusCode::INVALID_ARGUMENT: return "InvalidArgument";
    case grpc::StatusCode::DEADLINE_EXCEEDED: return "DeadlineExceeded";
    case grpc::StatusCode::NOT_FOUND: return "NotFound";
    case grpc::StatusCode::ALREADY_EXISTS: return "AlreadyExists";
    case grpc::StatusCode::PERMISSION_DENIED: return "PermissionDenied";
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return "ResourceExhausted";
    case grpc::StatusCode::FAILED_PRECONDITION: return "FailedPrecondition";
    case grpc::StatusCode::ABORTED: return "Aborted";
    case grpc::StatusCode::OUT_OF_RANGE: return "OutOfRange";
    case grpc::StatusCode::UNIMPLEMENTED: return "Unimplemented";
    case grpc::StatusCode::INTERNAL: return "Internal";
    case grpc::StatusCode::UNAVAILABLE: return "Unavailable";
    case grpc::StatusCode::DATA_LOSS: return "DataLoss";
    case grpc::StatusCode::UNAUTHENTICATED: return "Unauthenticated";
    default: return "unknown status";
  }
}

// The agent's text is not ours: quoted, so it cannot forge log lines.
std::string describe(const grpc::Status& status) {
  return std::string(statusCodeName(status.error_code())) + ": " + policy::quoteForMessage(status.error_message());
}

// Jitter only needs to differ between sidecars, not to be unpredictable; the clock is the fallback.
std::uint64_t backoffSeed() {
  try {
    return (static_cast<std::uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
  } catch (...) {
    return static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  }
}

int clampToInt(std::chrono::milliseconds value) {
  return static_cast<int>(std::min<std::chrono::milliseconds::rep>(value.count(), INT_MAX));
}

}  // namespace

std::unique_ptr<WorkloadApiSource> WorkloadApiSource::create(Options options, std::string* error) {
  std::string ignored;
  std::string& reason = error != nullptr ? *error : ignored;
  try {
    if (options.initialBackoff.count() <= 0) {
      reason = "Workload API initial backoff must be positive";
      return nullptr;
    }
    if (options.maxBackoff < options.initialBackoff) {
      reason = "Workload API maximum backoff must not be less than the initial backoff";
      return nullptr;
    }
    auto target = grpcTargetFor(options.address, &reason);
    if (!target) return nullptr;
    // gRPC's own reconnection backoff must not outlast ours, or a restarted agent would wait on gRPC's (up to
    // 120 s by default) rather than on the configured maximum.
    grpc::ChannelArguments arguments;
    arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, clampToInt(options.initialBackoff));
    arguments.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, clampToInt(options.initialBackoff));
    arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, clampToInt(options.maxBackoff));
    // The identity provider is local by definition: never reach it through an http_proxy/grpc_proxy from the
    // environment.
    arguments.SetInt(GRPC_ARG_ENABLE_HTTP_PROXY, 0);
    auto channel = grpc::CreateCustomChannel(*target, grpc::InsecureChannelCredentials(), arguments);
    if (!channel) {
      reason = "cannot create a gRPC channel to " + policy::quoteForMessage(*target);
      return nullptr;
    }
    return std::unique_ptr<WorkloadApiSource>(new WorkloadApiSource(std::move(options), std::move(channel)));
  } catch (const std::exception& e) {
    reason = std::string("cannot set up the Workload API client: ") + e.what();
    return nullptr;
  }
}

WorkloadApiSource::WorkloadApiSource(Options options, std::shared_ptr<grpc::Channel> channel)
    : options_(std::move(options)), source_("workload-api:" + options_.address), channel_(std::move(channel)) {}

WorkloadApiSource::~WorkloadApiSource() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    // A context not yet attached to a call cancels the call as soon as it starts.
    if (svidCall_ != nullptr) svidCall_->TryCancel();
    if (bundlesCall_ != nullptr) bundlesCall_->TryCancel();
  }
  stopRequested_.notify_all();
  if (svidThread_.joinable()) svidThread_.join();
  if (bundlesThread_.joinable()) bundlesThread_.join();
}

void WorkloadApiSource::start(UpdateCallback onUpdate, ErrorCallback onError) {
  std::lock_guard lock(mu_);
  if (started_ || stopping_) return;
  started_ = true;
  {
    std::lock_guard deliver(deliverMu_);
    onUpdate_ = std::move(onUpdate);
    onError_ = std::move(onError);
  }
  svidThread_ = std::thread([this] { runSvidStream(); });
  bundlesThread_ = std::thread([this] { runBundlesStream(); });
}

IdentitySnapshotPtr WorkloadApiSource::current() const {
  std::lock_guard lock(currentMu_);
  return current_;
}

template <typename Response, typename StartCall, typename Handle>
void WorkloadApiSource::runStream(grpc::ClientContext* WorkloadApiSource::*call, const char* method,
                                  StartCall startCall, Handle handle) {
  ReconnectBackoff backoff(options_.initialBackoff, options_.maxBackoff, backoffSeed());
  for (;;) {
    grpc::ClientContext context;
    // SPIFFE_Workload_Endpoint.md section 3: mandatory on every call (SSRF hardening).
    context.AddMetadata("workload.spiffe.io", "true");
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      this->*call = &context;
    }
    bool received = false;
    grpc::Status status;
    try {
      auto reader = startCall(&context);
      Response response;
      while (reader->Read(&response)) {
        received = true;
        handle(response);
      }
      status = reader->Finish();
    } catch (const std::exception& e) {
      // Allocation, or a callback that threw: a failed stream (the call is cancelled with its context), not a dead
      // thread.
      status = grpc::Status(grpc::StatusCode::INTERNAL, e.what());
    } catch (...) {
      status = grpc::Status(grpc::StatusCode::INTERNAL, "unknown exception");
    }
    {
      std::lock_guard lock(mu_);
      this->*call = nullptr;
      if (stopping_) return;
    }
    if (received) backoff.reset();
    const std::string where = std::string(method) + " at " + policy::quoteForMessage(options_.address);
    std::chrono::milliseconds delay;
    if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
      // The agent says the request itself is wrong: the spec's "do not retry" case, which means a client or agent
      // bug. Keep trying slowly anyway: a sidecar that gives up can never become ready.
      delay = options_.maxBackoff;
      reportError("the Workload API refused " + where + " (" + describe(status) +
                  "): the agent considers the request invalid, which is a client bug (every call carries "
                  "workload.spiffe.io: true); retrying every " + std::to_string(delay.count()) + " ms");
    } else {
      delay = backoff.next();
      const std::string what = status.ok() ? where + ": the stream ended" : where + " failed (" + describe(status) + ")";
      reportError(what + "; retrying in " + std::to_string(delay.count()) + " ms");
    }
    if (!waitBeforeRetry(delay)) return;
  }
}

void WorkloadApiSource::runSvidStream() {
  auto stub = SpiffeWorkloadAPI::NewStub(channel_);
  runStream<X509SVIDResponse>(
      &WorkloadApiSource::svidCall_, "FetchX509SVID",
      [&](grpc::ClientContext* context) { return stub->FetchX509SVID(context, X509SVIDRequest()); },
      [&](const X509SVIDResponse& response) {
        std::string error;
        auto update = parseX509SvidResponse(response, &error);
        if (!update) {
          reportError("malformed FetchX509SVID response from " + policy::quoteForMessage(options_.address) + ": " +
                      error + "; keeping the last good identity");
          return;
        }
        acceptSvid(std::move(*update));
      });
}

void WorkloadApiSource::runBundlesStream() {
  auto stub = SpiffeWorkloadAPI::NewStub(channel_);
  runStream<X509BundlesResponse>(
      &WorkloadApiSource::bundlesCall_, "FetchX509Bundles",
      [&](grpc::ClientContext* context) { return stub->FetchX509Bundles(context, X509BundlesRequest()); },
      [&](const X509BundlesResponse& response) {
        std::string error;
        auto bundles = parseX509BundlesResponse(response, &error);
        if (!bundles) {
          reportError("malformed FetchX509Bundles response from " + policy::quoteForMessage(options_.address) +
                      ": " + error + "; keeping the last good bundles");
          return;
        }
        acceptBundles(std::move(*bundles));
      });
}

void WorkloadApiSource::acceptSvid(X509SvidUpdate update) {
  std::lock_guard deliver(deliverMu_);
  svid_ = std::make_unique<X509SvidUpdate>(std::move(update));
  deliverIfChanged();
}

void WorkloadApiSource::acceptBundles(TrustBundles bundles) {
  std::lock_guard deliver(deliverMu_);
  allBundles_ = std::move(bundles);
  deliverIfChanged();
}

void WorkloadApiSource::deliverIfChanged() {
  if (!svid_) return;  // bundles alone are no identity
  auto snapshot = std::make_shared<IdentitySnapshot>();
  snapshot->svid = copySvid(svid_->svid);
  // FetchX509Bundles carries every bundle, so once it has spoken it is the authority on them.
  snapshot->bundles = copyBundles(allBundles_ ? *allBundles_ : svid_->bundles);
  snapshot->source = source_;
  {
    std::lock_guard lock(currentMu_);
    if (current_ && sameSnapshot(*current_, *snapshot)) return;
    current_ = snapshot;
  }
  if (onUpdate_) onUpdate_(std::move(snapshot));
}

void WorkloadApiSource::reportError(const std::string& message) {
  std::lock_guard deliver(deliverMu_);
  try {
    if (onError_) onError_(message);
  } catch (...) {
    // An error reporter that fails has nowhere left to report to; the stream thread must survive it.
  }
}

bool WorkloadApiSource::waitBeforeRetry(std::chrono::milliseconds delay) {
  std::unique_lock lock(mu_);
  return !stopRequested_.wait_for(lock, delay, [this] { return stopping_; });
}

}  // namespace warden::sidecar
