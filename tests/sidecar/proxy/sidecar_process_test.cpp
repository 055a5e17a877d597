// The real warden-sidecar binary, as Kubernetes runs it: SVID files, a policy directory, a receipt log; killed with
// SIGKILL under load (every call an agent got an answer to must have its receipt, and the chain must verify across
// the crashes, also to `wardenctl receipts verify`), stopped with SIGTERM (the call in progress answered, idle
// connections closed, exit 0, a clean log), its policy bundle swapped (an invalid one refused with a log line),
// asked for --help, and given an invalid configuration.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include <CLI/CLI.hpp>

#include "policy/canonical_json.h"
#include "sidecar/common/asio.h"
#include "sidecar/config/sidecar_config.h"
#include "sidecar/receipts/receipt_log.h"
#include "sidecar/receipts/receipt_verifier.h"
#include "raw_tls_client.h"
#include "sidecar_fixture.h"
#include "test_client.h"
#include "test_upstream.h"
#include "tests/sidecar/admin/raw_http_client.h"

extern char** environ;

namespace warden::sidecar::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

const std::string kPolicies = toolPolicyYaml("files-tools", R"(  rules:
  - {name: reads, tools: ["read_*"], effect: Allow})");
const std::string kWritePolicies = toolPolicyYaml("files-tools", R"(  rules:
  - {name: writes, tools: ["write_*"], effect: Allow})");

