#include "sidecar/identity/workload_api_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>
#include <utility>

#include <grpcpp/grpcpp.h>

#include "policy/quote.h"
#include "policy/spiffe_id.h"
#include "sidecar/identity/workload_api_address.h"
#include "workload.grpc.pb.h"

namespace warden::sidecar {
namespace {

using Clock = std::chrono::system_clock;

constexpr char kSecurityHeader[] = "workload.spiffe.io";
constexpr std::chrono::seconds kMinimumTtl{2};
constexpr std::chrono::seconds kRetryAfterFailedRotation{1};
// The synchronous gRPC API does not announce a client's cancellation, so a waiting stream looks every so often.
constexpr std::chrono::milliseconds kCancellationCheck{50};
// How long shutdown lets handlers finish before gRPC cancels what is left (a client that stopped reading).
constexpr std::chrono::seconds kShutdownGrace{1};

// SPIFFE_Workload_Endpoint.md section 3: exactly the value "true", case-sensitive.
bool hasSecurityHeader(const grpc::ServerContext& context) {
  const auto [begin, end] = context.client_metadata().equal_range(kSecurityHeader);
  return begin != end && std::next(begin) == end && begin->second == "true";
}

grpc::Status missingSecurityHeader() {
  // The message SPIRE's agent gives, so clients see the same text from the dev server as in a cluster.
  return {grpc::StatusCode::INVALID_ARGUMENT, "security header missing from request"};
}

grpc::Status jwtUnimplemented() {
  return {grpc::StatusCode::UNIMPLEMENTED,
          "this dev Workload API issues X.509-SVIDs only; JWT-SVIDs and JWT bundles are not supported"};
}

// Bundle map keys as SPIRE's agent writes them: the trust domain's SPIFFE ID.
std::string bundleKey(const std::string& trustDomain) { return "spiffe://" + trustDomain; }

std::string errnoText() { return std::strerror(errno); }

// A socket file left by a server that is gone is replaced; anything else at the path is not ours to remove.
bool clearStaleSocket(const std::string& path, std::string* error) {
  struct stat info {};
  if (lstat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return true;
    *error = "cannot inspect " + policy::quoteForMessage(path) + ": " + errnoText();
    return false;
  }
  if (!S_ISSOCK(info.st_mode)) {
    *error = policy::quoteForMessage(path) + " exists and is not a socket; not replacing it";
    return false;
  }
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = "socket: " + errnoText();
    return false;
  }
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.data(), path.size());
  const int connected = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
  const int connectErrno = errno;
  ::close(fd);
  if (connected == 0) {
    *error = "something is already serving on " + policy::quoteForMessage(path);
    return false;
  }
  if (connectErrno != ECONNREFUSED) {
    *error = "cannot tell whether " + policy::quoteForMessage(path) + " is in use: " + std::strerror(connectErrno);
    return false;
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    *error = "cannot remove the stale socket " + policy::quoteForMessage(path) + ": " + errnoText();
    return false;
  }
  return true;
}

bool checkFederatedBundles(const TrustBundles& bundles, const std::string& ownTrustDomain, std::string* error) {
  for (const auto& [trustDomain, authorities] : bundles) {
    if (!policy::isValidTrustDomain(trustDomain)) {
      *error = "invalid federated trust domain " + policy::quoteForMessage(trustDomain);
      return false;
    }
    if (trustDomain == ownTrustDomain) {
      *error = "the CA's own trust domain " + policy::quoteForMessage(trustDomain) + " cannot be federated";
      return false;
    }
    if (authorities.empty()) {
      *error = "federated trust domain " + policy::quoteForMessage(trustDomain) + " has no authorities";
      return false;
    }
    for (const auto& cert : authorities) {
      if (!cert) {
        *error = "federated trust domain " + policy::quoteForMessage(trustDomain) + " has an empty entry";
        return false;
      }
    }
  }
  return true;
}

}  // namespace

// The gRPC service and all server state. Lock order: issueMu_ before mu_. svid_ and federated_ change only with
// both held, so reading them under either one is safe.
class DevWorkloadApiServer::Impl final : public SpiffeWorkloadAPI::Service {
 public:
  Impl(const DevCa& ca, DevWorkloadApiOptions options, std::string socketPath, std::vector<std::string> sans,
       std::string ownBundleDer)
      : ca_(ca),
        options_(std::move(options)),
        socketPath_(std::move(socketPath)),
        address_(workloadApiAddressForSocket(socketPath_)),
        sans_(std::move(sans)),
        ownBundleDer_(std::move(ownBundleDer)),
        federated_(std::move(options_.federatedBundles)) {}

  ~Impl() override { stop(); }

