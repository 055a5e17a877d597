#pragma once

// Shared pieces of the Workload API tests: a scratch directory for sockets, a recorder for IdentitySource
// callbacks, Workload API messages built from DevCa SVIDs, and a scriptable fake Workload API service.

#include <stdlib.h>
#include <unistd.h>

#include <openssl/x509v3.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "sidecar/identity/dev_ca.h"
#include "sidecar/identity/identity_source.h"
#include "sidecar/identity/svid.h"
#include "workload.grpc.pb.h"

namespace warden::sidecar::testing {

using namespace std::chrono_literals;

// Long enough for a loaded machine, short enough that a hang fails quickly.
inline constexpr std::chrono::milliseconds kWait = 5s;

// A short directory under /tmp (unix socket paths are limited to 107 bytes), removed at the end of the test.
class SocketDir {
 public:
  SocketDir() {
    char pattern[] = "/tmp/wapi-XXXXXX";
    const char* made = ::mkdtemp(pattern);
    EXPECT_NE(made, nullptr);
    path_ = made != nullptr ? made : "/tmp";
  }
  ~SocketDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  SocketDir(const SocketDir&) = delete;
  SocketDir& operator=(const SocketDir&) = delete;

  std::string socket(std::string_view name = "agent.sock") const { return path_ + "/" + std::string(name); }
  std::string address(std::string_view name = "agent.sock") const { return "unix://" + socket(name); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Collects what an IdentitySource delivers; waits are bounded by kWait.
class Recorder {
 public:
  IdentitySource::UpdateCallback onUpdate() {
    return [this](IdentitySnapshotPtr snapshot) {
      std::lock_guard lock(mu_);
      snapshots_.push_back(std::move(snapshot));
      changed_.notify_all();
    };
  }
  IdentitySource::ErrorCallback onError() {
    return [this](const std::string& message) {
      std::lock_guard lock(mu_);
      errors_.push_back(message);
      changed_.notify_all();
    };
  }

  bool waitForSnapshots(std::size_t count) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, kWait, [&] { return snapshots_.size() >= count; });
  }
  // Waits until the latest snapshot satisfies `predicate`.
  template <typename Predicate>
  bool waitForLast(Predicate predicate) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, kWait, [&] { return !snapshots_.empty() && predicate(*snapshots_.back()); });
  }
  // Waits until `count` errors containing `needle` have arrived.
  bool waitForErrors(std::string_view needle, std::size_t count = 1) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, kWait, [&] { return countLocked(needle) >= count; });
  }
  std::size_t errorCount(std::string_view needle) {
    std::lock_guard lock(mu_);
    return countLocked(needle);
  }
  std::size_t snapshotCount() {
    std::lock_guard lock(mu_);
    return snapshots_.size();
  }
  IdentitySnapshotPtr snapshot(std::size_t index) {
    std::lock_guard lock(mu_);
    return index < snapshots_.size() ? snapshots_[index] : nullptr;
  }
  IdentitySnapshotPtr last() {
    std::lock_guard lock(mu_);
    return snapshots_.empty() ? nullptr : snapshots_.back();
  }
  std::string allErrors() {
    std::lock_guard lock(mu_);
    std::string all;
    for (const auto& e : errors_) all += e + "\n";
    return all;
  }

 private:
  std::size_t countLocked(std::string_view needle) const {
    std::size_t n = 0;
    for (const auto& e : errors_) n += e.find(needle) != std::string::npos ? 1 : 0;
    return n;
  }

  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<IdentitySnapshotPtr> snapshots_;
  std::vector<std::string> errors_;
};

inline DevCa makeCa(const std::string& trustDomain) {
  std::string error;
  auto ca = DevCa::create(trustDomain, std::chrono::hours(24), &error);
  EXPECT_TRUE(ca.has_value()) << error;
  return std::move(*ca);
}

inline X509Svid issue(const DevCa& ca, const std::string& spiffeId) {
  std::string error;
  auto svid = ca.issue(spiffeId, {}, std::chrono::hours(1), &error);
  EXPECT_TRUE(svid.has_value()) << error;
  return std::move(*svid);
}

inline std::string rootDer(const DevCa& ca) {
  std::vector<X509Ptr> roots;
  roots.push_back(upRef(ca.rootCertificate()));
  return certificatesToDer(roots);
}

// A FetchX509SVID message as SPIRE sends it: bundle map keys are trust domain IDs.
inline X509SVIDResponse svidMessage(const X509Svid& svid, const DevCa& ownCa,
                                    const std::vector<const DevCa*>& federated = {}) {
  X509SVIDResponse response;
  X509SVID* entry = response.add_svids();
  entry->set_spiffe_id(svid.spiffeId);
  entry->set_x509_svid(certificatesToDer(svid.chain));
  entry->set_x509_svid_key(privateKeyToPkcs8Der(svid.privateKey.get()));
  entry->set_bundle(rootDer(ownCa));
  for (const DevCa* ca : federated) (*response.mutable_federated_bundles())["spiffe://" + ca->trustDomain()] = rootDer(*ca);
  return response;
}

