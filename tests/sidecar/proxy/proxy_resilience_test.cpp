// The proxy when things go wrong, over real sockets: an MCP server that is down, resets, stalls or closes pooled
// connections; agents that send slowly, idle, or stop reading; policy bundles swapped (or broken, or missing) under
// traffic; and receipts that are durable before anything reaches the server.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "policy/canonical_json.h"
#include "sidecar/common/asio.h"
#include "raw_tls_client.h"
#include "sidecar_fixture.h"
#include "test_client.h"
#include "test_upstream.h"
#include "tests/sidecar/admin/raw_http_client.h"

namespace warden::sidecar::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;
using Read = RawTlsClient::Read;

const std::string kReadPolicy = toolPolicyYaml("files-tools", R"(  rules:
  - {name: reads, tools: ["read_*"], effect: Allow})");
// The other policy of the hot swap: writes allowed, reads denied (default deny).
const std::string kWritePolicy = toolPolicyYaml("files-tools", R"(  rules:
  - {name: writes, tools: ["write_*"], effect: Allow})");

const std::vector<std::string> kTools = {"read_file", "write_file"};

json call(const json& id, const std::string& tool, json args = json::object()) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"method", "tools/call"}, {"params", {{"name", tool}, {"arguments", args}}}};
}

std::string toolOf(const UpstreamRequest& req) {
  auto body = json::parse(req.body, nullptr, false);
  if (!body.is_object() || !body.contains("params")) return "";
  return body["params"].value("name", "");
}

// A port on 127.0.0.1 where nothing listens (bound, then released).
unsigned short unusedPort() {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

std::optional<RawResponse> adminGet(unsigned short port, const std::string& target) {
  RawHttpClient client(port);
  if (!client.connected()) return std::nullopt;
  return client.get(target);
}

// The value of one sample line of the admin port's /metrics ("name{labels} value"); 0 when absent.
double metricValue(unsigned short adminPort, const std::string& sample) {
  auto r = adminGet(adminPort, "/metrics");
  if (!r) return -1;
  std::istringstream lines(r->body);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(sample + " ", 0) == 0) return std::stod(line.substr(sample.size() + 1));
  }
  return 0;
}

bool complete(const std::string& bytes) {
  const auto message = parseHttpResponse(bytes);
  return message && message->complete;
}

// The JSON-RPC messages of an SSE body.
std::vector<json> sseMessagesOf(const std::string& body) {
  ClientResponse response;
  response.body = body;
  return response.sseMessages();
}

template <typename Condition>
bool eventually(Condition condition, milliseconds timeout = milliseconds(5000)) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return condition();
}

class ProxyResilienceTest : public ::testing::Test {
 protected:
  ProxyResilienceTest() : upstream_([this](const UpstreamRequest& req) { return respond(req); }) {}

  void start(const std::function<void(SidecarConfig&)>& tweak = {}, const std::string& policies = kReadPolicy,
             std::optional<unsigned short> upstreamPort = std::nullopt) {
    sidecar_.emplace(pki_, upstreamPort.value_or(upstream_.port()), policies, tweak);
  }
  McpTestClient client(const X509Svid& svid) { return McpTestClient(sidecar_->port(), &svid, pki_.ca->bundle()); }
  std::unique_ptr<RawTlsClient> rawClient(const X509Svid& svid) {
    return std::make_unique<RawTlsClient>(sidecar_->port(), svid, pki_.ca->bundle());
  }

  void answerWith(RecordingUpstream::Handler handler) { answer_.set(std::move(handler)); }
  UpstreamReply respond(const UpstreamRequest& req) { return answer_(req); }

  TestPki pki_;
  SwitchableHandler answer_{mcpLikeServer(kTools)};
  RecordingUpstream upstream_;
  std::optional<SidecarUnderTest> sidecar_;
};

// ---- 5. The MCP server fails.