  bool listen(std::string* error) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("unix:" + socketPath_, grpc::InsecureServerCredentials());
    builder.RegisterService(this);
    server_ = builder.BuildAndStart();
    if (!server_) {
      *error = "cannot serve the Workload API on " + policy::quoteForMessage(socketPath_);
      return false;
    }
    // No workload attestation here, so only the owner may connect.
    struct stat info {};
    if (::chmod(socketPath_.c_str(), 0600) != 0 || ::lstat(socketPath_.c_str(), &info) != 0) {
      *error = "cannot restrict " + policy::quoteForMessage(socketPath_) + " to its owner: " + errnoText();
      return false;
    }
    socketDevice_ = info.st_dev;
    socketInode_ = info.st_ino;
    return true;
  }

  void startRotationThread() {
    rotationThread_ = std::thread([this] { rotationLoop(); });
  }

  void stop() {
    {
      std::lock_guard lock(mu_);
      if (stopped_) return;
      stopping_ = true;
      stopped_ = true;
    }
    changed_.notify_all();
    if (rotationThread_.joinable()) rotationThread_.join();
    if (server_) {
      server_->Shutdown(Clock::now() + kShutdownGrace);
      server_->Wait();
      // Remove the socket unless someone else has bound the path since.
      struct stat info {};
      if (::lstat(socketPath_.c_str(), &info) == 0 && info.st_dev == socketDevice_ && info.st_ino == socketInode_) {
        ::unlink(socketPath_.c_str());
      }
    }
  }

  bool rotate(std::string* error) {
    std::lock_guard issue(issueMu_);
    return issueAndPublish(error);
  }

  bool setFederatedBundles(TrustBundles bundles, std::string* error) {
    std::lock_guard issue(issueMu_);
    if (!checkFederatedBundles(bundles, ca_.trustDomain(), error)) return false;
    auto svidResponse = buildSvidResponse(svid_, bundles);
    auto bundlesResponse = buildBundlesResponse(bundles);
    std::lock_guard lock(mu_);
    federated_ = std::move(bundles);
    svidResponse_ = std::move(svidResponse);
    bundlesResponse_ = std::move(bundlesResponse);
    ++svidGeneration_;
    ++bundlesGeneration_;
    changed_.notify_all();
    return true;
  }

  bool checkInitialFederatedBundles(std::string* error) const {
    return checkFederatedBundles(federated_, ca_.trustDomain(), error);
  }

  std::size_t openStreams() const {
    std::lock_guard lock(mu_);
    return openStreams_;
  }

  bool waitForOpenStreams(std::size_t count, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, timeout, [&] { return openStreams_ == count; });
  }

  X509Svid currentSvid() const {
    std::lock_guard lock(mu_);
    return copySvid(svid_);
  }

  Clock::time_point nextRotation() const {
    std::lock_guard lock(mu_);
    return nextRotation_;
  }

  const std::string& address() const { return address_; }

  // Issues a fresh SVID and makes it what every stream sends next. Requires issueMu_.
  bool issueAndPublish(std::string* error) {
    std::string reason;
    auto issued = ca_.issue(options_.spiffeId, sans_, options_.svidTtl, &reason);
    if (!issued) {
      if (error != nullptr) *error = "cannot issue an SVID: " + reason;
      return false;
    }
    auto svidResponse = buildSvidResponse(*issued, federated_);
    const auto now = Clock::now();
    // Half the lifetime actually granted: the CA may have cut it short.
    const auto halfLife = std::chrono::duration_cast<std::chrono::milliseconds>(issued->notAfter - now) / 2;
    {
      std::lock_guard lock(mu_);
      svid_ = copySvid(*issued);
      svidResponse_ = std::move(svidResponse);
      if (!bundlesResponse_) bundlesResponse_ = buildBundlesResponse(federated_);
      ++svidGeneration_;
      if (bundlesGeneration_ == 0) bundlesGeneration_ = 1;
      nextRotation_ = now + std::max(halfLife, std::chrono::milliseconds(1));
      nextRotationSteady_ = std::chrono::steady_clock::now() + std::max(halfLife, std::chrono::milliseconds(1));
    }
    changed_.notify_all();
    if (options_.onIssued) options_.onIssued(*issued);
    return true;
  }

  // SpiffeWorkloadAPI::Service
  grpc::Status FetchX509SVID(grpc::ServerContext* context, const X509SVIDRequest* /*request*/,
                             grpc::ServerWriter<X509SVIDResponse>* writer) override {
    if (!hasSecurityHeader(*context)) return missingSecurityHeader();
    return serveStream(context, writer, [this] { return std::make_pair(svidGeneration_, svidResponse_); });
  }

  grpc::Status FetchX509Bundles(grpc::ServerContext* context, const X509BundlesRequest* /*request*/,
                                grpc::ServerWriter<X509BundlesResponse>* writer) override {
    if (!hasSecurityHeader(*context)) return missingSecurityHeader();
    return serveStream(context, writer, [this] { return std::make_pair(bundlesGeneration_, bundlesResponse_); });
  }

  grpc::Status FetchJWTSVID(grpc::ServerContext* context, const JWTSVIDRequest* /*request*/,
                            JWTSVIDResponse* /*response*/) override {
    if (!hasSecurityHeader(*context)) return missingSecurityHeader();
    return jwtUnimplemented();
  }

  grpc::Status FetchJWTBundles(grpc::ServerContext* context, const JWTBundlesRequest* /*request*/,
                               grpc::ServerWriter<JWTBundlesResponse>* /*writer*/) override {
    if (!hasSecurityHeader(*context)) return missingSecurityHeader();
    return jwtUnimplemented();
  }

  grpc::Status ValidateJWTSVID(grpc::ServerContext* context, const ValidateJWTSVIDRequest* /*request*/,
                               ValidateJWTSVIDResponse* /*response*/) override {
    if (!hasSecurityHeader(*context)) return missingSecurityHeader();
    return jwtUnimplemented();
  }

 private:
  std::shared_ptr<const X509SVIDResponse> buildSvidResponse(const X509Svid& svid,
                                                            const TrustBundles& federated) const {
    auto response = std::make_shared<X509SVIDResponse>();
    X509SVID* entry = response->add_svids();
    entry->set_spiffe_id(svid.spiffeId);
    entry->set_x509_svid(certificatesToDer(svid.chain));
    if (svid.privateKey) entry->set_x509_svid_key(privateKeyToPkcs8Der(svid.privateKey.get()));
    entry->set_bundle(ownBundleDer_);
    for (const auto& [trustDomain, authorities] : federated) {
      (*response->mutable_federated_bundles())[bundleKey(trustDomain)] = certificatesToDer(authorities);
    }
    return response;
  }

  std::shared_ptr<const X509BundlesResponse> buildBundlesResponse(const TrustBundles& federated) const {
    auto response = std::make_shared<X509BundlesResponse>();
    auto& bundles = *response->mutable_bundles();
    bundles[bundleKey(ca_.trustDomain())] = ownBundleDer_;
    for (const auto& [trustDomain, authorities] : federated) {
      bundles[bundleKey(trustDomain)] = certificatesToDer(authorities);
    }
    return response;
  }

  // Sends the current state, then every new state, until the server stops or the client goes away. Every message
  // is the full state, so a stream that missed an intermediate state loses nothing.
  template <typename Response, typename Current>
  grpc::Status serveStream(grpc::ServerContext* context, grpc::ServerWriter<Response>* writer, Current current) {
    std::unique_lock lock(mu_);
    if (stopping_) return {grpc::StatusCode::UNAVAILABLE, "the dev Workload API is shutting down"};
    ++openStreams_;
    changed_.notify_all();
    std::uint64_t sentGeneration = 0;
    grpc::Status status;
    for (;;) {
      if (stopping_) {
        status = {grpc::StatusCode::UNAVAILABLE, "the dev Workload API is shutting down"};
        break;
      }
      if (context->IsCancelled()) {
        status = grpc::Status::CANCELLED;
        break;
      }
      auto [generation, response] = current();
      if (generation != sentGeneration && response) {
        sentGeneration = generation;
        lock.unlock();
        const bool written = writer->Write(*response);
        lock.lock();
        if (!written) {
          status = grpc::Status::CANCELLED;
          break;
        }
        continue;
      }
      changed_.wait_for(lock, kCancellationCheck);
    }
    --openStreams_;
    changed_.notify_all();
    return status;
  }

  void rotationLoop() {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      if (std::chrono::steady_clock::now() < nextRotationSteady_) {
        changed_.wait_until(lock, nextRotationSteady_);
        continue;
      }
      lock.unlock();
      {
        std::lock_guard issue(issueMu_);
        std::string error;
        if (!issueAndPublish(&error)) {
          if (options_.onError) options_.onError(error);
          std::lock_guard retryLock(mu_);
          nextRotationSteady_ = std::chrono::steady_clock::now() + kRetryAfterFailedRotation;
          nextRotation_ = Clock::now() + kRetryAfterFailedRotation;
        }
      }
      lock.lock();
    }
  }

  const DevCa& ca_;
  DevWorkloadApiOptions options_;
  const std::string socketPath_;
  const std::string address_;
  const std::vector<std::string> sans_;
  const std::string ownBundleDer_;

  std::mutex issueMu_;  // one issuance at a time, so generations and onIssued calls stay in order
  mutable std::mutex mu_;
  // Signalled on a new SVID or bundles, a stream opening or closing, and stop.
  mutable std::condition_variable changed_;
  bool stopping_ = false;
  bool stopped_ = false;
  X509Svid svid_;
  TrustBundles federated_;
  std::shared_ptr<const X509SVIDResponse> svidResponse_;
  std::shared_ptr<const X509BundlesResponse> bundlesResponse_;
  std::uint64_t svidGeneration_ = 0;
  std::uint64_t bundlesGeneration_ = 0;
  std::size_t openStreams_ = 0;
  Clock::time_point nextRotation_;
  std::chrono::steady_clock::time_point nextRotationSteady_;

  std::unique_ptr<grpc::Server> server_;
  dev_t socketDevice_ = 0;
  ino_t socketInode_ = 0;
  std::thread rotationThread_;
};

