// The sidecar's mTLS over real sockets (design D5): every way a client certificate is refused, with the reason the
// sidecar reports (metric label and log line); federation, intermediates, SVID and trust-bundle rotation under load
// with zero failed requests; readiness before the first SVID; the TLS settings (no TLS 1.1, no resumption).
// Certificates are made at run time by DevCa; the sidecar is a real SidecarApp in front of a recording upstream.
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "../admin/raw_http_client.h"
#include "sidecar/metrics/metrics.h"
#include "sidecar_fixture.h"
#include "test_client.h"
#include "test_upstream.h"

namespace warden::sidecar::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kPartnerDomain = "partner.org";
constexpr const char* kPartnerAgent = "spiffe://partner.org/ns/agents/sa/bot";
constexpr const char* kRogueId = "spiffe://example.org/ns/agents/sa/rogue";

// read_file for every authenticated caller (a rule without principals), nothing else.
const std::string kPolicies = toolPolicyYaml("files-tools", R"(  rules:
  - {name: reads, tools: ["read_*"], effect: Allow})");

json call(int id, const std::string& tool = "read_file") {
  return {{"jsonrpc", "2.0"},
          {"id", id},
          {"method", "tools/call"},
          {"params", {{"name", tool}, {"arguments", json::object()}}}};
}

// An allowed call answered by the upstream.
bool answered(const ClientResponse& r, int id) {
  if (r.status != 200) return false;
  try {
    const auto body = r.json();
    return body.at("id") == id && body.at("result").at("content").at(0).at("text") == "called read_file";
  } catch (const json::exception&) {
    return false;
  }
}

std::string describe(const ClientResponse& r) {
  return "status " + std::to_string(r.status) + " error '" + r.error + "' body " + r.body.substr(0, 200);
}

// Polls `condition` until it holds or `timeout` passes.
template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
}

// The test client's blocking calls wait for the sidecar's own deadlines (set short below); should one of them hang
// anyway, this ends the run with the test's name instead of leaving it to the ctest timeout.
class HangGuard {
 public:
  explicit HangGuard(std::chrono::seconds limit) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    name_ = info ? std::string(info->test_suite_name()) + "." + info->name() : "?";
    thread_ = std::thread([this, limit] {
      std::unique_lock lock(mu_);
      if (!cv_.wait_for(lock, limit, [this] { return done_; })) {
        std::fprintf(stderr, "%s did not finish within %lld s: a wait is unbounded\n", name_.c_str(),
                     static_cast<long long>(limit.count()));
        std::abort();
      }
    });
  }
  ~HangGuard() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::string name_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

// Captures what the sidecar logs through spdlog's default logger (one JSON object per line). Installed before the
// sidecar starts and removed after it stopped, so no other thread logs while the sink list changes.
class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<Sink>()) { spdlog::default_logger()->sinks().push_back(sink_); }
  ~LogCapture() {
    auto& sinks = spdlog::default_logger()->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  // The logged objects whose "msg" is `message`.
  std::vector<json> lines(const std::string& message) const {
    std::vector<json> out;
    for (const auto& text : sink_->lines()) {
      auto line = json::parse(text, nullptr, false);
      if (line.is_object() && line.value("msg", "") == message) out.push_back(std::move(line));
    }
    return out;
  }

 private:
  class Sink : public spdlog::sinks::base_sink<std::mutex> {
   public:
    std::vector<std::string> lines() {
      std::lock_guard lock(mutex_);
      return lines_;
    }

   protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
      lines_.emplace_back(msg.payload.data(), msg.payload.size());
    }
    void flush_() override {}

   private:
    std::vector<std::string> lines_;
  };
  std::shared_ptr<Sink> sink_;
};

// warden_tls_handshake_failures_total by reason label, from the rendered /metrics text.
std::map<std::string, double> handshakeFailures(SidecarApp& app) {
  std::map<std::string, double> out;
  const std::string prefix = "warden_tls_handshake_failures_total{reason=\"";
  std::istringstream in(app.metrics().render());
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) != 0) continue;
    const auto close = line.find("\"}", prefix.size());
    if (close == std::string::npos) continue;
    out[line.substr(prefix.size(), close - prefix.size())] = std::stod(line.substr(close + 2));
  }
  return out;
}

double metricValue(SidecarApp& app, const std::string& name) {
  std::istringstream in(app.metrics().render());
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
  }
  return -1;
}

