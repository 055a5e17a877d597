#include "sidecar/identity/file_identity_source.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "identity_test_util.h"

namespace warden::sidecar {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::issue;
using testing::makeCa;
using testing::TempDir;
using testing::writeFile;

constexpr auto kWait = 10s;

// Collects what a source delivers; the test waits (bounded) for counts.
class Recorder {
 public:
  void onUpdate(IdentitySnapshotPtr snapshot) {
    std::lock_guard lock(mutex_);
    updates_.push_back(std::move(snapshot));
    cv_.notify_all();
  }
  void onError(const std::string& error) {
    std::lock_guard lock(mutex_);
    errors_.push_back(error);
    cv_.notify_all();
  }
  bool waitForUpdates(std::size_t count) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, kWait, [&] { return updates_.size() >= count; });
  }
  // Waits for an error containing `text` (errors before it may be other transient states).
  bool waitForError(const std::string& text) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, kWait, [&] {
      for (const auto& e : errors_) {
        if (e.find(text) != std::string::npos) return true;
      }
      return false;
    });
  }
  std::vector<IdentitySnapshotPtr> updates() {
    std::lock_guard lock(mutex_);
    return updates_;
  }
  std::vector<std::string> errors() {
    std::lock_guard lock(mutex_);
    return errors_;
  }
  void start(FileIdentitySource& source) {
    source.start([this](IdentitySnapshotPtr s) { onUpdate(std::move(s)); },
                 [this](const std::string& e) { onError(e); });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<IdentitySnapshotPtr> updates_;
  std::vector<std::string> errors_;
};

// Polls (bounded) for a condition only observable through a counter.
template <typename Predicate>
bool eventually(Predicate predicate) {
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (!predicate()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

std::string serialOf(const IdentitySnapshotPtr& snapshot) {
  const ASN1_INTEGER* serial = X509_get0_serialNumber(snapshot->svid.chain.front().get());
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(serial)), ASN1_STRING_length(serial));
}

std::string serialOf(const X509Svid& svid) {
  const ASN1_INTEGER* serial = X509_get0_serialNumber(svid.chain.front().get());
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(serial)), ASN1_STRING_length(serial));
}

class FileIdentitySourceTest : public ::testing::Test {
 protected:
  FileIdentitySourceTest() : ca_(makeCa("example.org")), partner_(makeCa("partner.org")) {}

  // Writes the set the way spiffe-helper does: each file replaced atomically, key first.
  void writeSet(const X509Svid& svid, const std::string& dir) {
    writeFile(dir + "/svid_key.pem", privateKeyToPem(svid.privateKey.get()), 0600);
    writeFile(dir + "/svid.pem", certificatesToPem(svid.chain));
    writeFile(dir + "/bundle.pem", certificatesToPem(ca_.bundle().at("example.org")));
  }
  void writeSet(const X509Svid& svid) { writeSet(svid, dir_.path()); }

  TempDir dir_;
  DevCa ca_;
  DevCa partner_;
  Recorder recorder_;
};

TEST_F(FileIdentitySourceTest, LoadOnceReadsTheSet) {
  const X509Svid svid = issue(ca_, "spiffe://example.org/ns/tools/sa/files");
  writeSet(svid);
  std::string error;
  auto snapshot = FileIdentitySource::loadOnce(dir_.path(), &error);
  ASSERT_TRUE(snapshot) << error;
  EXPECT_EQ(snapshot->svid.spiffeId, "spiffe://example.org/ns/tools/sa/files");
  EXPECT_EQ(snapshot->source, "file:" + dir_.path());
  ASSERT_EQ(snapshot->bundles.size(), 1u);
  EXPECT_EQ(X509_cmp(snapshot->bundles.at("example.org")[0].get(), ca_.certificate()), 0);
  EXPECT_EQ(certificatesToDer(snapshot->svid.chain), certificatesToDer(svid.chain));
  EXPECT_EQ(EVP_PKEY_eq(snapshot->svid.privateKey.get(), svid.privateKey.get()), 1);
}

TEST_F(FileIdentitySourceTest, LoadsAChainWithIntermediates) {
  std::string error;
  auto intermediate = ca_.issueIntermediate(2h, &error);
  ASSERT_TRUE(intermediate) << error;
  writeSet(issue(*intermediate, "spiffe://example.org/a"));
  auto snapshot = FileIdentitySource::loadOnce(dir_.path(), &error);
  ASSERT_TRUE(snapshot) << error;
  EXPECT_EQ(snapshot->svid.chain.size(), 2u);
}

TEST_F(FileIdentitySourceTest, InitialLoadDeliversOneSnapshot) {
  const X509Svid svid = issue(ca_, "spiffe://example.org/a");
  writeSet(svid);
  FileIdentitySource source(dir_.path(), 0ms);
  recorder_.start(source);
  ASSERT_TRUE(recorder_.waitForUpdates(1));
  const auto snapshot = recorder_.updates()[0];
  EXPECT_EQ(snapshot->svid.spiffeId, "spiffe://example.org/a");
  EXPECT_EQ(serialOf(snapshot), serialOf(svid));
  EXPECT_TRUE(recorder_.errors().empty());
}