std::unique_ptr<DevWorkloadApiServer> DevWorkloadApiServer::start(const DevCa& ca, DevWorkloadApiOptions options,
                                                                  std::string* error) {
  std::string ignored;
  std::string& reason = error != nullptr ? *error : ignored;
  try {
    if (options.socketPath.empty()) {
      reason = "no socket path given for the dev Workload API";
      return nullptr;
    }
    if (options.svidTtl < kMinimumTtl) {
      reason = "SVID ttl must be at least " + std::to_string(kMinimumTtl.count()) + "s";
      return nullptr;
    }
    std::error_code ec;
    const auto absolute = std::filesystem::absolute(options.socketPath, ec).lexically_normal();
    if (ec) {
      reason = "invalid socket path " + policy::quoteForMessage(options.socketPath) + ": " + ec.message();
      return nullptr;
    }
    const std::string socketPath = absolute.string();
    if (socketPath.size() >= sizeof(sockaddr_un::sun_path)) {
      reason = "socket path " + policy::quoteForMessage(socketPath) + " is longer than the " +
               std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes a unix socket address holds";
      return nullptr;
    }
    if (!std::filesystem::is_directory(absolute.parent_path(), ec)) {
      reason = "the directory of socket " + policy::quoteForMessage(socketPath) + " does not exist";
      return nullptr;
    }
    // The dev Workload API always adds these (design D5), so local clients can verify the server by name.
    std::vector<std::string> sans = options.dnsNames;
    for (const char* local : {"localhost", "127.0.0.1"}) {
      if (std::find(sans.begin(), sans.end(), local) == sans.end()) sans.emplace_back(local);
    }
    const TrustBundles own = ca.bundle();
    const auto ownBundle = own.find(ca.trustDomain());
    if (ownBundle == own.end() || ownBundle->second.empty()) {
      reason = "the CA has no trust bundle";
      return nullptr;
    }
    auto impl = std::make_unique<Impl>(ca, std::move(options), socketPath, std::move(sans),
                                       certificatesToDer(ownBundle->second));
    if (!impl->checkInitialFederatedBundles(&reason)) return nullptr;
    // Issue before listening: a bad ID or DNS name fails here, and the first client gets an SVID at once.
    if (!impl->rotate(&reason)) return nullptr;
    if (!clearStaleSocket(socketPath, &reason)) return nullptr;
    if (!impl->listen(&reason)) return nullptr;
    impl->startRotationThread();
    return std::unique_ptr<DevWorkloadApiServer>(new DevWorkloadApiServer(std::move(impl)));
  } catch (const std::exception& e) {
    reason = std::string("cannot start the dev Workload API: ") + e.what();
    return nullptr;
  }
}

DevWorkloadApiServer::DevWorkloadApiServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

DevWorkloadApiServer::~DevWorkloadApiServer() { impl_->stop(); }

bool DevWorkloadApiServer::rotate(std::string* error) { return impl_->rotate(error); }

bool DevWorkloadApiServer::setFederatedBundles(TrustBundles bundles, std::string* error) {
  return impl_->setFederatedBundles(std::move(bundles), error);
}

std::size_t DevWorkloadApiServer::openStreams() const { return impl_->openStreams(); }

bool DevWorkloadApiServer::waitForOpenStreams(std::size_t count, std::chrono::milliseconds timeout) const {
  return impl_->waitForOpenStreams(count, timeout);
}

X509Svid DevWorkloadApiServer::currentSvid() const { return impl_->currentSvid(); }

std::chrono::system_clock::time_point DevWorkloadApiServer::nextRotation() const { return impl_->nextRotation(); }

const std::string& DevWorkloadApiServer::address() const { return impl_->address(); }

}  // namespace warden::sidecar