std::string describe(const std::map<std::string, double>& counts) {
  std::string out = "{";
  for (const auto& [k, v] : counts) out += k + "=" + std::to_string(static_cast<long>(v)) + " ";
  return out + "}";
}

// A snapshot with `base`'s SVID and `bundles` as the trust bundles.
IdentitySnapshotPtr withBundles(const IdentitySnapshotPtr& base, TrustBundles bundles) {
  auto snapshot = std::make_shared<IdentitySnapshot>();
  snapshot->svid = copySvid(base->svid);
  snapshot->bundles = std::move(bundles);
  snapshot->source = "test";
  return snapshot;
}

// Merges the trust domains' authorities of several bundles (certificates shared, not copied).
TrustBundles mergeBundles(std::initializer_list<const TrustBundles*> parts) {
  TrustBundles out;
  for (const auto* part : parts) {
    for (const auto& [td, cas] : *part) {
      for (const auto& ca : cas) out[td].push_back(upRef(ca.get()));
    }
  }
  return out;
}

X509Svid must(std::optional<X509Svid> svid, const std::string& error) {
  if (!svid) throw std::runtime_error(error);
  return std::move(*svid);
}

DevCa mustCa(std::optional<DevCa> ca, const std::string& error) {
  if (!ca) throw std::runtime_error(error);
  return std::move(*ca);
}

std::string leafSerial(const IdentitySnapshotPtr& snapshot) {
  return certificateSerial(snapshot->svid.chain.front().get());
}

class TlsIdentityTest : public ::testing::Test {
 protected:
  // withSvid false: the identity source has no snapshot until the test pushes one.
  explicit TlsIdentityTest(bool withSvid = true) { startSidecar(withSvid ? pki_.serverSnapshot() : nullptr); }

  // Every deadline of the sidecar short, so that each blocking call of the test client is bounded by one.
  static void shortDeadlines(SidecarConfig& c) {
    c.handshakeTimeout = 3s;
    c.headerTimeout = 3s;
    c.bodyTimeout = 3s;
    c.idleTimeout = 5s;
    c.upstreamHeaderTimeout = 3s;
    c.upstreamIdleTimeout = 3s;
  }

  void startSidecar(IdentitySnapshotPtr initial, const std::function<void(SidecarConfig&)>& tweak = {}) {
    sidecar_.reset();
    sidecar_ =
        std::make_unique<SidecarUnderTest>(std::move(initial), upstream_.port(), kPolicies, [&tweak](SidecarConfig& c) {
          shortDeadlines(c);
          if (tweak) tweak(c);
        });
  }

  McpTestClient client(const X509Svid* svid) { return McpTestClient(sidecar_->port(), svid, pki_.ca->bundle()); }
  McpTestClient clientOf(const X509Svid& svid) { return client(&svid); }

  // A client with `svid` gets an MCP answer through the sidecar, and the upstream sees `principal` as the caller.
  void expectAccepted(const X509Svid& svid, const std::string& principal) {
    auto c = clientOf(svid);
    const int id = ++nextId_;
    auto r = c.post(call(id).dump());
    ASSERT_TRUE(answered(r, id)) << describe(r);
    const auto seen = upstream_.requests();
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.back().headers.at("x-mcp-warden-principal"), principal);
  }

  // A client with `svid` (null: none) gets no MCP answer, nothing reaches the upstream, and the sidecar counts one
  // more handshake failure with `reason` and logs `logged` as the reason.
  // `configure` adjusts the client's SSL_CTX first (protocol versions).
  void expectRejected(const X509Svid* svid, const std::string& reason, const std::string& logged,
                      const std::function<void(SSL_CTX*)>& configure = {}) {
    const auto before = handshakeFailures(sidecar_->app());
    const auto upstreamBefore = upstream_.requests().size();
    const auto logsBefore = log_.lines("client rejected").size();
    auto c = client(svid);
    if (configure) configure(c.sslContext());
    const auto connected = c.connect();
    if (connected.empty()) {
      // TLS 1.3: the client finishes its handshake before the server has checked the client certificate, so the
      // refusal shows on the first read.
      auto r = c.post(call(1).dump());
      EXPECT_EQ(r.status, 0u) << describe(r);
      EXPECT_FALSE(r.error.empty());
    } else {
      EXPECT_EQ(connected.rfind("handshake: ", 0), 0u) << connected;
    }
    const double expected = (before.count(reason) != 0 ? before.at(reason) : 0) + 1;
    const bool counted = eventually([&] { return handshakeFailures(sidecar_->app())[reason] >= expected; });
    auto after = handshakeFailures(sidecar_->app());
    EXPECT_TRUE(counted) << "expected one more failure with reason " << reason << "; before " << describe(before)
                         << " after " << describe(after);
    double total = 0, totalBefore = 0;
    for (const auto& [k, v] : after) total += v;
    for (const auto& [k, v] : before) totalBefore += v;
    EXPECT_EQ(total, totalBefore + 1) << describe(after);
    EXPECT_EQ(upstream_.requests().size(), upstreamBefore);

    ASSERT_TRUE(eventually([&] { return log_.lines("client rejected").size() > logsBefore; }));
    const auto line = log_.lines("client rejected").back();
    const std::string loggedReason = line.value("reason", "");
    EXPECT_NE(loggedReason.find(logged), std::string::npos) << "logged reason: " << loggedReason;
    EXPECT_EQ(line.value("remote", ""), "127.0.0.1");
  }

  HangGuard guard_{30s};
  LogCapture log_;
  TestPki pki_;
  RecordingUpstream upstream_{mcpLikeServer({"read_file"})};
  std::unique_ptr<SidecarUnderTest> sidecar_;
  int nextId_ = 100;
};