TEST_F(ProxyResilienceTest, UpstreamDownGetsAJsonRpcErrorAndTheConnectionStaysUsable) {
  start({}, kReadPolicy, unusedPort());
  auto reader = client(pki_.reader);
  for (int id = 1; id <= 2; ++id) {
    auto r = reader.post(call(id, "read_file").dump());
    ASSERT_EQ(r.status, 200u) << r.error << r.body;
    const auto answer = r.json();
    EXPECT_EQ(answer["id"], id);
    EXPECT_EQ(answer["error"]["code"], -32603);
    // Refused at once, not after a timeout.
    const std::string message = answer["error"]["message"];
    EXPECT_EQ(message.rfind("upstream MCP server unavailable: cannot connect to the MCP server", 0), 0u) << message;
  }
  // A batch: every forwarded request answered, the denied one denied.
  const json batch = json::array({call(3, "read_file"), call(4, "write_file")});
  auto b = reader.post(batch.dump(), {{"MCP-Protocol-Version", "2025-03-26"}});
  ASSERT_EQ(b.status, 200u) << b.error;
  const auto answers = b.json();
  ASSERT_EQ(answers.size(), 2u) << b.body;
  EXPECT_EQ(answers[0]["error"]["code"], -32603);
  EXPECT_EQ(answers[1]["error"]["code"], -32031);
  // A GET stream cannot be opened: 502.
  auto get = reader.request("GET", "/mcp", "", {{"Accept", "text/event-stream"}});
  EXPECT_EQ(get.status, 502u) << get.error;
}

TEST_F(ProxyResilienceTest, UpstreamResettingAfterReadingTheCallGivesAnErrorAndTheCallIsDeliveredOnce) {
  answerWith([](const UpstreamRequest& req) {
    UpstreamReply reply = mcpLikeServer(kTools)(req);
    if (toolOf(req) == "read_crash") reply.reset = true;  // read the request, then die without answering
    return reply;
  });
  start();
  auto reader = client(pki_.reader);
  // The first call leaves a pooled connection behind, which the crashing call then uses.
  ASSERT_EQ(reader.post(call(1, "read_file").dump()).status, 200u);
  auto r = reader.post(call(2, "read_crash").dump());
  ASSERT_EQ(r.status, 200u) << r.error << r.body;
  EXPECT_EQ(r.json()["id"], 2);
  EXPECT_EQ(r.json()["error"]["code"], -32603) << r.body;
  EXPECT_EQ(r.json()["error"]["message"], "upstream MCP server unavailable: MCP server connection: end of stream");
  // The server received the call and may have acted on it: it must not get it a second time.
  EXPECT_EQ(upstream_.countToolCalls("read_crash"), 1u);
  auto next = reader.post(call(3, "read_file").dump());
  EXPECT_EQ(next.json()["result"]["content"][0]["text"], "called read_file") << next.error << next.body;
}

TEST_F(ProxyResilienceTest, UpstreamDyingMidwayThroughAJsonAnswerClosesTheAgentsConnectionAtOnce) {
  answerWith([](const UpstreamRequest& req) {
    UpstreamReply reply = mcpLikeServer(kTools)(req);
    if (toolOf(req) == "read_cut") reply.cutBodyAt = reply.body.size() / 2;
    return reply;
  });
  start();  // agent idle timeout 60 s: a kept-alive connection would leave the agent waiting that long
  auto reader = rawClient(pki_.reader);
  ASSERT_TRUE(reader->send(mcpPost(call(1, "read_cut").dump())));
  // Half the answer went out already; the agent learns of the cut because the connection closes.
  EXPECT_EQ(reader->readUntilClosed(), Read::Closed) << reader->received();
  const auto response = parseHttpResponse(reader->received());
  ASSERT_TRUE(response) << reader->received();
  EXPECT_EQ(response->status, 200u);
  EXPECT_FALSE(response->complete);
  EXPECT_EQ(upstream_.countToolCalls("read_cut"), 1u);
  // Others are served.
  EXPECT_EQ(client(pki_.reader).post(call(2, "read_file").dump()).status, 200u);
}