TEST_F(FileIdentitySourceTest, RotationByRewritingTheFiles) {
  writeSet(issue(ca_, "spiffe://example.org/a"));
  FileIdentitySource source(dir_.path(), 0ms);
  recorder_.start(source);
  ASSERT_TRUE(recorder_.waitForUpdates(1));
  const X509Svid rotated = issue(ca_, "spiffe://example.org/a");
  writeSet(rotated);
  ASSERT_TRUE(recorder_.waitForUpdates(2));
  // Between the key and the certificate renames the set may be inconsistent for a moment; what finally arrives
  // is the new SVID, and nothing inconsistent was ever delivered.
  ASSERT_TRUE(eventually([&] { return serialOf(recorder_.updates().back()) == serialOf(rotated); }));
  for (const auto& snapshot : recorder_.updates()) {
    EXPECT_EQ(EVP_PKEY_eq(X509_get0_pubkey(snapshot->svid.chain[0].get()), snapshot->svid.privateKey.get()), 1);
  }
}

TEST_F(FileIdentitySourceTest, AnInvalidUpdateKeepsThePreviousSnapshot) {
  writeSet(issue(ca_, "spiffe://example.org/a"));
  FileIdentitySource source(dir_.path(), 0ms);
  recorder_.start(source);
  ASSERT_TRUE(recorder_.waitForUpdates(1));

  // A key that belongs to another certificate.
  const X509Svid other = issue(ca_, "spiffe://example.org/b");
  writeFile(dir_ / "svid_key.pem", privateKeyToPem(other.privateKey.get()), 0600);
  ASSERT_TRUE(recorder_.waitForError("private key does not match the SVID leaf certificate spiffe://example.org/a"));
  EXPECT_EQ(recorder_.updates().size(), 1u);  // the reload that reported the error delivered nothing

  // Unparsable PEM.
  writeFile(dir_ / "svid.pem", "-----BEGIN CERTIFICATE-----\nMIIB");
  ASSERT_TRUE(recorder_.waitForError((dir_ / "svid.pem") + ": PEM block 1 is malformed or truncated"));
  EXPECT_EQ(recorder_.updates().size(), 1u);

  // Repaired: delivered again.
  writeSet(other);
  ASSERT_TRUE(recorder_.waitForUpdates(2));
  EXPECT_EQ(recorder_.updates().back()->svid.spiffeId, "spiffe://example.org/b");
}

TEST_F(FileIdentitySourceTest, AnSvidFromAnotherCaThanTheBundleIsRefused) {
  const DevCa rotatedCa = makeCa("example.org");
  writeSet(issue(rotatedCa, "spiffe://example.org/a"));  // bundle.pem holds ca_, not rotatedCa
  std::string error;
  EXPECT_FALSE(FileIdentitySource::loadOnce(dir_.path(), &error));
  EXPECT_THAT(error, HasSubstr((dir_ / "svid.pem") + " does not chain to " + (dir_ / "bundle.pem") + ": "));
}

TEST_F(FileIdentitySourceTest, MissingFilesAreReportedOnceThenRecovered) {
  FileIdentitySource source(dir_.path(), 20ms);  // polls too: the error must still be reported once
  recorder_.start(source);
  ASSERT_TRUE(recorder_.waitForError("cannot read " + (dir_ / "svid.pem") + ": No such file or directory"));
  const auto reloads = source.reloadCount();
  ASSERT_TRUE(eventually([&] { return source.reloadCount() >= reloads + 3; }));
  EXPECT_EQ(recorder_.errors().size(), 1u);
  EXPECT_TRUE(recorder_.updates().empty());

  const X509Svid svid = issue(ca_, "spiffe://example.org/a");
  writeFile(dir_ / "svid.pem", certificatesToPem(svid.chain));
  ASSERT_TRUE(recorder_.waitForError("cannot read " + (dir_ / "svid_key.pem")));
  writeSet(svid);
  ASSERT_TRUE(recorder_.waitForUpdates(1));
  EXPECT_EQ(recorder_.updates()[0]->svid.spiffeId, "spiffe://example.org/a");
}

TEST_F(FileIdentitySourceTest, AnUnchangedSetDeliversNothing) {
  const X509Svid svid = issue(ca_, "spiffe://example.org/a");
  writeSet(svid);
  FileIdentitySource source(dir_.path(), 0ms);
  recorder_.start(source);
  ASSERT_TRUE(recorder_.waitForUpdates(1));
  ASSERT_TRUE(eventually([&] { return source.reloadCount() >= 1; }));
  const auto reloads = source.reloadCount();
  writeSet(svid);  // same bytes, new files
  ASSERT_TRUE(eventually([&] { return source.reloadCount() > reloads; }));
  EXPECT_EQ(recorder_.updates().size(), 1u);
  EXPECT_TRUE(recorder_.errors().empty());
}