// ---- 1. Every rejection, with its reason --------------------------------------------------------------------------

struct Rejection {
  std::string name;
  // The certificate the client presents; nullopt: none.
  std::function<std::optional<X509Svid>(const DevCa& ca)> make;
  std::string reason;  // warden_tls_handshake_failures_total's label
  std::string logged;  // in the logged reason
};

void PrintTo(const Rejection& r, std::ostream* os) { *os << r.name; }

SvidOptions rogue() {
  SvidOptions o;
  o.uriSans = {kRogueId};
  return o;
}

X509Svid issueWith(const DevCa& ca, const SvidOptions& options) {
  std::string error;
  return must(ca.issueWith(options, &error), error);
}

// The trust domain's own CA certificate with its key, presented as a client certificate.
X509Svid caItself(const DevCa& ca) {
  const auto dir = std::filesystem::temp_directory_path() / ("tls-identity-ca-" + std::to_string(::getpid()));
  std::string error;
  if (!ca.save(dir.string(), &error)) throw std::runtime_error(error);
  std::ifstream in(dir / "ca_key.pem");
  std::stringstream pem;
  pem << in.rdbuf();
  std::filesystem::remove_all(dir);
  X509Svid svid;
  svid.privateKey = parsePemPrivateKey(pem.str(), &error);
  if (!svid.privateKey) throw std::runtime_error(error);
  svid.chain.push_back(upRef(ca.certificate()));
  return svid;
}