TEST_F(ProxyResilienceTest, UpstreamDyingMidwayThroughAListingAnswerGivesAJsonRpcError) {
  answerWith([](const UpstreamRequest& req) {
    UpstreamReply reply = mcpLikeServer(kTools)(req);
    if (json::parse(req.body).value("method", "") == "tools/list") reply.cutBodyAt = reply.body.size() / 2;
    return reply;
  });
  start();
  auto reader = client(pki_.reader);
  auto r = reader.post(json({{"jsonrpc", "2.0"}, {"id", 5}, {"method", "tools/list"}}).dump());
  ASSERT_EQ(r.status, 200u) << r.error << r.body;
  EXPECT_EQ(r.json()["id"], 5);
  EXPECT_EQ(r.json()["error"]["code"], -32603) << r.body;
  EXPECT_EQ(r.body.find("write_file"), std::string::npos);
  auto next = reader.post(call(6, "read_file").dump());
  EXPECT_EQ(next.json()["result"]["content"][0]["text"], "called read_file") << next.error << next.body;
}

TEST_F(ProxyResilienceTest, StalledUpstreamGivesAnErrorOnceTheHeaderTimeoutPasses) {
  auto never = std::make_shared<Gate>();
  answerWith([never](const UpstreamRequest& req) {
    UpstreamReply reply = mcpLikeServer(kTools)(req);
    if (toolOf(req) == "read_hang") reply.gates = {{0, never}};
    return reply;
  });
  start([](SidecarConfig& c) { c.upstreamHeaderTimeout = milliseconds(400); });
  auto reader = client(pki_.reader);
  const auto sent = Clock::now();
  auto r = reader.post(call(1, "read_hang").dump());
  EXPECT_GE(Clock::now() - sent, milliseconds(400));  // not before the timeout (a timer never fires early)
  ASSERT_EQ(r.status, 200u) << r.error << r.body;
  EXPECT_EQ(r.json()["error"]["code"], -32603);
  EXPECT_EQ(r.json()["error"]["message"], "upstream MCP server unavailable: the MCP server did not answer in time");
  EXPECT_EQ(upstream_.countToolCalls("read_hang"), 1u);
  auto next = reader.post(call(2, "read_file").dump());
  EXPECT_EQ(next.json()["result"]["content"][0]["text"], "called read_file") << next.error << next.body;
  never->open();
}

