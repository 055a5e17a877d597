#include "cli/dev_ca_command.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "cli/exit_codes.h"
#include "policy/duration.h"
#include "policy/quote.h"
#include "policy/spiffe_id.h"
#include "sidecar/identity/certificate_builder.h"
#include "sidecar/identity/dev_ca.h"
#include "sidecar/identity/file_io.h"
#include "sidecar/identity/x509_time.h"

namespace warden::cli {
namespace {

namespace fs = std::filesystem;
using sidecar::DevCa;
using Clock = std::chrono::system_clock;

// A new CA lives a year, or as long as the SVIDs asked for if that is longer: SVIDs never outlive their CA.
constexpr std::chrono::seconds kCaTtl = std::chrono::hours(24 * 365);
const std::vector<std::string> kDefaultSans = {"localhost", "127.0.0.1"};

struct SvidRequest {
  std::string name;
  std::string spiffeId;
};

// A directory name under dir: no separators, no hidden or special names, nothing that collides with the CA files.
bool isValidName(const std::string& name) {
  if (name.empty() || name.size() > 64 || name.front() == '.' || name.ends_with(".pem")) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.';
  });
}

int usage(std::ostream& err, const std::string& message) {
  err << "error: " << message << "\n";
  return kExitUsage;
}

int dataError(std::ostream& err, const std::string& message) {
  err << "error: " << message << "\n";
  return kExitDataError;
}

bool writeFile(const std::string& path, const std::string& content, mode_t mode, std::ostream& out,
               std::ostream& err) {
  std::string error;
  if (!sidecar::writeFileAtomically(path, content, mode, &error)) {
    err << "error: " << error << "\n";
    return false;
  }
  out << "wrote " << path << "\n";
  return true;
}