std::vector<Rejection> rejections() {
  const auto now = std::chrono::system_clock::now();
  return {
      {"NoClientCertificate", [](const DevCa&) { return std::optional<X509Svid>(); }, "no_certificate",
       "no client certificate"},
      {"UnknownTrustDomain",
       [](const DevCa&) {
         std::string e;
         auto other = mustCa(DevCa::create("other.org", 1h, &e), e);
         return std::optional(must(other.issue("spiffe://other.org/ns/agents/sa/reader", {}, 1h, &e), e));
       },
       "unknown_trust_domain", "unknown trust domain \"other.org\""},
      {"Expired",
       [now](const DevCa& ca) {
         auto o = rogue();
         o.notBefore = now - 2h;
         o.notAfter = now - 1h;
         return std::optional(issueWith(ca, o));
       },
       "validity", "certificate expired at"},
      {"NotYetValid",
       [now](const DevCa& ca) {
         auto o = rogue();
         o.notBefore = now + 1h;
         o.notAfter = now + 2h;
         return std::optional(issueWith(ca, o));
       },
       "validity", "certificate not valid before"},
      {"CaCertificateAsLeaf",
       [](const DevCa& ca) {
         auto o = rogue();
         o.isCa = true;
         o.keyCertSign = true;
         return std::optional(issueWith(ca, o));
       },
       "ca_leaf", "leaf certificate is a CA"},
      {"TrustDomainCaItselfAsLeaf", [](const DevCa& ca) { return std::optional(caItself(ca)); }, "not_an_svid",
       "has no path"},
      {"KeyCertSignOnLeaf",
       [](const DevCa& ca) {
         auto o = rogue();
         o.keyCertSign = true;
         return std::optional(issueWith(ca, o));
       },
       "ca_leaf", "keyCertSign"},
      {"TwoUriSans",
       [](const DevCa& ca) {
         auto o = rogue();
         o.uriSans.push_back(kReaderId);
         return std::optional(issueWith(ca, o));
       },
       "not_an_svid", "certificate has 2 URI SANs"},
      {"NoUriSan",
       [](const DevCa& ca) {
         SvidOptions o;
         o.dnsNames = {"agent.example.org"};
         return std::optional(issueWith(ca, o));
       },
       "not_an_svid", "certificate has no URI SAN"},
      {"NoSubjectAltNameAtAll", [](const DevCa& ca) { return std::optional(issueWith(ca, SvidOptions{})); },
       "not_an_svid", "certificate has no URI SAN"},
      {"NonSpiffeUriSan",
       [](const DevCa& ca) {
         SvidOptions o;
         o.uriSans = {"https://example.org/ns/agents/sa/reader"};
         return std::optional(issueWith(ca, o));
       },
       "not_an_svid", "is not a SPIFFE ID"},
      {"NoKeyUsage",
       [](const DevCa& ca) {
         auto o = rogue();
         o.digitalSignature = false;
         return std::optional(issueWith(ca, o));
       },
       "not_an_svid", "no keyUsage extension"},
      {"SignedByAnotherCaOfTheSameTrustDomain",
       [](const DevCa&) {
         std::string e;
         auto impostor = mustCa(DevCa::create(kTrustDomain, 1h, &e), e);
         return std::optional(must(impostor.issue(kReaderId, {}, 1h, &e), e));
       },
       "untrusted", "chain does not verify against the bundle of \"example.org\""},
      {"ThroughAnIntermediateOfAnotherCaOfTheSameTrustDomain",
       [](const DevCa&) {
         std::string e;
         auto impostor = mustCa(DevCa::create(kTrustDomain, 1h, &e), e);
         auto intermediate = mustCa(impostor.issueIntermediate(1h, &e), e);
         return std::optional(must(intermediate.issue(kReaderId, {}, 1h, &e), e));
       },
       "untrusted", "chain does not verify against the bundle of \"example.org\""},
      {"IntermediateNotSent",
       [](const DevCa& ca) {
         std::string e;
         auto intermediate = mustCa(ca.issueIntermediate(1h, &e), e);
         auto svid = must(intermediate.issue(kReaderId, {}, 1h, &e), e);
         svid.chain.resize(1);  // the leaf alone: the bundle holds only the root
         return std::optional(std::move(svid));
       },
       "untrusted", "chain does not verify against the bundle of \"example.org\""},
  };
}

class TlsRejectionTest : public TlsIdentityTest, public ::testing::WithParamInterface<std::tuple<Rejection, int>> {};

TEST_P(TlsRejectionTest, ConnectionGetsNoAnswerAndTheReasonIsReported) {
  const auto& [rejection, version] = GetParam();
  const auto svid = rejection.make(*pki_.ca);
  expectRejected(svid ? &*svid : nullptr, rejection.reason, rejection.logged,
                 [version = version](SSL_CTX* ctx) { SSL_CTX_set_max_proto_version(ctx, version); });
  // The same sidecar still serves a valid agent.
  expectAccepted(pki_.reader, kReaderId);
}

INSTANTIATE_TEST_SUITE_P(EachReason, TlsRejectionTest,
                         ::testing::Combine(::testing::ValuesIn(rejections()),
                                            ::testing::Values(TLS1_2_VERSION, TLS1_3_VERSION)),
                         [](const auto& info) {
                           return std::get<0>(info.param).name +
                                  (std::get<1>(info.param) == TLS1_2_VERSION ? "_Tls12" : "_Tls13");
                         });

// ---- Federation and intermediates ---------------------------------------------------------------------------------