TEST_F(ProxyResilienceTest, PostStreamCutByTheUpstreamEndsWithAnErrorForTheUnansweredCall) {
  auto never = std::make_shared<Gate>();
  answerWith([never](const UpstreamRequest& req) {
    if (toolOf(req) != "read_dies" && toolOf(req) != "read_stalls") return mcpLikeServer(kTools)(req);
    UpstreamReply reply;
    reply.contentType = "text/event-stream";
    reply.events.emplace_back(milliseconds(0), sseMessage({{"jsonrpc", "2.0"}, {"method", "notifications/progress"},
                                                           {"params", {{"progressToken", 1}, {"progress", 1}}}}));
    if (toolOf(req) == "read_dies") reply.abortAfterEvents = true;  // the server dies mid-stream
    if (toolOf(req) == "read_stalls") {
      reply.events.emplace_back(milliseconds(0), "data: late\n\n");
      reply.gates = {{1, never}};  // silent until the upstream idle timeout cuts it
    }
    return reply;
  });
  start([](SidecarConfig& c) { c.upstreamIdleTimeout = milliseconds(400); });
  for (const std::string tool : {"read_dies", "read_stalls"}) {
    SCOPED_TRACE(tool);
    auto reader = rawClient(pki_.reader);
    ASSERT_TRUE(reader->send(mcpPost(call(1, tool).dump())));
    // The agent gets the progress event, then an error for its call: an answer it can act on, at once.
    EXPECT_EQ(reader->readUntil(complete, milliseconds(10'000)), Read::Matched) << reader->received();
    const auto response = parseHttpResponse(reader->received());
    ASSERT_TRUE(response);
    const auto messages = sseMessagesOf(response->body);
    ASSERT_EQ(messages.size(), 2u) << response->body;
    EXPECT_EQ(messages[0]["method"], "notifications/progress");
    EXPECT_EQ(messages[1]["id"], 1);
    EXPECT_EQ(messages[1]["error"]["code"], -32603);
    const std::string message = messages[1]["error"]["message"];
    EXPECT_NE(message.find("its answer stream broke off"), std::string::npos) << message;
    EXPECT_EQ(response->body.find("late"), std::string::npos);
    // The connection stays usable.
    ASSERT_TRUE(reader->send(mcpPost(call(2, "read_file").dump(), {{"Connection", "close"}})));
    EXPECT_EQ(reader->readUntilClosed(), Read::Closed);
    EXPECT_NE(reader->received().find("called read_file"), std::string::npos) << reader->received();
  }
  never->open();
}

TEST_F(ProxyResilienceTest, GetStreamCutByTheUpstreamIsCutForTheAgentToo) {
  answerWith([](const UpstreamRequest& req) {
    if (req.method != "GET") return mcpLikeServer(kTools)(req);
    UpstreamReply reply;
    reply.contentType = "text/event-stream";
    const json message = {{"jsonrpc", "2.0"}, {"method", "notifications/message"},
                          {"params", {{"level", "info"}, {"data", "one"}}}};
    reply.events.emplace_back(milliseconds(0), "id: 7\n" + sseMessage(message));
    reply.abortAfterEvents = true;
    return reply;
  });
  start();
  auto reader = rawClient(pki_.reader);
  ASSERT_TRUE(reader->send(httpRequest("GET", "/mcp", "", {{"Accept", "text/event-stream"}})));
  // The agent sees the stream end incomplete, so it resumes it from event 7; it does not wait for more.
  EXPECT_EQ(reader->readUntilClosed(), Read::Closed) << reader->received();
  const auto response = parseHttpResponse(reader->received());
  ASSERT_TRUE(response) << reader->received();
  EXPECT_FALSE(response->complete);
  EXPECT_NE(response->body.find("id: 7\n"), std::string::npos);
}

TEST_F(ProxyResilienceTest, PooledConnectionClosedByTheServerAsARequestArrivesIsRetriedOnce) {
  answerWith([](const UpstreamRequest& req) {
    UpstreamReply reply = mcpLikeServer(kTools)(req);
    // The server's keep-alive timer fires just as the proxy reuses the connection for the next request.
    if (toolOf(req) == "read_first") reply.closeOnNextRequest = true;
    return reply;
  });
  start();
  auto reader = client(pki_.reader);
  ASSERT_EQ(reader.post(call(1, "read_first").dump()).status, 200u);
  EXPECT_EQ(upstream_.connections(), 1u);
  auto r = reader.post(call(2, "read_second").dump());
  ASSERT_EQ(r.status, 200u) << r.error;
  EXPECT_EQ(r.json()["result"]["content"][0]["text"], "called read_second") << r.body;
  EXPECT_EQ(upstream_.connections(), 2u);
  EXPECT_EQ(upstream_.countToolCalls("read_second"), 1u);
}

TEST_F(ProxyResilienceTest, CallsOnOneAgentConnectionShareOneKeptAliveUpstreamConnection) {
  start();
  auto reader = client(pki_.reader);
  for (int i = 0; i < 20; ++i) {
    const std::string tool = "read_" + std::to_string(i);
    auto r = reader.post(call(i, tool).dump());
    ASSERT_EQ(r.status, 200u) << r.error;
    EXPECT_EQ(r.json()["result"]["content"][0]["text"], "called " + tool) << r.body;
  }
  // A new loopback connection per call would cost a connect and a close per call.
  EXPECT_EQ(upstream_.connections(), 1u);
  EXPECT_EQ(upstream_.requests().size(), 20u);
}

// An answer text of `size` bytes, not all alike.
std::string answerText(std::size_t size) {
  std::string text(size, 'x');
  for (std::size_t i = 0; i < size; i += 97) text[i] = static_cast<char>('a' + i % 26);
  return text;
}

TEST_F(ProxyResilienceTest, AnswersOfEverySizeAreRelayedByteForByte) {
  // Small answers leave with their header in one write, larger ones piece by piece: the bytes must not differ.
  answerWith([](const UpstreamRequest& req) {
    const auto body = json::parse(req.body);
    const auto size = body["params"]["arguments"]["size"].get<std::size_t>();
    UpstreamReply reply;
    reply.body = json({{"jsonrpc", "2.0"},
                       {"id", body["id"]},
                       {"result", {{"content", {{{"type", "text"}, {"text", answerText(size)}}}}}}})
                     .dump();
    return reply;
  });
  start();
  auto reader = client(pki_.reader);
  int id = 0;
  for (std::size_t size : {0u, 1u, 100u, 16u * 1024u - 80u, 16u * 1024u, 100u * 1024u, 1024u * 1024u}) {
    auto r = reader.post(call(++id, "read_file", {{"size", size}}).dump());
    ASSERT_EQ(r.status, 200u) << r.error;
    EXPECT_EQ(r.json()["result"]["content"][0]["text"], answerText(size)) << "answer text of " << size << " bytes";
  }
  EXPECT_EQ(upstream_.connections(), 1u);
}

// ---- 6. Slow and idle agents.

TEST_F(ProxyResilienceTest, AgentSendingHalfAHeaderIsDisconnectedAfterTheHeaderTimeout) {
  start([](SidecarConfig& c) { c.headerTimeout = milliseconds(500); });
  auto slow = rawClient(pki_.reader);
  ASSERT_EQ(slow->connect(), "");
  const auto sent = Clock::now();
  ASSERT_TRUE(slow->send("POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Ty"));
  EXPECT_EQ(slow->readUntilClosed(), Read::Closed);
  EXPECT_GE(Clock::now() - sent, milliseconds(500));
  EXPECT_EQ(slow->received(), "");  // closed without an answer
  // Others are served meanwhile and afterwards.
  auto other = client(pki_.editor);
  EXPECT_EQ(other.post(call(1, "read_file").dump()).status, 200u);
  EXPECT_EQ(upstream_.requests().size(), 1u);
}

TEST_F(ProxyResilienceTest, AgentSendingTheBodyTooSlowlyIsDisconnectedAfterTheBodyTimeout) {
  start([](SidecarConfig& c) {
    c.headerTimeout = milliseconds(5000);
    c.bodyTimeout = milliseconds(600);
  });
  auto slow = rawClient(pki_.reader);
  ASSERT_EQ(slow->connect(), "");
  const std::string body = call(1, "read_file").dump();
  ASSERT_TRUE(slow->send("POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                         "Accept: application/json, text/event-stream\r\nContent-Length: " +
                         std::to_string(body.size()) + "\r\n\r\n"));
  const auto started = Clock::now();
  // One byte every 100 ms (the sender's pace, not a synchronization): the body would take seconds; the proxy must
  // close the connection before it is complete.
  bool closed = false;
  for (std::size_t i = 0; i + 1 < body.size() && !closed; ++i) {
    closed = !slow->send(body.substr(i, 1)) || slow->readUntilClosed(milliseconds(100)) == Read::Closed;
  }
  EXPECT_TRUE(closed) << "the whole body but its last byte was accepted";
  EXPECT_GE(Clock::now() - started, milliseconds(600));
  EXPECT_EQ(upstream_.requests().size(), 0u);
}

TEST_F(ProxyResilienceTest, IdleKeepAliveAgentIsDisconnectedAfterTheIdleTimeout) {
  start([](SidecarConfig& c) { c.idleTimeout = milliseconds(500); });
  auto idle = rawClient(pki_.reader);
  ASSERT_EQ(idle->connect(), "");
  const auto sent = Clock::now();  // the idle time starts after the answer, so after this
  ASSERT_TRUE(idle->send(mcpPost(call(1, "read_file").dump())));
  ASSERT_EQ(idle->readUntil(complete, milliseconds(10'000)), Read::Matched);
  EXPECT_EQ(idle->readUntilClosed(), Read::Closed);
  EXPECT_GE(Clock::now() - sent, milliseconds(500));
  EXPECT_NE(idle->received().find("called read_file"), std::string::npos);
}

TEST_F(ProxyResilienceTest, AgentThatStopsReadingALongStreamDoesNotBlockOthers) {
  std::atomic<bool> streaming{false};
  answerWith([&streaming](const UpstreamRequest& req) {
    if (req.method != "GET") return mcpLikeServer(kTools)(req);
    streaming = true;
    UpstreamReply reply;
    reply.contentType = "text/event-stream";
    const json big = {{"jsonrpc", "2.0"}, {"method", "notifications/message"},
                      {"params", {{"level", "info"}, {"data", std::string(64 * 1024, 'x')}}}};
    const std::string event = sseMessage(big);
    for (int i = 0; i < 256; ++i) reply.events.emplace_back(milliseconds(0), event);  // 16 MiB, more than any buffer
    return reply;
  });
  // One worker thread: the stuck stream and the other agent share it.
  start([](SidecarConfig& c) { c.threads = 1; });
  auto stuck = rawClient(pki_.reader);
  ASSERT_TRUE(stuck->send(httpRequest("GET", "/mcp", "", {{"Accept", "text/event-stream"}})));
  ASSERT_TRUE(eventually([&] { return streaming.load(); }));
  for (int id = 1; id <= 5; ++id) {
    auto other = rawClient(pki_.editor);
    ASSERT_TRUE(other->send(mcpPost(call(id, "read_file").dump(), {{"Connection", "close"}})));
    EXPECT_EQ(other->readUntilClosed(), Read::Closed);
    EXPECT_NE(other->received().find("called read_file"), std::string::npos) << other->received();
  }
}

// ---- 7. Policy bundles swapped under traffic.

TEST_F(ProxyResilienceTest, HotSwapUnderTrafficAnswersEachRequestUnderOnePolicy) {
  start();
  const std::string readVersion = sidecar_->app().policies().current()->policyVersion();
  const std::string writeVersion = sidecar_->writePolicy(kWritePolicy);
  ASSERT_TRUE(sidecar_->waitForPolicy(writeVersion));
  ASSERT_EQ(sidecar_->writePolicy(kReadPolicy), readVersion);
  ASSERT_TRUE(sidecar_->waitForPolicy(readVersion));

  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<std::string> problems;
  std::map<std::string, std::size_t> seen;  // policy version -> answers decided under it
  auto seenCount = [&](const std::string& version) {
    std::lock_guard lock(mu);
    return seen[version];
  };
  auto traffic = [&](const X509Svid* svid) {
    McpTestClient agent(sidecar_->port(), svid, pki_.ca->bundle());
    for (int id = 0; !stop; id += 2) {
      // Both calls in one body: one policy allows the read, the other the write, never both or neither.
      const json batch = json::array({call(id, "read_file"), call(id + 1, "write_file")});
      auto r = agent.post(batch.dump(), {{"MCP-Protocol-Version", "2025-03-26"}});
      std::lock_guard lock(mu);
      const auto answers = r.json();
      if (r.status != 200 || !answers.is_array() || answers.size() != 2) {
        problems.push_back("bad answer: " + std::to_string(r.status) + " " + r.error + " " + r.body);
        return;
      }
      const bool readAllowed = answers[0].contains("result");
      const bool writeAllowed = answers[1].contains("result");
      if (readAllowed == writeAllowed) {
        problems.push_back("answered under two policies at once: " + r.body);
        continue;
      }
      const auto& denial = readAllowed ? answers[1] : answers[0];
      const std::string version = denial["error"]["data"].value("policyVersion", "");
      if (version != (readAllowed ? readVersion : writeVersion)) {
        problems.push_back("denial names the wrong policy: " + r.body);
      }
      ++seen[version];
    }
  };
  std::thread a(traffic, &pki_.reader), b(traffic, &pki_.editor), c(traffic, &pki_.reader);
  for (int swap = 0; swap < 5; ++swap) {  // read -> write -> read -> write -> read -> write
    const bool toWrite = swap % 2 == 0;
    const auto& version = toWrite ? writeVersion : readVersion;
    const auto before = seenCount(version);
    sidecar_->writePolicy(toWrite ? kWritePolicy : kReadPolicy);
    if (!sidecar_->waitForPolicy(version)) {
      ADD_FAILURE() << "swap " << swap << " not picked up";
      break;
    }
    // Traffic decided under the new policy before the next swap.
    EXPECT_TRUE(eventually([&] { return seenCount(version) >= before + 3; })) << "swap " << swap;
  }
  // Now the write policy is in force. A broken bundle is refused and the write policy stays.
  const double refusedBefore = metricValue(sidecar_->adminPort(), "warden_policy_loads_total{outcome=\"refused\"}");
  {
    // Self-consistent (the version is the hash of these bytes) but not a bundle: refused for what it is.
    const std::string broken = "{\"bundleFormat\": 1, \"truncated";
    const auto dir = sidecar_->dir() + "/policy";
    std::ofstream(dir + "/.version", std::ios::binary) << policy::sha256Hex(broken);
    std::ofstream(dir + "/.broken", std::ios::binary) << broken;
    std::filesystem::rename(dir + "/.version", dir + "/policyVersion");
    std::filesystem::rename(dir + "/.broken", dir + "/bundle.json");
  }
  EXPECT_TRUE(eventually([&] {
    return metricValue(sidecar_->adminPort(), "warden_policy_loads_total{outcome=\"refused\"}") > refusedBefore;
  }));
  EXPECT_EQ(sidecar_->app().policies().current()->policyVersion(), writeVersion);
  const auto afterRefusal = seenCount(writeVersion);
  EXPECT_TRUE(eventually([&] { return seenCount(writeVersion) >= afterRefusal + 3; }));
  stop = true;
  a.join();
  b.join();
  c.join();
  for (const auto& p : problems) ADD_FAILURE() << p;

  // Once the swap is complete every request follows the policy in force.
  auto agent = client(pki_.reader);
  for (int id = 0; id < 10; id += 2) {
    auto r = agent.post(json::array({call(id, "read_file"), call(id + 1, "write_file")}).dump(),
                        {{"MCP-Protocol-Version", "2025-03-26"}});
    const auto answers = r.json();
    ASSERT_TRUE(answers.is_array() && answers.size() == 2) << r.body;
    EXPECT_EQ(answers[0]["error"]["data"]["policyVersion"], writeVersion);
    EXPECT_TRUE(answers[1].contains("result"));
  }
}

TEST_F(ProxyResilienceTest, WithoutABundleEveryCallIsDeniedAndTheSidecarIsNotReady) {
  start([](SidecarConfig& c) {
    std::filesystem::remove(c.policyDir + "/bundle.json");
    std::filesystem::remove(c.policyDir + "/policyVersion");
  });
  auto ready = adminGet(sidecar_->adminPort(), "/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 503);
  auto reader = client(pki_.reader);
  const json listing = {{"jsonrpc", "2.0"}, {"id", 2}, {"method", "tools/list"}};
  for (const auto& message : {call(1, "read_file"), listing}) {
    auto r = reader.post(message.dump());
    ASSERT_EQ(r.status, 200u) << r.error;
    EXPECT_EQ(r.json()["error"]["code"], -32031) << r.body;
    EXPECT_EQ(r.json()["error"]["data"]["code"], "no_policy") << r.body;
  }
  EXPECT_EQ(upstream_.requests().size(), 0u);
  // A bundle arriving later is picked up.
  const auto version = sidecar_->writePolicy(kReadPolicy);
  ASSERT_TRUE(sidecar_->waitForPolicy(version));
  EXPECT_EQ(adminGet(sidecar_->adminPort(), "/readyz")->status, 200);
  EXPECT_EQ(reader.post(call(3, "read_file").dump()).json()["result"]["content"][0]["text"], "called read_file");
}

TEST_F(ProxyResilienceTest, WithOnlyAnInvalidBundleEveryCallIsDeniedUntilAValidOneArrives) {
  start([](SidecarConfig& c) {
    std::ofstream(c.policyDir + "/bundle.json", std::ios::binary | std::ios::trunc) << "{\"bundleFormat\": 1}";
    std::filesystem::remove(c.policyDir + "/policyVersion");
  });
  auto ready = adminGet(sidecar_->adminPort(), "/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 503);
  EXPECT_NE(ready->body.find("no valid policy bundle"), std::string::npos) << ready->body;
  auto reader = client(pki_.reader);
  auto r = reader.post(call(1, "read_file").dump());
  ASSERT_EQ(r.status, 200u) << r.error;
  EXPECT_EQ(r.json()["error"]["code"], -32031) << r.body;
  EXPECT_EQ(r.json()["error"]["data"]["code"], "no_policy") << r.body;
  EXPECT_EQ(upstream_.requests().size(), 0u);
  const auto version = sidecar_->writePolicy(kReadPolicy);
  ASSERT_TRUE(sidecar_->waitForPolicy(version));
  EXPECT_EQ(reader.post(call(2, "read_file").dump()).json()["result"]["content"][0]["text"], "called read_file");
}

// ---- 8. A receipt is durable before its call reaches the server.

TEST_F(ProxyResilienceTest, EveryForwardedCallsReceiptIsOnDiskBeforeTheServerGetsIt) {
  std::mutex mu;
  std::vector<std::string> problems;
  std::atomic<int> checked{0};
  std::string receiptsPath;
  answerWith([&](const UpstreamRequest& req) {
    auto body = json::parse(req.body, nullptr, false);
    if (!body.is_array()) body = json::array({body});
    std::string path;
    {
      std::lock_guard lock(mu);
      path = receiptsPath;
    }
    std::ifstream in(path);
    std::stringstream file;
    file << in.rdbuf();
    for (const auto& m : body) {
      if (m.value("method", "") != "tools/call") continue;
      const auto args = m["params"]["arguments"];
      const std::string expected = "\"argsSha256\":\"" + policy::sha256Hex(policy::canonicalJson(args)) + "\"";
      ++checked;
      if (file.str().find(expected) == std::string::npos) {
        std::lock_guard lock(mu);
        problems.push_back("no receipt yet for " + m.dump());
      }
    }
    return mcpLikeServer(kTools)(req);
  });
  start();
  {
    std::lock_guard lock(mu);
    receiptsPath = sidecar_->receiptsPath();
  }
  auto traffic = [&](const X509Svid* svid, int thread) {
    McpTestClient agent(sidecar_->port(), svid, pki_.ca->bundle());
    for (int i = 0; i < 20; ++i) {
      const json args = {{"path", "/t" + std::to_string(thread) + "/" + std::to_string(i)}};
      if (i % 5 == 4) {
        const json batch = json::array({call(i, "read_file", args), call(i + 100, "read_more", {{"n", i}})});
        agent.post(batch.dump(), {{"MCP-Protocol-Version", "2025-03-26"}});
      } else {
        agent.post(call(i, "read_file", args).dump());
      }
    }
  };
  std::thread a(traffic, &pki_.reader, 0), b(traffic, &pki_.editor, 1), c(traffic, &pki_.reader, 2);
  a.join();
  b.join();
  c.join();
  EXPECT_EQ(checked.load(), 3 * (20 + 4));
  for (const auto& p : problems) ADD_FAILURE() << p;
}

}  // namespace
}  // namespace warden::sidecar::testing