int run(const DevCaArgs& args, std::ostream& out, std::ostream& err) {
  // Everything a user can get wrong is checked before anything is written.
  if (args.dir.empty()) return usage(err, "--dir is required");
  std::string reason;
  const auto ttl = policy::parseDuration(args.ttl, &reason);
  if (!ttl) return usage(err, "invalid --ttl " + policy::quoteForMessage(args.ttl) + ": " + reason);
  const auto svidTtl = std::chrono::duration_cast<std::chrono::seconds>(*ttl);
  if (svidTtl.count() < 1) return usage(err, "--ttl must be at least 1s");
  if (!args.trustDomain.empty() && !policy::isValidTrustDomain(args.trustDomain)) {
    return usage(err, "invalid --trust-domain " + policy::quoteForMessage(args.trustDomain) +
                          " (lowercase letters, digits, '.', '-', '_')");
  }

  std::vector<SvidRequest> requests;
  std::set<std::string> names;
  for (const auto& spec : args.svids) {
    const auto equals = spec.find('=');
    if (equals == std::string::npos) {
      return usage(err, "--svid " + policy::quoteForMessage(spec) + " must be name=spiffe://<trust-domain>/<path>");
    }
    SvidRequest request{spec.substr(0, equals), spec.substr(equals + 1)};
    if (!isValidName(request.name)) {
      return usage(err, "invalid SVID name " + policy::quoteForMessage(request.name) +
                            " (letters, digits, '-', '_', '.'; not starting with '.' or ending in .pem)");
    }
    if (!names.insert(request.name).second) return usage(err, "SVID name \"" + request.name + "\" given twice");
    const auto id = policy::parseSpiffeId(request.spiffeId, &reason);
    if (!id) return usage(err, "invalid SPIFFE ID " + policy::quoteForMessage(request.spiffeId) + ": " + reason);
    if (id->path.empty()) {
      return usage(err, "SPIFFE ID " + policy::quoteForMessage(request.spiffeId) + " has no path (an SVID names a workload)");
    }
    requests.push_back(std::move(request));
  }
  std::vector<std::string> sans;
  for (const auto& name : args.dnsNames) {
    if (!sidecar::isValidDnsName(name) && !sidecar::isIpAddress(name)) {
      return usage(err, "invalid --dns-name " + policy::quoteForMessage(name));
    }
    if (std::find(sans.begin(), sans.end(), name) == sans.end()) sans.push_back(name);
  }
  for (const auto& name : kDefaultSans) {
    if (std::find(sans.begin(), sans.end(), name) == sans.end()) sans.push_back(name);
  }

  // The CA: the existing one, or a new one once the arguments are known to be good.
  const std::string caPath = args.dir + "/ca.pem";
  std::optional<DevCa> ca;
  std::error_code ec;
  const bool exists = fs::exists(caPath, ec);
  if (exists) {
    ca = DevCa::load(args.dir, &reason);
    if (!ca) return dataError(err, reason);
    if (!args.trustDomain.empty() && args.trustDomain != ca->trustDomain()) {
      return usage(err, args.dir + " holds the CA of trust domain " + policy::quoteForMessage(ca->trustDomain()) +
                            ", not " + policy::quoteForMessage(args.trustDomain) + " (use another --dir)");
    }
    if (ca->notAfter() <= Clock::now()) {
      return dataError(err, "the CA in " + args.dir + " expired at " + sidecar::formatUtc(ca->notAfter()) +
                                " (remove ca.pem and ca_key.pem, or use another --dir)");
    }
  } else if (args.trustDomain.empty()) {
    return usage(err, "--trust-domain is required to create a CA in " + args.dir);
  }
  const std::string trustDomain = ca ? ca->trustDomain() : args.trustDomain;
  for (const auto& request : requests) {
    if (policy::parseSpiffeId(request.spiffeId, nullptr)->trustDomain != trustDomain) {
      return usage(err, "SPIFFE ID " + policy::quoteForMessage(request.spiffeId) + " is outside trust domain " +
                            policy::quoteForMessage(trustDomain));
    }
  }

  if (ca) {
    out << "using the CA of trust domain " << trustDomain << " in " << args.dir << " (valid until "
        << sidecar::formatUtc(ca->notAfter()) << ")\n";
  } else {
    ca = DevCa::create(trustDomain, std::max(kCaTtl, svidTtl), &reason);
    if (!ca) return dataError(err, reason);
    if (!ca->save(args.dir, &reason)) return dataError(err, reason);
    out << "created a CA for trust domain " << trustDomain << " in " << args.dir << " (valid until "
        << sidecar::formatUtc(ca->notAfter()) << ")\n";
  }
  if (ca->notAfter() < Clock::now() + svidTtl) {
    err << "warning: the CA expires at " << sidecar::formatUtc(ca->notAfter())
        << ": SVIDs are cut short to end with it\n";
  }

  const auto bundle = ca->bundle();
  const std::string bundlePem = sidecar::certificatesToPem(bundle.at(trustDomain));
  for (const auto& request : requests) {
    auto svid = ca->issue(request.spiffeId, sans, svidTtl, &reason);
    if (!svid) return dataError(err, "cannot issue " + request.spiffeId + ": " + reason);
    const std::string dir = args.dir + "/" + request.name;
    fs::create_directories(dir, ec);
    if (ec) return dataError(err, "cannot create " + dir + ": " + ec.message());
    std::string keyPem = sidecar::privateKeyToPem(svid->privateKey.get());
    const bool written = writeFile(dir + "/svid_key.pem", keyPem, 0600, out, err) &&
                         writeFile(dir + "/svid.pem", sidecar::certificatesToPem(svid->chain), 0644, out, err) &&
                         writeFile(dir + "/bundle.pem", bundlePem, 0644, out, err);
    OPENSSL_cleanse(keyPem.data(), keyPem.size());
    if (!written) return kExitDataError;
    out << request.name << ": " << request.spiffeId << ", valid until " << sidecar::formatUtc(svid->notAfter)
        << "\n";
  }
  return kExitOk;
}

}  // namespace

int runDevCa(const DevCaArgs& args, std::ostream& out, std::ostream& err) {
  try {
    return run(args, out, err);
  } catch (const std::exception& e) {
    err << "error: " << e.what() << "\n";
    return kExitDataError;
  }
}

}  // namespace warden::cli