TEST_F(TlsIdentityTest, FederatedTrustDomainIsAcceptedOnlyWithItsBundle) {
  std::string e;
  auto partner = mustCa(DevCa::create(kPartnerDomain, 1h, &e), e);
  const auto agent = must(partner.issue(kPartnerAgent, {}, 1h, &e), e);
  expectRejected(&agent, "unknown_trust_domain", "unknown trust domain \"partner.org\"");

  const auto own = pki_.ca->bundle();
  const auto federated = partner.bundle();
  sidecar_->identity().push(withBundles(pki_.serverSnapshot(), mergeBundles({&own, &federated})));
  expectAccepted(agent, kPartnerAgent);
  expectAccepted(pki_.reader, kReaderId);

  // The partner's CA vouches for partner.org only: an example.org ID it signed is checked against example.org's
  // bundle and refused.
  SvidOptions o;
  o.uriSans = {kReaderId};
  const auto claimsOurs = issueWith(partner, o);
  expectRejected(&claimsOurs, "untrusted", "chain does not verify against the bundle of \"example.org\"");

  // Federation withdrawn: refused again.
  sidecar_->identity().push(pki_.serverSnapshot());
  expectRejected(&agent, "unknown_trust_domain", "unknown trust domain \"partner.org\"");
}

TEST_F(TlsIdentityTest, ChainsThroughAnIntermediateCaWorkBothWays) {
  std::string e;
  auto intermediate = mustCa(pki_.ca->issueIntermediate(1h, &e), e);
  const auto deep = must(intermediate.issue("spiffe://example.org/ns/agents/sa/deep", {}, 1h, &e), e);
  ASSERT_EQ(deep.chain.size(), 2u);
  expectAccepted(deep, "spiffe://example.org/ns/agents/sa/deep");

  // The server's own SVID from the intermediate: clients that trust only the root verify it through the chain the
  // sidecar sends.
  auto server = std::make_shared<IdentitySnapshot>();
  server->svid = must(intermediate.issue(kServerId, {"localhost", "127.0.0.1"}, 1h, &e), e);
  server->bundles = pki_.ca->bundle();
  server->source = "test";
  const auto serial = certificateSerial(server->svid.chain.front().get());
  sidecar_->identity().push(server);
  auto c = clientOf(pki_.reader);
  auto r = c.post(call(1).dump());
  ASSERT_TRUE(answered(r, 1)) << describe(r);
  EXPECT_EQ(c.peerCertificateSerial(), serial);
  STACK_OF(X509)* sent = SSL_get_peer_cert_chain(c.ssl());
  ASSERT_NE(sent, nullptr);
  EXPECT_EQ(sk_X509_num(sent), 2);
  expectAccepted(deep, "spiffe://example.org/ns/agents/sa/deep");
}

// ---- 2. Rotation --------------------------------------------------------------------------------------------------

