#include "sidecar/identity/file_identity_source.h"

#include <algorithm>
#include <filesystem>
#include <vector>

#include "policy/quote.h"
#include "policy/spiffe_id.h"
#include "sidecar/identity/file_io.h"
#include "sidecar/identity/trust_store.h"

namespace warden::sidecar {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxFileBytes = 1024 * 1024;

std::optional<std::vector<X509Ptr>> readCertificates(const std::string& path, std::string* error) {
  const auto text = readFileBounded(path, kMaxFileBytes, error);
  if (!text) return std::nullopt;
  std::string reason;
  auto certificates = parsePemCertificates(*text, &reason);
  if (!certificates) *error = path + ": " + reason;
  return certificates;
}

// dir/federated/<trust-domain>.pem, in name order. Hidden entries (kubelet's ..data and timestamped directories)
// and other extensions are not bundles.
bool readFederatedBundles(const std::string& dir, const std::string& ownTrustDomain, TrustBundles* bundles,
                          std::string* error) {
  const fs::path federated = fs::path(dir) / "federated";
  std::error_code ec;
  if (!fs::is_directory(federated, ec)) return true;
  std::vector<fs::path> files;
  for (fs::directory_iterator it(federated, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.starts_with(".") || it->path().extension() != ".pem") continue;
    files.push_back(it->path());
  }
  if (ec) {
    *error = "cannot list " + federated.string() + ": " + ec.message();
    return false;
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    const std::string trustDomain = file.stem().string();
    if (!policy::isValidTrustDomain(trustDomain)) {
      *error = file.string() + ": " + policy::quoteForMessage(trustDomain) + " is not a trust domain name";
      return false;
    }
    if (trustDomain == ownTrustDomain) {
      *error = file.string() + ": " + policy::quoteForMessage(trustDomain) +
               " is the SVID's own trust domain (its authorities belong in bundle.pem)";
      return false;
    }
    auto certificates = readCertificates(file.string(), error);
    if (!certificates) return false;
    bundles->emplace(trustDomain, std::move(*certificates));
  }
  return true;
}

IdentitySnapshotPtr load(const std::string& dir, std::string* error) {
  const std::string svidPath = dir + "/svid.pem";
  const std::string keyPath = dir + "/svid_key.pem";
  const std::string bundlePath = dir + "/bundle.pem";
  auto chain = readCertificates(svidPath, error);
  if (!chain) return nullptr;
  const auto keyText = readFileBounded(keyPath, kMaxFileBytes, error);
  if (!keyText) return nullptr;
  auto bundle = readCertificates(bundlePath, error);
  if (!bundle) return nullptr;
  std::string reason;
  EvpPkeyPtr key = parsePemPrivateKey(*keyText, &reason);
  if (!key) {
    *error = keyPath + ": " + reason;
    return nullptr;
  }
  auto svid = makeSvid(std::move(*chain), std::move(key), &reason);
  if (!svid) {
    *error = svidPath + ": " + reason;
    return nullptr;
  }

  // A set that does not belong together (an SVID from a rotated CA next to the old bundle) is refused. Times are
  // not checked: an expired SVID is still the current one, and the sidecar reports its expiry.
  X509StorePtr store = makeTrustStore(*bundle, &reason);
  if (!store) {
    *error = bundlePath + ": " + reason;
    return nullptr;
  }
  std::vector<X509*> intermediates;
  for (std::size_t i = 1; i < svid->chain.size(); ++i) intermediates.push_back(svid->chain[i].get());
  if (auto broken = chainError(store.get(), svid->chain.front().get(), intermediates, std::nullopt)) {
    *error = svidPath + " does not chain to " + bundlePath + ": " + *broken;
    return nullptr;
  }

  const auto id = policy::parseSpiffeId(svid->spiffeId, &reason);
  if (!id) {
    *error = svidPath + ": " + reason;
    return nullptr;
  }
  TrustBundles bundles;
  bundles.emplace(id->trustDomain, std::move(*bundle));
  if (!readFederatedBundles(dir, id->trustDomain, &bundles, error)) return nullptr;
  return std::make_shared<const IdentitySnapshot>(
      IdentitySnapshot{std::move(*svid), std::move(bundles), "file:" + dir});
}

}  // namespace

FileIdentitySource::FileIdentitySource(std::string dir, std::chrono::milliseconds pollInterval)
    : dir_(std::move(dir)), pollInterval_(pollInterval) {}

FileIdentitySource::~FileIdentitySource() {
  // Stop both threads before the state their callbacks use goes away.
  federatedWatcher_.reset();
  dirWatcher_.reset();
}

IdentitySnapshotPtr FileIdentitySource::loadOnce(const std::string& dir, std::string* error) {
  try {
    return load(dir, error);
  } catch (const std::exception& e) {
    *error = "cannot load the identity from " + dir + ": " + e.what();
    return nullptr;
  }
}

void FileIdentitySource::start(UpdateCallback onUpdate, ErrorCallback onError) {
  onUpdate_ = std::move(onUpdate);
  onError_ = std::move(onError);
  std::string error;
  dirWatcher_ = FileWatcher::start(dir_, [this] { reload(); }, pollInterval_, &error);
  if (!dirWatcher_) {
    std::lock_guard lock(mutex_);
    onError_("cannot watch " + dir_ + ": " + error);
    return;
  }
  // The federated directory's own watcher sees files written there directly (inotify does not report changes
  // inside subdirectories). While it does not exist the watcher polls; those polls are skipped here.
  const std::string federated = dir_ + "/federated";
  federatedWatcher_ = FileWatcher::start(
      federated,
      [this, federated, existed = false]() mutable {
        std::error_code ec;
        const bool exists = std::filesystem::exists(federated, ec);
        if (!exists && !existed) return;
        existed = exists;
        reload();
      },
      pollInterval_, &error);
  if (!federatedWatcher_) {
    std::lock_guard lock(mutex_);
    onError_("cannot watch " + federated + ": " + error + " (changes there are seen with the next change in " +
             dir_ + ")");
  }
}

void FileIdentitySource::reload() {
  std::lock_guard lock(mutex_);
  struct CountOnExit {
    std::atomic<std::uint64_t>& counter;
    ~CountOnExit() { ++counter; }
  } count{reloads_};
  try {
    std::string error;
    IdentitySnapshotPtr snapshot = loadOnce(dir_, &error);
    if (!snapshot) {
      // Once per distinct problem: a missing file would otherwise be reported on every poll.
      if (error != lastError_) {
        lastError_ = error;
        onError_(error);
      }
      return;
    }
    lastError_.clear();
    if (current_ && sameSnapshot(*current_, *snapshot)) return;
    current_ = snapshot;
    onUpdate_(std::move(snapshot));
  } catch (const std::exception& e) {
    // A throwing callback must not take the watcher thread (and the process) down.
    try {
      onError_(std::string("identity reload failed: ") + e.what());
    } catch (...) {
    }
  } catch (...) {
  }
}

}  // namespace warden::sidecar