TEST_F(FileIdentitySourceTest, FederatedBundles) {
  writeSet(issue(ca_, "spiffe://example.org/a"));
  writeFile(dir_ / "federated/partner.org.pem", certificatesToPem(partner_.bundle().at("partner.org")));
  writeFile(dir_ / "federated/README", "not a bundle");
  FileIdentitySource source(dir_.path(), 0ms);
  recorder_.start(source);
  ASSERT_TRUE(recorder_.waitForUpdates(1));
  auto snapshot = recorder_.updates().back();
  ASSERT_EQ(snapshot->bundles.size(), 2u);
  EXPECT_EQ(X509_cmp(snapshot->bundles.at("partner.org")[0].get(), partner_.certificate()), 0);

  // A bundle added later, directly in federated/ (seen by the subdirectory's own watcher).
  const DevCa third = makeCa("third.org");
  writeFile(dir_ / "federated/third.org.pem", certificatesToPem(third.bundle().at("third.org")));
  ASSERT_TRUE(recorder_.waitForUpdates(2));
  snapshot = recorder_.updates().back();
  std::vector<std::string> domains;
  for (const auto& [domain, authorities] : snapshot->bundles) domains.push_back(domain);
  EXPECT_THAT(domains, ElementsAre("example.org", "partner.org", "third.org"));

  fs::remove(dir_ / "federated/partner.org.pem");
  ASSERT_TRUE(recorder_.waitForUpdates(3));
  EXPECT_EQ(recorder_.updates().back()->bundles.count("partner.org"), 0u);
}

TEST_F(FileIdentitySourceTest, AFederatedDirectoryCreatedLaterIsWatched) {
  writeSet(issue(ca_, "spiffe://example.org/a"));
  FileIdentitySource source(dir_.path(), 0ms);
  recorder_.start(source);
  ASSERT_TRUE(recorder_.waitForUpdates(1));
  writeFile(dir_ / "federated/partner.org.pem", certificatesToPem(partner_.bundle().at("partner.org")));
  ASSERT_TRUE(recorder_.waitForUpdates(2));
  EXPECT_EQ(recorder_.updates().back()->bundles.count("partner.org"), 1u);
}

TEST_F(FileIdentitySourceTest, FederatedFilesMustNameAnotherTrustDomain) {
  writeSet(issue(ca_, "spiffe://example.org/a"));
  std::string error;
  writeFile(dir_ / "federated/Partner.pem", certificatesToPem(partner_.bundle().at("partner.org")));
  EXPECT_FALSE(FileIdentitySource::loadOnce(dir_.path(), &error));
  EXPECT_EQ(error, (dir_ / "federated/Partner.pem") + ": \"Partner\" is not a trust domain name");
  fs::remove(dir_ / "federated/Partner.pem");
  writeFile(dir_ / "federated/example.org.pem", certificatesToPem(partner_.bundle().at("partner.org")));
  EXPECT_FALSE(FileIdentitySource::loadOnce(dir_.path(), &error));
  EXPECT_THAT(error, HasSubstr("is the SVID's own trust domain"));
  fs::remove(dir_ / "federated/example.org.pem");
  writeFile(dir_ / "federated/partner.org.pem", "garbage");
  EXPECT_FALSE(FileIdentitySource::loadOnce(dir_.path(), &error));
  EXPECT_EQ(error, (dir_ / "federated/partner.org.pem") + ": no PEM certificate found");
}

TEST_F(FileIdentitySourceTest, FollowsKubeletSymlinkSwaps) {
  // A projected volume: ..<ts>/files, ..data -> ..<ts>, and each file a symlink through ..data.
  const X509Svid first = issue(ca_, "spiffe://example.org/a");
  writeSet(first, dir_ / "..v1");
  fs::create_directory_symlink("..v1", dir_ / "..data");
  for (const char* name : {"svid.pem", "svid_key.pem", "bundle.pem"}) {
    fs::create_symlink(std::string("..data/") + name, dir_ / name);
  }
  FileIdentitySource source(dir_.path(), 0ms);
  recorder_.start(source);
  ASSERT_TRUE(recorder_.waitForUpdates(1));
  EXPECT_EQ(serialOf(recorder_.updates()[0]), serialOf(first));

  const X509Svid second = issue(ca_, "spiffe://example.org/a");
  writeSet(second, dir_ / "..v2");
  fs::create_directory_symlink("..v2", dir_ / "..data_tmp");
  fs::rename(dir_ / "..data_tmp", dir_ / "..data");
  ASSERT_TRUE(recorder_.waitForUpdates(2));
  EXPECT_EQ(serialOf(recorder_.updates()[1]), serialOf(second));
}

}  // namespace
}  // namespace warden::sidecar