// Keep-alive clients and clients that connect for every request call continuously while the server SVID rotates:
// no request fails, keep-alive connections stay on the SVID they started with, and each new connection gets the
// SVID current when it was opened.
TEST_F(TlsIdentityTest, SvidRotationUnderLoadFailsNoRequest) {
  constexpr int kKeepAlive = 4;
  constexpr int kFresh = 2;
  constexpr int kRotations = 5;
  constexpr int kPerPhase = 8;  // requests every client completes between two rotations
  // Each client's requests are bounded: the keep-alive ones run several times faster than those that handshake
  // for every request, and all run until the last phase ends.
  constexpr int kMaxRequests = 20000;
  // The idle connection below must outlive the whole load, however slow the machine: only a rotation could close it.
  startSidecar(pki_.serverSnapshot(), [](SidecarConfig& c) { c.idleTimeout = 120s; });

  std::mutex mu;
  std::vector<std::string> serials;  // server SVIDs in the order they were in force
  std::vector<std::string> failures;
  std::atomic<bool> stop{false};
  std::vector<std::atomic<int>> done(kKeepAlive + kFresh);  // answered requests per thread
  std::vector<std::string> keepAliveSerial(kKeepAlive);     // what each keep-alive connection was served
  std::vector<std::vector<long>> freshSeen(kFresh);         // index into serials, per new connection
  auto fail = [&](std::string what) {
    std::lock_guard lock(mu);
    failures.push_back(std::move(what));
  };
  auto failed = [&] {
    std::lock_guard lock(mu);
    return !failures.empty();
  };
  auto indexOf = [&](const std::string& serial) -> long {
    std::lock_guard lock(mu);
    const auto it = std::find(serials.begin(), serials.end(), serial);
    return it == serials.end() ? -1 : static_cast<long>(it - serials.begin());
  };
  {
    auto probe = clientOf(pki_.reader);
    auto r = probe.post(call(1).dump());
    ASSERT_TRUE(answered(r, 1)) << describe(r);
    serials.push_back(probe.peerCertificateSerial());
  }

  // A keep-alive connection that stays idle through the rotations.
  auto idle = clientOf(pki_.reader);
  auto first = idle.post(call(1).dump());
  ASSERT_TRUE(answered(first, 1)) << describe(first);

  std::vector<std::thread> threads;
  for (int t = 0; t < kKeepAlive; ++t) {
    threads.emplace_back([&, t] {
      auto c = clientOf(pki_.reader);
      for (int id = 1; !stop; ++id) {
        if (id > kMaxRequests) return fail("keep-alive client " + std::to_string(t) + " reached its request cap");
        auto r = c.post(call(id).dump());
        const std::string who = "keep-alive client " + std::to_string(t) + " request " + std::to_string(id);
        if (!answered(r, id)) return fail(who + ": " + describe(r));
        const auto serial = c.peerCertificateSerial();
        if (id == 1) keepAliveSerial[t] = serial;
        if (serial != keepAliveSerial[t]) return fail(who + ": the connection changed");
        ++done[t];
      }
    });
  }
  for (int f = 0; f < kFresh; ++f) {
    threads.emplace_back([&, f] {
      for (int id = 1; !stop; ++id) {
        if (id > kMaxRequests) return fail("new-connection client " + std::to_string(f) + " reached its request cap");
        auto c = clientOf(pki_.reader);
        auto r = c.post(call(id).dump());
        const std::string who = "new-connection client " + std::to_string(f) + " request " + std::to_string(id);
        if (!answered(r, id)) return fail(who + ": " + describe(r));
        const long index = indexOf(c.peerCertificateSerial());
        if (index < 0) return fail(who + ": served an unknown certificate " + c.peerCertificateSerial());
        if (!freshSeen[f].empty() && index < freshSeen[f].back()) {
          return fail(who + ": served an older SVID than the connection before it");
        }
        freshSeen[f].push_back(index);
        ++done[kKeepAlive + f];
      }
    });
  }

  // Each phase: every client completes kPerPhase more requests, so that the rotation that follows lands while all
  // of them are sending and each new-connection client opens connections after the previous rotation.
  auto counts = [&] {
    std::vector<int> v;
    for (const auto& d : done) v.push_back(d.load());
    return v;
  };
  const auto start = Clock::now();
  auto phase = [&] {
    const auto base = counts();
    const auto progressed = [&] {
      if (failed()) return true;
      const auto now = counts();
      for (std::size_t i = 0; i < now.size(); ++i) {
        if (now[i] < base[i] + kPerPhase) return false;
      }
      return true;
    };
    return eventually(progressed, 10s) && !failed();
  };
  bool loaded = true;
  for (int k = 1; k <= kRotations && loaded; ++k) {
    loaded = phase();
    if (!loaded) break;
    auto next = pki_.serverSnapshot();
    {
      std::lock_guard lock(mu);
      serials.push_back(leafSerial(next));
    }
    sidecar_->identity().push(next);
    // A connection opened after the push presents the new SVID.
    auto probe = clientOf(pki_.reader);
    auto r = probe.post(call(1).dump());
    EXPECT_TRUE(answered(r, 1)) << describe(r);
    EXPECT_EQ(probe.peerCertificateSerial(), leafSerial(next)) << "rotation " << k;
  }
  if (loaded) loaded = phase();
  stop = true;
  for (auto& t : threads) t.join();

  EXPECT_TRUE(loaded) << "the load did not progress through every rotation";
  EXPECT_FALSE(idle.closedByServer(300ms));
  auto last = idle.post(call(2).dump());
  EXPECT_TRUE(answered(last, 2)) << describe(last);
  EXPECT_EQ(idle.peerCertificateSerial(), serials.front());
  ASSERT_TRUE(failures.empty()) << failures.size() << " failed, first: " << failures.front();
  int answeredTotal = 0;
  for (int t = 0; t < kKeepAlive; ++t) {
    EXPECT_EQ(keepAliveSerial[t], serials.front()) << "keep-alive connection " << t;
    EXPECT_GE(done[t].load(), kPerPhase * (kRotations + 1));
  }
  for (int f = 0; f < kFresh; ++f) {
    const std::set<long> distinct(freshSeen[f].begin(), freshSeen[f].end());
    EXPECT_EQ(distinct.size(), static_cast<std::size_t>(kRotations + 1)) << "new-connection client " << f;
  }
  for (const auto& d : done) answeredTotal += d;
  // Every answered call reached the upstream exactly once (probes and the idle connection's two included); no
  // handshake failed.
  EXPECT_EQ(upstream_.countToolCalls("read_file"), static_cast<std::size_t>(answeredTotal + 3 + kRotations));
  EXPECT_TRUE(handshakeFailures(sidecar_->app()).empty()) << describe(handshakeFailures(sidecar_->app()));
  EXPECT_EQ(metricValue(sidecar_->app(), "warden_svid_updates_total"), 1 + kRotations);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  std::printf("[ rotation ] %d requests answered across %d rotations in %lld ms\n", answeredTotal, kRotations,
              static_cast<long long>(took.count()));
}