// build/tests/sidecar_tests -> build/sidecar/warden-sidecar
std::string sidecarBinary() {
  char buffer[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  if (n <= 0) return "";
  return (fs::path(std::string(buffer, static_cast<std::size_t>(n))).parent_path().parent_path() / "sidecar" /
          "warden-sidecar")
      .string();
}

// build/tests/sidecar_tests -> build/cli/wardenctl
std::string wardenctlBinary() {
  const auto sidecar = fs::path(sidecarBinary());
  return (sidecar.parent_path().parent_path() / "cli" / "wardenctl").string();
}

template <typename Condition>
bool eventually(Condition condition, milliseconds timeout = milliseconds(10'000)) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return condition();
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

unsigned short unusedPort() {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

// A child process running the sidecar binary with a clean environment (no WARDEN_* or SPIFFE_* variables from the
// test's own), stdout and stderr in files. Killed (SIGKILL) when still running at destruction.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& args, const std::string& stdoutPath, const std::string& stderrPath) {
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string_view v(*e);
      if (v.rfind("WARDEN_", 0) == 0 || v.rfind("SPIFFE_", 0) == 0) continue;
      env.emplace_back(v);
    }
    std::vector<char*> argv, envp;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    const int out = ::open(stdoutPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const int err = ::open(stderrPath.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test
      ::dup2(out, STDOUT_FILENO);
      ::dup2(err, STDERR_FILENO);
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
    ::close(out);
    ::close(err);
  }
  ~ChildProcess() {
    if (running()) {
      ::kill(pid_, SIGKILL);
      wait(milliseconds(10'000));
    }
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0 && !status_; }
  void signal(int sig) const { ::kill(pid_, sig); }
  // The wait status once the process ended within `timeout`.
  std::optional<int> wait(milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!status_) {
      int status = 0;
      const pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        status_ = status;
        break;
      }
      if (r < 0 || Clock::now() >= deadline) break;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return status_;
  }
  bool exited() { return wait(milliseconds(0)).has_value(); }

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

std::string describeStatus(const std::optional<int>& status) {
  if (!status) return "still running";
  if (WIFEXITED(*status)) return "exit " + std::to_string(WEXITSTATUS(*status));
  if (WIFSIGNALED(*status)) return "signal " + std::to_string(WTERMSIG(*status));
  return "status " + std::to_string(*status);
}

json call(const json& id, const std::string& tool) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"method", "tools/call"},
          {"params", {{"name", tool}, {"arguments", {{"n", id}}}}}};
}

// What an agent got an answer to.
struct Ack {
  std::string target;
  std::string decision;  // "allow" or "deny"
  std::string receipt;   // the denial's receipt hash ("" for allowed calls)
};

class SidecarProcessTest : public ::testing::Test {
 protected:
  SidecarProcessTest() : upstream_([this](const UpstreamRequest& req) { return respond(req); }) {
    static int counter = 0;
    dir_ = (fs::temp_directory_path() /
            ("sidecar-process-" + std::to_string(::getpid()) + "-" + std::to_string(counter++)))
               .string();
    fs::remove_all(dir_);
    fs::create_directories(dir_ + "/svid");
    fs::create_directories(dir_ + "/policy");
    const auto server = pki_.serverSnapshot();
    std::ofstream(dir_ + "/svid/svid.pem") << certificatesToPem(server->svid.chain);
    std::ofstream(dir_ + "/svid/svid_key.pem") << privateKeyToPem(server->svid.privateKey.get());
    std::ofstream(dir_ + "/svid/bundle.pem") << certificatesToPem(server->bundles.at(kTrustDomain));
    writePolicyFiles(dir_ + "/policy", kPolicies);
  }
  ~SidecarProcessTest() override {
    process_.reset();
    std::error_code ec;
    if (!HasFailure()) fs::remove_all(dir_, ec);  // kept for investigation otherwise
  }

  // The upstream answers as an MCP server would, except where the test says otherwise.
  void answerWith(RecordingUpstream::Handler handler) {
    std::lock_guard lock(mu_);
    handler_ = std::move(handler);
  }
  UpstreamReply respond(const UpstreamRequest& req) {
    RecordingUpstream::Handler handler;
    {
      std::lock_guard lock(mu_);
      handler = handler_;
    }
    return handler ? handler(req) : mcpLikeServer({"read_file"})(req);
  }

  // `wardenctl receipts verify` on the receipt log, as an operator runs it: its exit status and output.
  std::pair<std::optional<int>, std::string> wardenctlVerify(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {wardenctlBinary(), "receipts", "verify", receiptsPath()};
    args.insert(args.end(), extra.begin(), extra.end());
    std::string out;
    auto status = runToExit(args, &out);
    return {status, out};
  }

  std::string receiptsPath() const { return dir_ + "/receipts.jsonl"; }
  std::string stderrPath() const { return dir_ + "/sidecar.log"; }

  std::vector<std::string> baseArgs() const {
    return {sidecarBinary(),     "--listen-address", "127.0.0.1", "--admin-address", "127.0.0.1",
            "--svid-dir",        dir_ + "/svid",     "--policy-dir", dir_ + "/policy", "--receipts-path",
            receiptsPath(),      "--receipts-stdout", "false",       "--threads",       "2"};
  }

  // Starts the sidecar and waits (bounded) until /readyz says 200. Fails the test when it does not get there.
  void startSidecar() {
    ASSERT_TRUE(fs::exists(sidecarBinary())) << sidecarBinary() << " missing: build the warden-sidecar target";
    ASSERT_TRUE(fs::exists(wardenctlBinary())) << wardenctlBinary() << " missing: build the wardenctl target";
    port_ = unusedPort();
    do {
      adminPort_ = unusedPort();
    } while (adminPort_ == port_);
    auto args = baseArgs();
    args.insert(args.end(), extraArgs_.begin(), extraArgs_.end());
    for (const std::string& a : {std::string("--port"), std::to_string(port_), std::string("--admin-port"),
                                 std::to_string(adminPort_), std::string("--upstream-port"),
                                 std::to_string(upstream_.port())}) {
      args.push_back(a);
    }
    process_ = std::make_unique<ChildProcess>(args, dir_ + "/stdout", stderrPath());
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (Clock::now() < deadline && !process_->exited()) {
      RawHttpClient admin(adminPort_);
      if (admin.connected()) {
        auto r = admin.get("/readyz");
        if (r && r->status == 200) return;
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
    FAIL() << "sidecar not ready (" << describeStatus(process_->wait(milliseconds(0))) << "): "
           << readFile(stderrPath());
  }

  // Runs one process to completion (bounded) and returns its wait status; stdout in *out.
  std::optional<int> runToExit(const std::vector<std::string>& args, std::string* out) {
    ChildProcess child(args, dir_ + "/run.out", dir_ + "/run.err");
    auto status = child.wait(milliseconds(20'000));
    *out = readFile(dir_ + "/run.out") + readFile(dir_ + "/run.err");
    return status;
  }

  // Kills the sidecar (SIGKILL) under load from 4 agents after 1, 40 and 250 answered calls: every answered call
  // must have its receipt, and the chain must verify across the crashes.
  void killUnderLoad();

  TestPki pki_;
  std::mutex mu_;
  RecordingUpstream::Handler handler_;
  RecordingUpstream upstream_;
  std::string dir_;
  std::vector<std::string> extraArgs_;  // added to every startSidecar()
  unsigned short port_ = 0, adminPort_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

// Receipts in the file (lines that are not receipts, i.e. torn ones, skipped): target -> the receipt.
std::map<std::string, json> receiptsByTarget(const std::string& text) {
  std::map<std::string, json> out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    auto r = json::parse(line, nullptr, false);
    if (r.is_object() && r.contains("target")) out[r["target"]] = r;
  }
  return out;
}

TEST_F(SidecarProcessTest, EveryAnsweredCallHasItsReceiptAfterKill9) { killUnderLoad(); }

// --receipts-sync=interval writes each receipt before the call goes on and only syncs later: a process kill (the page
// cache survives it) must still lose no answered call's receipt.
TEST_F(SidecarProcessTest, EveryAnsweredCallHasItsReceiptAfterKill9WithIntervalSync) {
  extraArgs_ = {"--receipts-sync", "interval", "--receipts-sync-interval", "50ms"};
  killUnderLoad();
}

void SidecarProcessTest::killUnderLoad() {
  const std::vector<std::size_t> killAfter = {1, 40, 250};
  std::size_t totalAcks = 0;
  std::uint64_t recoveredTornLines = 0;
  for (std::size_t round = 0; round < killAfter.size(); ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    startSidecar();
    if (HasFatalFailure()) return;
    std::mutex mu;
    std::vector<Ack> acks;
    std::vector<std::string> problems;
    std::atomic<std::size_t> ackCount{0};
    auto agent = [&](const X509Svid* svid, int thread) {
      McpTestClient client(port_, svid, pki_.ca->bundle());
      for (int n = 0;; ++n) {
        // Alternately allowed (read_*) and denied (write_*, default deny); each target names one call.
        const std::string target = std::string(n % 2 == 0 ? "read_" : "write_") + "r" + std::to_string(round) + "t" +
                                   std::to_string(thread) + "n" + std::to_string(n);
        auto r = client.post(call(n, target).dump());
        if (r.status == 0 || !r.error.empty()) return;  // the sidecar is gone
        const auto answer = r.json();
        Ack ack{target, "", ""};
        if (answer.contains("result") && answer["result"]["content"][0]["text"] == "called " + target) {
          ack.decision = "allow";
        } else if (answer.contains("error") && answer["error"]["code"] == -32031) {
          ack.decision = "deny";
          ack.receipt = answer["error"]["data"]["receipt"];
        }
        std::lock_guard lock(mu);
        if (ack.decision.empty() || ack.decision != (n % 2 == 0 ? "allow" : "deny")) {
          problems.push_back("unexpected answer for " + target + ": " + std::to_string(r.status) + " " + r.body);
          return;
        }
        acks.push_back(ack);
        ++ackCount;
      }
    };
    std::vector<std::thread> agents;
    for (int t = 0; t < 4; ++t) agents.emplace_back(agent, t % 2 == 0 ? &pki_.reader : &pki_.editor, t);
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (ackCount < killAfter[round] && Clock::now() < deadline && problems.empty()) {
      std::this_thread::sleep_for(milliseconds(1));
    }
    process_->signal(SIGKILL);
    const auto status = process_->wait(milliseconds(10'000));
    for (auto& t : agents) t.join();
    ASSERT_TRUE(status && WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL) << describeStatus(status);
    for (const auto& p : problems) ADD_FAILURE() << p;
    EXPECT_GE(acks.size(), killAfter[round]);
    totalAcks += acks.size();

    // Reopening recovers a torn tail (the kill may cut a write short) and records it.
    {
      ReceiptLogOptions options;
      options.path = receiptsPath();
      options.mirrorToStdout = false;
      std::string error;
      auto log = ReceiptLog::open(options, &error);
      ASSERT_TRUE(log) << error;
    }
    const auto receipts = receiptsByTarget(readFile(receiptsPath()));
    std::size_t missing = 0;
    for (const auto& ack : acks) {
      auto it = receipts.find(ack.target);
      if (it == receipts.end()) {
        if (++missing <= 5) ADD_FAILURE() << "answered call without a receipt: " << ack.target;
        continue;
      }
      EXPECT_EQ(it->second["decision"], ack.decision) << ack.target;
      if (!ack.receipt.empty()) {
        EXPECT_EQ(it->second["hash"], ack.receipt) << ack.target;
      }
    }
    EXPECT_EQ(missing, 0u);
    std::ifstream in(receiptsPath());
    const auto report = verifyReceipts(in, {});
    ASSERT_TRUE(report.ok) << "line " << report.brokenLine << ": " << report.problem;
    recoveredTornLines = report.recoveredTornLines;
    const auto [verified, out] = wardenctlVerify();
    EXPECT_TRUE(verified && WIFEXITED(*verified) && WEXITSTATUS(*verified) == 0) << describeStatus(verified) << out;
    EXPECT_EQ(out.rfind("OK: ", 0), 0u) << out;
  }
  EXPECT_GT(totalAcks, 0u);
  RecordProperty("recoveredTornLines", static_cast<int>(recoveredTornLines));
}

TEST_F(SidecarProcessTest, SigtermExitsZeroWithACleanVerifiableLog) {
  startSidecar();
  if (HasFatalFailure()) return;
  McpTestClient agent(port_, &pki_.reader, pki_.ca->bundle());
  EXPECT_EQ(agent.post(call(1, "read_file").dump()).json()["result"]["content"][0]["text"], "called read_file");
  EXPECT_EQ(agent.post(call(2, "write_file").dump()).json()["error"]["code"], -32031);
  // An agent keeps its connection open (keep-alive) while the sidecar is told to stop.
  process_->signal(SIGTERM);
  const auto status = process_->wait(milliseconds(8'000));
  ASSERT_TRUE(status) << "still running 8 s after SIGTERM";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << describeStatus(status) << readFile(stderrPath());

  const std::string log = readFile(receiptsPath());
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(log.back(), '\n');
  // The head the sidecar logged at close is the end of the file.
  std::string head;
  std::uint64_t seq = 0;
  std::istringstream lines(readFile(stderrPath()));
  for (std::string line; std::getline(lines, line);) {
    auto entry = json::parse(line, nullptr, false);
    if (entry.is_object() && entry.value("msg", "") == "receipt log closed") {
      head = entry.value("head", "");
      seq = entry.value("seq", std::uint64_t{0});
    }
  }
  ASSERT_FALSE(head.empty()) << readFile(stderrPath());
  EXPECT_EQ(seq, 2u);
  std::ifstream in(receiptsPath());
  VerifyOptions options;
  options.expectHead = head;
  options.expectCount = seq;
  const auto report = verifyReceipts(in, options);
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.recoveredTornLines, 0u);
  const auto [verified, out] = wardenctlVerify({"--expect-head", head, "--expect-count", std::to_string(seq)});
  EXPECT_TRUE(verified && WIFEXITED(*verified) && WEXITSTATUS(*verified) == 0) << describeStatus(verified) << out;
}

// The log lines (JSON) the sidecar wrote to stderr whose "msg" starts with `prefix`.
std::vector<json> logLines(const std::string& log, const std::string& prefix) {
  std::vector<json> out;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    auto entry = json::parse(line, nullptr, false);
    if (entry.is_object() && entry.value("msg", "").rfind(prefix, 0) == 0) out.push_back(entry);
  }
  return out;
}

TEST_F(SidecarProcessTest, SigtermAnswersTheCallInProgressClosesIdleConnectionsAndExitsZero) {
  auto held = std::make_shared<Gate>();
  answerWith([held](const UpstreamRequest& req) {
    UpstreamReply reply = mcpLikeServer({"read_file", "read_slow"})(req);
    auto body = json::parse(req.body, nullptr, false);
    if (body.is_object() && body["params"].value("name", "") == "read_slow") reply.gates = {{0, held}};
    return reply;
  });
  startSidecar();
  if (HasFatalFailure()) return;
  RawTlsClient idle(port_, pki_.reader, pki_.ca->bundle());
  ASSERT_TRUE(idle.send(mcpPost(call(1, "read_file").dump())));
  ASSERT_EQ(idle.readUntil([](const std::string& r) { auto m = parseHttpResponse(r); return m && m->complete; },
                           milliseconds(10'000)),
            RawTlsClient::Read::Matched)
      << idle.received();
  RawTlsClient busy(port_, pki_.editor, pki_.ca->bundle());
  ASSERT_TRUE(busy.send(mcpPost(call(2, "read_slow").dump())));
  ASSERT_TRUE(eventually([&] { return upstream_.countToolCalls("read_slow") == 1; }));

  process_->signal(SIGTERM);
  // The idle keep-alive connection is closed at once, while the call in progress is still held by the server.
  EXPECT_EQ(idle.readUntilClosed(), RawTlsClient::Read::Closed);
  // New connections are refused.
  EXPECT_TRUE(eventually([&] {
    RawTlsClient late(port_, pki_.reader, pki_.ca->bundle());
    return !late.connect(milliseconds(1000)).empty();
  }));
  EXPECT_FALSE(process_->exited());

  held->open();
  // The call in progress gets its whole answer, then its connection closes.
  EXPECT_EQ(busy.readUntilClosed(), RawTlsClient::Read::Closed);
  const auto answer = parseHttpResponse(busy.received());
  ASSERT_TRUE(answer) << busy.received();
  EXPECT_TRUE(answer->complete) << busy.received();
  EXPECT_EQ(json::parse(answer->body, nullptr, false)["result"]["content"][0]["text"], "called read_slow")
      << answer->body;

  const auto status = process_->wait(milliseconds(10'000));
  ASSERT_TRUE(status) << "still running 10 s after SIGTERM";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << describeStatus(status) << readFile(stderrPath());
  const auto closed = logLines(readFile(stderrPath()), "receipt log closed");
  ASSERT_EQ(closed.size(), 1u) << readFile(stderrPath());
  EXPECT_EQ(closed[0].value("seq", std::uint64_t{0}), 2u);
  const auto [verified, out] = wardenctlVerify({"--expect-head", closed[0].value("head", ""), "--expect-count", "2"});
  EXPECT_TRUE(verified && WIFEXITED(*verified) && WEXITSTATUS(*verified) == 0) << describeStatus(verified) << out;
}

TEST_F(SidecarProcessTest, PolicyBundleIsSwappedInPlaceAndAnInvalidOneIsRefusedWithALogLine) {
  startSidecar();
  if (HasFatalFailure()) return;
  McpTestClient agent(port_, &pki_.reader, pki_.ca->bundle());
  auto allowed = [&](const std::string& tool, int id) {
    auto answer = agent.post(call(id, tool).dump()).json();
    return answer.contains("result");
  };
  EXPECT_TRUE(allowed("read_file", 1));
  EXPECT_FALSE(allowed("write_file", 2));

  const auto writeVersion = writePolicyFiles(dir_ + "/policy", kWritePolicies);
  const std::string loaded = "policy " + writeVersion + " loaded";
  ASSERT_TRUE(eventually([&] { return !logLines(readFile(stderrPath()), loaded).empty(); })) << readFile(stderrPath());
  EXPECT_TRUE(allowed("write_file", 3));
  EXPECT_FALSE(allowed("read_file", 4));

  // A bundle that is not one (its version file matches its bytes): refused, logged, the last good one kept.
  const std::string broken = "{\"bundleFormat\": 1, \"policies\": [";
  std::ofstream(dir_ + "/policy/.v", std::ios::binary) << policy::sha256Hex(broken);
  std::ofstream(dir_ + "/policy/.b", std::ios::binary) << broken;
  fs::rename(dir_ + "/policy/.v", dir_ + "/policy/policyVersion");
  fs::rename(dir_ + "/policy/.b", dir_ + "/policy/bundle.json");
  std::vector<json> refused;
  ASSERT_TRUE(eventually([&] {
    refused = logLines(readFile(stderrPath()), "bundle refused: ");
    return !refused.empty();
  })) << readFile(stderrPath());
  const std::string line = refused.back().value("msg", "");
  EXPECT_NE(line.find("; keeping " + writeVersion), std::string::npos) << line;
  EXPECT_EQ(refused.back().value("level", ""), "error");
  EXPECT_TRUE(allowed("write_file", 5));
  EXPECT_FALSE(allowed("read_file", 6));

  // The bundle file removed altogether: the same.
  fs::remove(dir_ + "/policy/bundle.json");
  ASSERT_TRUE(eventually([&] { return logLines(readFile(stderrPath()), "bundle refused: ").size() >= 2; }))
      << readFile(stderrPath());
  const std::string missing = logLines(readFile(stderrPath()), "bundle refused: ").back().value("msg", "");
  EXPECT_NE(missing.find("; keeping " + writeVersion), std::string::npos) << missing;
  EXPECT_TRUE(allowed("write_file", 7));
  RawHttpClient admin(adminPort_);
  ASSERT_TRUE(admin.connected());
  const auto ready = admin.get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
}

TEST_F(SidecarProcessTest, HelpListsEveryFlagWithItsEnvironmentVariable) {
  std::string out;
  const auto status = runToExit({sidecarBinary(), "--help"}, &out);
  ASSERT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << describeStatus(status) << out;
  // Every setting the binary registers, as addSidecarOptions registers them.
  CLI::App app;
  SidecarConfig config;
  addSidecarOptions(app, config);
  std::size_t flags = 0;
  for (const CLI::Option* option : app.get_options()) {
    const std::string name = option->get_name();
    if (name == "--help") continue;
    ++flags;
    EXPECT_NE(out.find(name), std::string::npos) << name << " missing from --help";
    const std::string env = option->get_envname();
    EXPECT_FALSE(env.empty()) << name << " has no environment variable";
    if (!env.empty()) {
      EXPECT_NE(out.find(env), std::string::npos) << env << " missing from --help";
    }
  }
  EXPECT_GE(flags, 25u);
}

TEST_F(SidecarProcessTest, InvalidConfigurationExits64WithAClearMessage) {
  std::string out;
  auto args = baseArgs();  // everything but --upstream-port
  const auto status = runToExit(args, &out);
  ASSERT_TRUE(status && WIFEXITED(*status)) << describeStatus(status) << out;
  EXPECT_EQ(WEXITSTATUS(*status), 64) << out;
  EXPECT_NE(out.find("--upstream-port is required"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(receiptsPath()));  // nothing was started
}

}  // namespace
}  // namespace warden::sidecar::testing
