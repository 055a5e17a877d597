#include "cli/dev_workload_api_command.h"

#include <arpa/inet.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "cli/exit_codes.h"
#include "cli/time_arg.h"
#include "policy/duration.h"
#include "policy/quote.h"
#include "policy/spiffe_id.h"
#include "sidecar/identity/dev_ca.h"
#include "sidecar/identity/workload_api_server.h"

namespace warden::cli {
namespace {

constexpr std::chrono::milliseconds kStopPoll{100};
constexpr std::chrono::seconds kMinimumTtl{2};

// The dev CA makes IP literals IP SANs and everything else DNS SANs.
bool isValidSanName(const std::string& name) {
  unsigned char address[16];
  return sidecar::isValidDnsName(name) || inet_pton(AF_INET, name.c_str(), address) == 1 ||
         inet_pton(AF_INET6, name.c_str(), address) == 1;
}

}  // namespace

int runDevWorkloadApi(const DevWorkloadApiArgs& args, std::ostream& out, std::ostream& err,
                      const std::atomic<bool>& stop) {
  try {
    if (args.caDir.empty() || args.socket.empty() || args.spiffeId.empty()) {
      err << "error: --ca-dir, --socket and --spiffe-id are required\n";
      return kExitUsage;
    }
    std::string error;
    const auto ttl = policy::parseDuration(args.ttl, &error);
    if (!ttl) {
      err << "error: --ttl " << policy::quoteForMessage(args.ttl) << ": " << error << "\n";
      return kExitUsage;
    }
    const auto ttlSeconds = std::chrono::duration_cast<std::chrono::seconds>(*ttl);
    if (ttlSeconds < kMinimumTtl) {
      err << "error: --ttl must be at least " << kMinimumTtl.count() << "s (the server rotates at half of it)\n";
      return kExitUsage;
    }
    const auto id = policy::parseSpiffeId(args.spiffeId, &error);
    if (!id) {
      err << "error: --spiffe-id " << policy::quoteForMessage(args.spiffeId) << ": " << error << "\n";
      return kExitUsage;
    }
    if (id->path.empty()) {
      err << "error: --spiffe-id " << policy::quoteForMessage(args.spiffeId)
          << " has no path (an SVID names a workload, not a trust domain)\n";
      return kExitUsage;
    }
    for (const auto& name : args.dnsNames) {
      if (!isValidSanName(name)) {
        err << "error: --dns " << policy::quoteForMessage(name) << " is not a valid DNS name or IP address\n";
        return kExitUsage;
      }
    }

    const auto ca = sidecar::DevCa::load(args.caDir, &error);
    if (!ca) {
      err << "error: cannot load the dev CA from " << policy::quoteForMessage(args.caDir) << ": " << error
          << " (create one with `wardenctl dev ca`)\n";
      return kExitDataError;
    }
    if (id->trustDomain != ca->trustDomain()) {
      err << "error: --spiffe-id " << policy::quoteForMessage(args.spiffeId) << " is not in the CA's trust domain "
          << policy::quoteForMessage(ca->trustDomain()) << "\n";
      return kExitUsage;
    }

    // The server reports from its own threads; one lock keeps lines whole.
    std::mutex outputMu;
    sidecar::DevWorkloadApiOptions options;
    options.socketPath = args.socket;
    options.spiffeId = args.spiffeId;
    options.dnsNames = args.dnsNames;
    options.svidTtl = ttlSeconds;
    options.onIssued = [&](const sidecar::X509Svid& svid) {
      std::lock_guard lock(outputMu);
      out << "issued " << svid.spiffeId << ", expires " << formatRfc3339(svid.notAfter) << std::endl;
    };
    options.onError = [&](const std::string& message) {
      std::lock_guard lock(outputMu);
      err << "error: " << message << std::endl;
    };
    auto server = sidecar::DevWorkloadApiServer::start(*ca, std::move(options), &error);
    if (!server) {
      err << "error: " << error << "\n";
      return kExitFailed;
    }
    {
      std::lock_guard lock(outputMu);
      err << "serving the SPIFFE Workload API for " << args.spiffeId << "; SPIFFE_ENDPOINT_SOCKET="
          << server->address() << std::endl;
    }
    while (!stop.load()) std::this_thread::sleep_for(kStopPoll);
    server.reset();  // ends the streams and joins the rotation thread before the callbacks' captures go away
    err << "stopped" << std::endl;
    return kExitOk;
  } catch (const std::exception& e) {
    err << "error: " << e.what() << "\n";
    return kExitFailed;
  }
}

}  // namespace warden::cli