TEST_F(TlsIdentityTest, TrustBundleRotationAdmitsANewCaAndRetiresTheOld) {
  std::string e;
  auto next = mustCa(DevCa::create(kTrustDomain, 24h, &e), e);
  const std::string newcomerId = "spiffe://example.org/ns/agents/sa/newcomer";
  const auto newcomer = must(next.issue(newcomerId, {}, 1h, &e), e);
  expectRejected(&newcomer, "untrusted", "chain does not verify against the bundle of \"example.org\"");

  const auto current = pki_.ca->bundle();
  const auto added = next.bundle();
  sidecar_->identity().push(withBundles(pki_.serverSnapshot(), mergeBundles({&current, &added})));
  expectAccepted(newcomer, newcomerId);
  expectAccepted(pki_.reader, kReaderId);

  // The old CA retired: new connections with its SVIDs are refused; a connection verified before stays.
  auto kept = clientOf(pki_.reader);
  auto r = kept.post(call(1).dump());
  ASSERT_TRUE(answered(r, 1)) << describe(r);
  sidecar_->identity().push(withBundles(pki_.serverSnapshot(), next.bundle()));
  expectRejected(&pki_.reader, "untrusted", "chain does not verify against the bundle of \"example.org\"");
  expectAccepted(newcomer, newcomerId);
  EXPECT_FALSE(kept.closedByServer(300ms));
  r = kept.post(call(2).dump());
  EXPECT_TRUE(answered(r, 2)) << describe(r);
}

TEST_F(TlsIdentityTest, AnUnusableSvidUpdateIsRefusedAndTheCurrentOneStays) {
  auto probe = clientOf(pki_.reader);
  auto r = probe.post(call(1).dump());
  ASSERT_TRUE(answered(r, 1)) << describe(r);
  const auto serving = probe.peerCertificateSerial();
  const auto updates = metricValue(sidecar_->app(), "warden_svid_updates_total");

  // A certificate with someone else's key, then a snapshot without an SVID.
  const auto a = pki_.serverSnapshot();
  const auto b = pki_.serverSnapshot();
  auto mismatched = std::make_shared<IdentitySnapshot>();
  mismatched->svid = copySvid(a->svid);
  mismatched->svid.privateKey = upRef(b->svid.privateKey.get());
  mismatched->bundles = pki_.ca->bundle();
  sidecar_->identity().push(mismatched);
  auto empty = std::make_shared<IdentitySnapshot>();
  empty->bundles = pki_.ca->bundle();
  sidecar_->identity().push(empty);

  const auto refusals = log_.lines("SVID refused");
  ASSERT_EQ(refusals.size(), 2u);
  EXPECT_NE(refusals[0].value("error", "").find("SVID private key"), std::string::npos) << refusals[0].dump();
  EXPECT_EQ(refusals[1].value("error", ""), "no SVID in the identity update");
  EXPECT_EQ(metricValue(sidecar_->app(), "warden_svid_updates_total"), updates);
  EXPECT_TRUE(sidecar_->app().notReadyReasons().empty());
  auto after = clientOf(pki_.reader);
  r = after.post(call(2).dump());
  ASSERT_TRUE(answered(r, 2)) << describe(r);
  EXPECT_EQ(after.peerCertificateSerial(), serving);
}