inline X509BundlesResponse bundlesMessage(const std::vector<const DevCa*>& cas) {
  X509BundlesResponse response;
  for (const DevCa* ca : cas) (*response.mutable_bundles())["spiffe://" + ca->trustDomain()] = rootDer(*ca);
  return response;
}

inline std::string leafDer(const X509Svid& svid) {
  std::vector<X509Ptr> leaf;
  leaf.push_back(upRef(svid.chain.front().get()));
  return certificatesToDer(leaf);
}

inline bool sameSerial(const X509Svid& a, const X509Svid& b) {
  return ASN1_INTEGER_cmp(X509_get0_serialNumber(a.chain.front().get()),
                          X509_get0_serialNumber(b.chain.front().get())) == 0;
}

// A Workload API whose behaviour each test scripts. Streams start from the latest message pushed and then send
// every later one in order, like an agent whose state changes; a stream with nothing to send stays open (a hanging
// agent). Calls can be made to fail first with a chosen status.
class FakeWorkloadApi final : public SpiffeWorkloadAPI::Service {
 public:
  struct CallRecord {
    bool hadSecurityHeader;
    std::chrono::steady_clock::time_point at;
  };

  void pushSvid(X509SVIDResponse message) {
    std::lock_guard lock(mu_);
    svidMessages_.push_back(std::move(message));
    changed_.notify_all();
  }
  void pushBundles(X509BundlesResponse message) {
    std::lock_guard lock(mu_);
    bundleMessages_.push_back(std::move(message));
    changed_.notify_all();
  }
  // The next `count` FetchX509SVID calls end at once with `status`.
  void failSvidCalls(int count, grpc::Status status) {
    std::lock_guard lock(mu_);
    svidFailures_ = count;
    svidFailure_ = std::move(status);
  }
  // Every FetchX509Bundles call ends at once with `status` (an agent without that method).
  void failBundleCalls(grpc::Status status) {
    std::lock_guard lock(mu_);
    bundleFailure_ = std::move(status);
  }
  bool waitForSvidCalls(std::size_t count) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, kWait, [&] { return svidCalls_.size() >= count; });
  }
  std::vector<CallRecord> svidCalls() {
    std::lock_guard lock(mu_);
    return svidCalls_;
  }
  void stop() {
    std::lock_guard lock(mu_);
    stopping_ = true;
    changed_.notify_all();
  }

  grpc::Status FetchX509SVID(grpc::ServerContext* context, const X509SVIDRequest*,
                             grpc::ServerWriter<X509SVIDResponse>* writer) override {
    {
      std::lock_guard lock(mu_);
      svidCalls_.push_back({hasHeader(*context), std::chrono::steady_clock::now()});
      changed_.notify_all();
      if (svidFailures_ > 0) {
        --svidFailures_;
        return svidFailure_;
      }
    }
    return serve(context, writer, svidMessages_);
  }

  grpc::Status FetchX509Bundles(grpc::ServerContext* context, const X509BundlesRequest*,
                                grpc::ServerWriter<X509BundlesResponse>* writer) override {
    {
      std::lock_guard lock(mu_);
      if (bundleFailure_) return *bundleFailure_;
    }
    return serve(context, writer, bundleMessages_);
  }

 private:
  static bool hasHeader(const grpc::ServerContext& context) {
    const auto [begin, end] = context.client_metadata().equal_range("workload.spiffe.io");
    return begin != end && std::next(begin) == end && begin->second == "true";
  }

  template <typename Response>
  grpc::Status serve(grpc::ServerContext* context, grpc::ServerWriter<Response>* writer,
                     const std::deque<Response>& messages) {
    std::unique_lock lock(mu_);
    std::size_t next = messages.empty() ? 0 : messages.size() - 1;
    while (!stopping_ && !context->IsCancelled()) {
      if (next < messages.size()) {
        Response message = messages[next++];
        lock.unlock();
        const bool written = writer->Write(message);
        lock.lock();
        if (!written) break;
        continue;
      }
      // The synchronous API does not announce cancellation; look again shortly.
      changed_.wait_for(lock, 20ms);
    }
    return grpc::Status::CANCELLED;
  }

  std::mutex mu_;
  std::condition_variable changed_;
  bool stopping_ = false;
  std::deque<X509SVIDResponse> svidMessages_;
  std::deque<X509BundlesResponse> bundleMessages_;
  int svidFailures_ = 0;
  grpc::Status svidFailure_;
  std::optional<grpc::Status> bundleFailure_;
  std::vector<CallRecord> svidCalls_;
};

// Serves a FakeWorkloadApi on a unix socket, or on a free TCP port on 127.0.0.1, until destroyed.
class FakeServer {
 public:
  struct TcpLoopback {};
  explicit FakeServer(const std::string& socketPath) { listen("unix:" + socketPath); }
  explicit FakeServer(TcpLoopback) { listen("127.0.0.1:0"); }
  int port() const { return port_; }
  ~FakeServer() {
    service_.stop();
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + 1s);
  }
  FakeWorkloadApi& api() { return service_; }

 private:
  void listen(const std::string& listeningAddress) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort(listeningAddress, grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    EXPECT_NE(server_, nullptr) << "cannot listen on " << listeningAddress;
  }

  FakeWorkloadApi service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace warden::sidecar::testing