// ---- 3. Readiness -------------------------------------------------------------------------------------------------

class TlsReadinessTest : public TlsIdentityTest {
 protected:
  TlsReadinessTest() : TlsIdentityTest(false) {}
};

TEST_F(TlsReadinessTest, NothingIsServedBeforeTheFirstSvidAndReadyzSaysWhy) {
  auto readyz = [&] {
    RawHttpClient admin(sidecar_->adminPort());
    return admin.get("/readyz");
  };
  auto r = readyz();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_NE(r->body.find("no SVID yet"), std::string::npos) << r->body;
  EXPECT_EQ(sidecar_->app().notReadyReasons(), std::vector<std::string>{"no SVID yet"});  // the policy is loaded

  // The listener closes connections at once, before any TLS.
  RawHttpClient raw(sidecar_->port());
  ASSERT_TRUE(raw.connected());
  EXPECT_TRUE(raw.closedWithin(1s));
  auto early = clientOf(pki_.reader);
  EXPECT_NE(early.connect(), "");
  EXPECT_TRUE(upstream_.requests().empty());

  sidecar_->identity().push(pki_.serverSnapshot());
  EXPECT_TRUE(eventually([&] {
    auto now = readyz();
    return now && now->status == 200;
  }));
  expectAccepted(pki_.reader, kReaderId);
}

// ---- 4. TLS settings ----------------------------------------------------------------------------------------------

TEST_F(TlsIdentityTest, Tls11IsRefusedAndTls12And13AreServed) {
  expectRejected(&pki_.reader, "tls", "unsupported protocol", [](SSL_CTX* ctx) {
    SSL_CTX_set_min_proto_version(ctx, TLS1_1_VERSION);
    SSL_CTX_set_max_proto_version(ctx, TLS1_1_VERSION);
    SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0");  // so that the client really offers TLS 1.1
  });
  for (const int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    auto c = clientOf(pki_.reader);
    SSL_CTX_set_min_proto_version(c.sslContext(), version);
    SSL_CTX_set_max_proto_version(c.sslContext(), version);
    auto r = c.post(call(1).dump());
    EXPECT_TRUE(answered(r, 1)) << describe(r);
    ASSERT_NE(c.ssl(), nullptr);
    EXPECT_EQ(SSL_version(c.ssl()), version);
  }
}

TEST_F(TlsIdentityTest, AClientThatNeverCompletesTheHandshakeIsCutAtTheDeadline) {
  startSidecar(pki_.serverSnapshot(), [](SidecarConfig& c) { c.handshakeTimeout = 200ms; });
  RawHttpClient silent(sidecar_->port());  // TCP only: no ClientHello ever
  ASSERT_TRUE(silent.connected());
  EXPECT_TRUE(silent.closedWithin(3s));
  EXPECT_TRUE(eventually([&] { return handshakeFailures(sidecar_->app())["timeout"] == 1; }))
      << describe(handshakeFailures(sidecar_->app()));
  ASSERT_TRUE(eventually([&] { return !log_.lines("client rejected").empty(); }));
  EXPECT_EQ(log_.lines("client rejected").back().value("reason", ""), "handshake timed out");
}

TEST_F(TlsIdentityTest, SessionsAreNeverResumedSoEveryConnectionIsVerified) {
  for (const int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    SCOPED_TRACE(version == TLS1_2_VERSION ? "TLS 1.2" : "TLS 1.3");
    auto first = clientOf(pki_.reader);
    SSL_CTX_set_max_proto_version(first.sslContext(), version);
    auto r = first.post(call(1).dump());  // TLS 1.3 tickets, were any sent, arrive before this answer
    ASSERT_TRUE(answered(r, 1)) << describe(r);
    std::shared_ptr<SSL_SESSION> session(SSL_get1_session(first.ssl()), SSL_SESSION_free);
    ASSERT_NE(session, nullptr);
    EXPECT_EQ(SSL_SESSION_is_resumable(session.get()), 0);

    auto second = clientOf(pki_.reader);
    SSL_CTX_set_max_proto_version(second.sslContext(), version);
    second.offerSession(session);
    r = second.post(call(2).dump());
    ASSERT_TRUE(answered(r, 2)) << describe(r);
    EXPECT_EQ(SSL_session_reused(second.ssl()), 0);
  }
}

}  // namespace
}  // namespace warden::sidecar::testing
