// Streamed answers through the proxy over real sockets (design D6): SSE listing answers filtered per caller, events
// relayed as the MCP server sends them (never buffered to the end: the upstream holds each next event back until the
// test has seen the previous one reach the client), batches answered partly by the proxy and partly by the server,
// forged answers dropped, and concealed denials that look like the SDK's own "unknown" answers.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>

#include "raw_tls_client.h"
#include "sidecar_fixture.h"
#include "test_client.h"
#include "test_upstream.h"

namespace warden::sidecar::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

const std::string kPolicies = toolPolicyYaml("files-tools", R"(  rules:
  - {name: reads, tools: ["read_*"], effect: Allow}
  - {name: editor-writes, tools: [write_file], principals: [ns/agents/sa/editor], effect: Allow}
  - {name: deletes-need-review, tools: [delete_file], principals: [ns/agents/sa/editor], effect: Review}
  resources:
  - {name: workspace, uris: ["file:///workspace/**"], effect: Allow}
  prompts:
  - {name: summaries, names: [summarize], effect: Allow})");

const std::vector<std::string> kTools = {"read_file", "write_file", "delete_file", "admin_reset"};

json call(const json& id, const std::string& tool, json args = json::object()) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"method", "tools/call"}, {"params", {{"name", tool}, {"arguments", args}}}};
}
json request(const json& id, const std::string& method, json params = json::object()) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}};
}
json result(const json& id, json value) { return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(value)}}; }
// A tools/call result with one text item.
json textResult(const json& id, const std::string& text) {
  return result(id, {{"content", json::array({{{"type", "text"}, {"text", text}}})}});
}

json toolList() {
  json tools = json::array();
  for (const auto& t : kTools) {
    tools.push_back({{"name", t}, {"description", "the " + t + " tool"}, {"inputSchema", {{"type", "object"}}}});
  }
  return {{"tools", tools}};
}

json progress(int step) {
  return {{"jsonrpc", "2.0"},
          {"method", "notifications/progress"},
          {"params", {{"progressToken", "op"}, {"progress", step}, {"total", 3}}}};
}

std::vector<std::string> namesOf(const json& list, const std::string& member, const std::string& key) {
  std::vector<std::string> out;
  for (const auto& element : list[member]) out.push_back(element[key]);
  return out;
}

// The SSE messages of a raw response's body.
std::vector<json> sseMessagesOf(const RawHttpMessage& message) {
  ClientResponse response;
  response.body = message.body;
  return response.sseMessages();
}

using Read = RawTlsClient::Read;

class ProxyStreamingTest : public ::testing::Test {
 protected:
  ProxyStreamingTest()
      : upstream_([this](const UpstreamRequest& req) { return respond(req); }),
        sidecar_(pki_, upstream_.port(), kPolicies),
        reader_(sidecar_.port(), &pki_.reader, pki_.ca->bundle()),
        editor_(sidecar_.port(), &pki_.editor, pki_.ca->bundle()) {}

  // The upstream's answer to each request: set by the test before it sends anything.
  void answerWith(RecordingUpstream::Handler handler) { answer_.set(std::move(handler)); }
  UpstreamReply respond(const UpstreamRequest& req) { return answer_(req); }

  TestPki pki_;
  SwitchableHandler answer_{mcpLikeServer(kTools)};
  RecordingUpstream upstream_;
  SidecarUnderTest sidecar_;
  McpTestClient reader_;
  McpTestClient editor_;
};

UpstreamReply sse(std::vector<std::pair<milliseconds, std::string>> events) {
  UpstreamReply reply;
  reply.contentType = "text/event-stream";
  reply.events = std::move(events);
  return reply;
}

// ---- 1. Listing answers as SSE are filtered per caller.

TEST_F(ProxyStreamingTest, ToolsListAnsweredAsSseIsFilteredPerCallerAndThePrimingEventPassesUnchanged) {
  answerWith([](const UpstreamRequest& req) {
    const auto id = json::parse(req.body)["id"];
    // As server-everything answers with protocol 2025-11-25: a priming event, then the answer with its event id.
    return sse({{milliseconds(0), "id: prime-1\ndata: \n\n"},
                {milliseconds(0), "event: message\nid: ev-2\ndata: " + result(id, toolList()).dump() + "\n\n"}});
  });
  const json list = request(1, "tools/list");
  auto forReader = reader_.post(list.dump(), {{"MCP-Protocol-Version", "2025-11-25"}});
  ASSERT_EQ(forReader.status, 200u) << forReader.error << forReader.body;
  EXPECT_EQ(forReader.headers["content-type"], "text/event-stream");
  // The priming event is relayed byte for byte, first.
  EXPECT_EQ(forReader.body.rfind("id: prime-1\ndata: \n\n", 0), 0u) << forReader.body;
  // The rewritten answer keeps its event type and id (a client resumes from it).
  EXPECT_NE(forReader.body.find("event: message\nid: ev-2\ndata: {"), std::string::npos) << forReader.body;
  auto messages = forReader.sseMessages();
  ASSERT_EQ(messages.size(), 1u) << forReader.body;
  EXPECT_EQ(messages[0]["id"], 1);
  EXPECT_EQ(namesOf(messages[0]["result"], "tools", "name"), std::vector<std::string>{"read_file"});
  EXPECT_EQ(forReader.body.find("admin_reset"), std::string::npos);

  auto forEditor = editor_.post(list.dump(), {{"MCP-Protocol-Version", "2025-11-25"}});
  ASSERT_EQ(forEditor.status, 200u) << forEditor.error;
  messages = forEditor.sseMessages();
  ASSERT_EQ(messages.size(), 1u) << forEditor.body;
  EXPECT_EQ(namesOf(messages[0]["result"], "tools", "name"),
            (std::vector<std::string>{"read_file", "write_file", "delete_file"}));
  EXPECT_EQ(upstream_.countMethod("tools/list"), 2u);
}

TEST_F(ProxyStreamingTest, PromptsAndResourcesListsAnsweredAsSseAreFilteredToo) {
  answerWith([](const UpstreamRequest& req) {
    const auto body = json::parse(req.body);
    json value;
    if (body["method"] == "prompts/list") {
      value = {{"prompts", json::array({{{"name", "summarize"}}, {{"name", "leak_secrets"}}})}};
    } else {
      value = {{"resources", json::array({{{"uri", "file:///workspace/a.txt"}, {"name", "a"}},
                                          {{"uri", "file:///etc/passwd"}, {"name", "passwd"}}})},
               {"nextCursor", "c2"}};
    }
    return sse({{milliseconds(0), sseMessage(result(body["id"], value))}});
  });
  auto prompts = reader_.post(request("p", "prompts/list").dump());
  ASSERT_EQ(prompts.status, 200u) << prompts.error;
  auto messages = prompts.sseMessages();
  ASSERT_EQ(messages.size(), 1u) << prompts.body;
  EXPECT_EQ(namesOf(messages[0]["result"], "prompts", "name"), std::vector<std::string>{"summarize"});

  auto resources = reader_.post(request("r", "resources/list").dump());
  ASSERT_EQ(resources.status, 200u) << resources.error;
  messages = resources.sseMessages();
  ASSERT_EQ(messages.size(), 1u) << resources.body;
  EXPECT_EQ(namesOf(messages[0]["result"], "resources", "uri"), std::vector<std::string>{"file:///workspace/a.txt"});
  EXPECT_EQ(messages[0]["result"]["nextCursor"], "c2");
  EXPECT_EQ(resources.body.find("passwd"), std::string::npos);
}

TEST_F(ProxyStreamingTest, GetStreamReplayingAToolsListAnswerIsFilteredByShape) {
  answerWith([](const UpstreamRequest& req) {
    if (req.method != "GET") return mcpLikeServer(kTools)(req);
    // A resumed stream (Last-Event-ID) replays an answer to a request this connection never carried.
    return sse({{milliseconds(0), "event: message\nid: 41\ndata: " + result(9, toolList()).dump() + "\n\n"},
                {milliseconds(0), sseMessage({{"jsonrpc", "2.0"}, {"method", "notifications/tools/list_changed"}})},
                {milliseconds(0), sseMessage(result(10, {{"content", json::array()}}))}});
  });
  auto r = reader_.request("GET", "/mcp", "", {{"Accept", "text/event-stream"}, {"Last-Event-ID", "40"}});
  ASSERT_EQ(r.status, 200u) << r.error << r.body;
  const auto messages = r.sseMessages();
  ASSERT_EQ(messages.size(), 3u) << r.body;
  EXPECT_EQ(messages[0]["id"], 9);
  EXPECT_EQ(namesOf(messages[0]["result"], "tools", "name"), std::vector<std::string>{"read_file"});
  EXPECT_EQ(messages[1]["method"], "notifications/tools/list_changed");
  EXPECT_EQ(messages[2]["id"], 10);
  EXPECT_NE(r.body.find("id: 41\n"), std::string::npos);
  EXPECT_EQ(r.body.find("admin_reset"), std::string::npos);
  ASSERT_FALSE(upstream_.requests().empty());
  EXPECT_EQ(upstream_.requests().back().headers.at("last-event-id"), "40");
}

// ---- 2. Long-running tools: progress reaches the client event by event.

TEST_F(ProxyStreamingTest, ProgressNotificationsOfAPostAnswerReachTheClientBeforeTheServerSendsTheNextEvent) {
  auto second = std::make_shared<Gate>();
  auto last = std::make_shared<Gate>();
  answerWith([second, last](const UpstreamRequest& req) {
    const auto id = json::parse(req.body)["id"];
    UpstreamReply reply = sse({{milliseconds(0), sseMessage(progress(1))},
                               {milliseconds(0), sseMessage(progress(2))},
                               {milliseconds(0), sseMessage(textResult(id, "done"))}});
    reply.gates = {{1, second}, {2, last}};
    return reply;
  });
  RawTlsClient client(sidecar_.port(), pki_.reader, pki_.ca->bundle());
  ASSERT_TRUE(client.send(mcpPost(call(1, "read_slowly").dump())));
  // The upstream holds progress 2 back until the test opens its gate: the first event must arrive without it.
  EXPECT_EQ(client.readUntilContains("\"progress\":1"), Read::Matched) << client.received();
  EXPECT_EQ(client.received().find("\"progress\":2"), std::string::npos);
  second->open();
  EXPECT_EQ(client.readUntilContains("\"progress\":2"), Read::Matched) << client.received();
  EXPECT_EQ(client.received().find("\"done\""), std::string::npos);
  last->open();
  EXPECT_EQ(client.readUntil([](const std::string& r) { auto m = parseHttpResponse(r); return m && m->complete; },
                             milliseconds(10'000)),
            Read::Matched)
      << client.received();
  const auto response = parseHttpResponse(client.received());
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200u);
  EXPECT_EQ(response->headers.at("content-type"), "text/event-stream");
  const auto messages = sseMessagesOf(*response);
  ASSERT_EQ(messages.size(), 3u) << response->body;
  EXPECT_EQ(messages[0]["params"]["progress"], 1);
  EXPECT_EQ(messages[1]["params"]["progress"], 2);
  EXPECT_EQ(messages[2]["id"], 1);
  EXPECT_EQ(messages[2]["result"]["content"][0]["text"], "done");
}

TEST_F(ProxyStreamingTest, ToolsListAnswerAfterProgressIsFilteredAndTheProgressIsNotHeldBack) {
  auto answer = std::make_shared<Gate>();
  answerWith([answer](const UpstreamRequest& req) {
    const auto id = json::parse(req.body)["id"];
    UpstreamReply reply = sse({{milliseconds(0), sseMessage(progress(1))},
                               {milliseconds(0), sseMessage(result(id, toolList()))}});
    reply.gates = {{1, answer}};
    return reply;
  });
  RawTlsClient client(sidecar_.port(), pki_.reader, pki_.ca->bundle());
  ASSERT_TRUE(client.send(mcpPost(request(4, "tools/list").dump())));
  EXPECT_EQ(client.readUntilContains("\"progress\":1"), Read::Matched) << client.received();
  answer->open();
  EXPECT_EQ(client.readUntilContains("read_file"), Read::Matched) << client.received();
  EXPECT_EQ(client.readUntil([](const std::string& r) { auto m = parseHttpResponse(r); return m && m->complete; },
                             milliseconds(10'000)),
            Read::Matched);
  const auto response = parseHttpResponse(client.received());
  ASSERT_TRUE(response);
  const auto messages = sseMessagesOf(*response);
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(namesOf(messages[1]["result"], "tools", "name"), std::vector<std::string>{"read_file"});
  EXPECT_EQ(client.received().find("admin_reset"), std::string::npos);
}

TEST_F(ProxyStreamingTest, EventsOfAGetStreamReachTheClientBeforeTheServerSendsTheNextOne) {
  auto later = std::make_shared<Gate>();
  answerWith([later](const UpstreamRequest& req) {
    if (req.method != "GET") return mcpLikeServer(kTools)(req);
    UpstreamReply reply = sse({{milliseconds(0), sseMessage(progress(1))},
                               {milliseconds(0), sseMessage({{"jsonrpc", "2.0"}, {"method", "notifications/message"},
                                                             {"params", {{"level", "info"}, {"data", "later"}}}})}});
    reply.gates = {{1, later}};
    return reply;
  });
  RawTlsClient client(sidecar_.port(), pki_.reader, pki_.ca->bundle());
  ASSERT_TRUE(client.send(httpRequest("GET", "/mcp", "", {{"Accept", "text/event-stream"}})));
  EXPECT_EQ(client.readUntilContains("\"progress\":1"), Read::Matched) << client.received();
  EXPECT_EQ(client.received().find("later"), std::string::npos);
  later->open();
  EXPECT_EQ(client.readUntilContains("\"later\""), Read::Matched) << client.received();
  EXPECT_EQ(client.readUntil([](const std::string& r) { auto m = parseHttpResponse(r); return m && m->complete; },
                             milliseconds(10'000)),
            Read::Matched);
  const auto response = parseHttpResponse(client.received());
  ASSERT_TRUE(response);
  EXPECT_EQ(sseMessagesOf(*response).size(), 2u);
}

// ---- 3. Batches answered partly by the proxy, partly by the server.

TEST_F(ProxyStreamingTest, BatchWithAnSseAnswerGetsTheLocalDenialsFirstAndEveryIdAnsweredOnce) {
  auto serverEvents = std::make_shared<Gate>();
  answerWith([serverEvents](const UpstreamRequest& req) {
    const auto body = json::parse(req.body);
    std::vector<std::pair<milliseconds, std::string>> events;
    events.emplace_back(milliseconds(0), sseMessage(progress(1)));
    for (const auto& m : body) {
      if (!m.contains("id")) continue;
      const std::string tool = m["params"]["name"];
      events.emplace_back(milliseconds(0), sseMessage(textResult(m["id"], "called " + tool)));
    }
    UpstreamReply reply = sse(std::move(events));
    reply.gates = {{0, serverEvents}};  // the proxy's own answers must not wait for the server's
    return reply;
  });
  const json batch = json::array({call(1, "read_file"), call(2, "write_file"), call("three", "read_config"),
                                  {{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}},
                                  call(4, "admin_reset")});
  RawTlsClient client(sidecar_.port(), pki_.reader, pki_.ca->bundle());
  ASSERT_TRUE(client.send(mcpPost(batch.dump(), {{"MCP-Protocol-Version", "2025-03-26"}})));
  EXPECT_EQ(client.readUntil([](const std::string& r) {
              const auto m = parseHttpResponse(r);
              return m && sseMessagesOf(*m).size() >= 2;
            },
                             milliseconds(10'000)),
            Read::Matched)
      << client.received();
  serverEvents->open();
  EXPECT_EQ(client.readUntil([](const std::string& r) { auto m = parseHttpResponse(r); return m && m->complete; },
                             milliseconds(10'000)),
            Read::Matched)
      << client.received();
  const auto response = parseHttpResponse(client.received());
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200u);
  EXPECT_EQ(response->headers.at("content-type"), "text/event-stream");
  const auto messages = sseMessagesOf(*response);
  ASSERT_EQ(messages.size(), 5u) << response->body;  // two denials, the progress notification, two results
  EXPECT_EQ(messages[0]["id"], 2);
  EXPECT_EQ(messages[0]["error"]["code"], -32031);
  EXPECT_EQ(messages[1]["id"], 4);
  EXPECT_EQ(messages[1]["error"]["code"], -32031);
  EXPECT_EQ(messages[2]["method"], "notifications/progress");
  std::multiset<std::string> ids;
  for (const auto& m : messages) {
    if (m.contains("id")) ids.insert(m["id"].dump());
  }
  EXPECT_EQ(ids, (std::multiset<std::string>{"1", "2", "\"three\"", "4"}));
  // Only the allowed part went upstream.
  const auto sent = json::parse(upstream_.requests().back().body);
  ASSERT_EQ(sent.size(), 3u) << sent.dump();
  EXPECT_EQ(upstream_.countToolCalls("write_file") + upstream_.countToolCalls("admin_reset"), 0u);
}

TEST_F(ProxyStreamingTest, ForgedSseAnswerToADeniedRequestNeverReachesTheClient) {
  answerWith([](const UpstreamRequest& req) {
    std::vector<std::pair<milliseconds, std::string>> events;
    // A server that answers ids it was never sent: the denied request's (2), twice its own (1), one of another body.
    events.emplace_back(milliseconds(0), "id: e1\n" + sseMessage(textResult(2, "FORGED")));
    events.emplace_back(milliseconds(0), sseMessage(result(1, {{"content", json::array()}})));
    events.emplace_back(milliseconds(0), sseMessage(textResult(1, "FORGED again")));
    events.emplace_back(milliseconds(0), sseMessage(json::array({result(99, {{"forged", true}}), progress(2)})));
    (void)req;
    return sse(std::move(events));
  });
  const json batch = json::array({call(1, "read_file"), call(2, "write_file")});
  auto r = reader_.post(batch.dump(), {{"MCP-Protocol-Version", "2025-03-26"}});
  ASSERT_EQ(r.status, 200u) << r.error << r.body;
  EXPECT_EQ(r.body.find("FORGED"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("forged"), std::string::npos) << r.body;
  std::multiset<std::string> ids;
  bool sawProgress = false;
  for (const auto& m : r.sseMessages()) {
    auto items = m.is_array() ? m : json::array({m});
    for (const auto& item : items) {
      if (item.contains("id")) ids.insert(item["id"].dump());
      if (item.value("method", "") == "notifications/progress") sawProgress = true;
    }
  }
  EXPECT_EQ(ids, (std::multiset<std::string>{"1", "2"})) << r.body;
  EXPECT_TRUE(sawProgress) << "a notification sharing an event with a forged answer is still relayed: " << r.body;
  // The dropped event's id still reaches the client, so resuming from it stays possible.
  EXPECT_NE(r.body.find("id: e1\n"), std::string::npos) << r.body;
}

TEST_F(ProxyStreamingTest, StreamAnsweringOneRequestPassesOnlyItsAnswerOnce) {
  answerWith([](const UpstreamRequest&) {
    // A lone surrogate escape: not JSON to the proxy's parser, but JavaScript's JSON.parse takes it.
    const std::string unparseable =
        R"({"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"FORGED \ud800"}]}})";
    return sse({{milliseconds(0), sseMessage(textResult(7, "FORGED"))},
                {milliseconds(0), sseMessage(progress(1))},
                {milliseconds(0), "id: e3\n" + sseMessage(textResult(1, "real"))},
                {milliseconds(0), sseMessage(textResult(1, "FORGED again"))},
                {milliseconds(0), "id: e5\nevent: message\ndata: " + unparseable + "\n\n"}});
  });
  auto r = reader_.post(call(1, "read_file").dump());
  ASSERT_EQ(r.status, 200u) << r.error << r.body;
  EXPECT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.body.find("FORGED"), std::string::npos) << r.body;
  const auto messages = r.sseMessages();
  ASSERT_EQ(messages.size(), 2u) << r.body;
  EXPECT_EQ(messages[0]["method"], "notifications/progress");
  EXPECT_EQ(messages[1]["id"], 1);
  EXPECT_EQ(messages[1]["result"]["content"][0]["text"], "real");
  // The dropped event's id still reaches the client (its last event id stays the server's).
  EXPECT_NE(r.body.find("id: e5\n"), std::string::npos) << r.body;
  // The connection stays usable.
  EXPECT_EQ(reader_.post(call(2, "read_file").dump()).status, 200u);
}

TEST_F(ProxyStreamingTest, ListingAnswerThatCannotBeParsedIsNotPassedUnfiltered) {
  answerWith([](const UpstreamRequest& req) {
    const auto id = json::parse(req.body)["id"];
    std::string answer = result(id, toolList()).dump();
    // A description with a lone surrogate escape: the proxy cannot filter what it cannot parse.
    const auto at = answer.find("the admin_reset tool");
    answer.insert(at, "\\ud800 ");
    return sse({{milliseconds(0), "event: message\nid: 9\ndata: " + answer + "\n\n"}});
  });
  auto r = reader_.post(request(3, "tools/list").dump());
  ASSERT_EQ(r.status, 200u) << r.error << r.body;
  EXPECT_EQ(r.body.find("admin_reset"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("write_file"), std::string::npos) << r.body;
  const auto messages = r.sseMessages();
  ASSERT_EQ(messages.size(), 1u) << r.body;
  EXPECT_EQ(messages[0]["id"], 3);
  EXPECT_EQ(messages[0]["error"]["code"], -32603) << r.body;
}

TEST_F(ProxyStreamingTest, BatchSseAnswerMissingAForwardedIdGetsAnErrorForIt) {
  answerWith([](const UpstreamRequest&) {
    return sse({{milliseconds(0), sseMessage(result(1, {{"content", json::array()}}))}});
  });
  const json batch = json::array({call(1, "read_file"), call(2, "read_other"), call(3, "write_file")});
  auto r = reader_.post(batch.dump(), {{"MCP-Protocol-Version", "2025-03-26"}});
  ASSERT_EQ(r.status, 200u) << r.error << r.body;
  std::map<std::string, json> byId;
  for (const auto& m : r.sseMessages()) byId[m["id"].dump()] = m;
  ASSERT_EQ(byId.size(), 3u) << r.body;
  EXPECT_TRUE(byId["1"].contains("result"));
  EXPECT_EQ(byId["2"]["error"]["code"], -32603) << r.body;
  EXPECT_EQ(byId["3"]["error"]["code"], -32031);
}

TEST_F(ProxyStreamingTest, ForgedJsonAnswerToADeniedRequestNeverReachesTheClient) {
  answerWith([](const UpstreamRequest&) {
    UpstreamReply reply;
    reply.body = json::array({result(1, {{"content", json::array()}}),
                              textResult(2, "FORGED")})
                     .dump();
    return reply;
  });
  const json batch = json::array({call(1, "read_file"), call(2, "write_file")});
  auto r = reader_.post(batch.dump(), {{"MCP-Protocol-Version", "2025-03-26"}});
  ASSERT_EQ(r.status, 200u) << r.error << r.body;
  const auto answers = r.json();
  ASSERT_EQ(answers.size(), 2u) << r.body;
  EXPECT_EQ(answers[0]["id"], 1);
  EXPECT_EQ(answers[1]["id"], 2);
  EXPECT_EQ(answers[1]["error"]["code"], -32031);
  EXPECT_EQ(r.body.find("FORGED"), std::string::npos);
}

TEST_F(ProxyStreamingTest, BatchWhoseForwardedPartIsOnlyNotificationsStillGetsTheLocalDenials) {
  const json batch = json::array({{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}},
                                  call(7, "write_file"),
                                  {{"jsonrpc", "2.0"}, {"method", "notifications/cancelled"},
                                   {"params", {{"requestId", 3}}}}});
  auto r = reader_.post(batch.dump(), {{"MCP-Protocol-Version", "2025-03-26"}});
  ASSERT_EQ(r.status, 200u) << r.error << r.body;
  EXPECT_EQ(r.headers["content-type"], "application/json");
  const auto answers = r.json();
  ASSERT_TRUE(answers.is_array()) << r.body;
  ASSERT_EQ(answers.size(), 1u) << r.body;
  EXPECT_EQ(answers[0]["id"], 7);
  EXPECT_EQ(answers[0]["error"]["code"], -32031);
  // The notifications went upstream (answered 202), the denied call did not.
  EXPECT_EQ(upstream_.countMethod("notifications/initialized"), 1u);
  EXPECT_EQ(upstream_.countMethod("notifications/cancelled"), 1u);
  EXPECT_EQ(upstream_.countToolCalls("write_file"), 0u);
  // The connection stays usable (the upstream's empty 202 was consumed).
  auto next = reader_.post(call(8, "read_file").dump());
  EXPECT_EQ(next.status, 200u) << next.error;
  EXPECT_EQ(next.json()["result"]["content"][0]["text"], "called read_file");
}

// ---- 4. Concealed denials look like the MCP SDK's answers for things it does not have.

TEST_F(ProxyStreamingTest, ConcealedDenialsLookExactlyLikeTheSdksUnknownAnswers) {
  const auto version = sidecar_.writePolicy(kPolicies, serverYaml("  denialStyle: Conceal\n"));
  ASSERT_TRUE(sidecar_.waitForPolicy(version));

  auto tool = reader_.post(call(5, "write_file").dump());
  ASSERT_EQ(tool.status, 200u) << tool.error;
  EXPECT_EQ(tool.headers["content-type"], "application/json");
  EXPECT_EQ(tool.body,
            R"({"result":{"content":[{"type":"text","text":"MCP error -32602: Tool write_file not found"}],"isError":true},"jsonrpc":"2.0","id":5})");
  // A review (approval) and a rate limit would reveal the tool exists: concealed the same way.
  auto review = editor_.post(call("r", "delete_file").dump());
  EXPECT_EQ(review.body,
            R"({"result":{"content":[{"type":"text","text":"MCP error -32602: Tool delete_file not found"}],"isError":true},"jsonrpc":"2.0","id":"r"})");

  auto prompt = reader_.post(request(6, "prompts/get", {{"name", "leak_secrets"}}).dump());
  EXPECT_EQ(prompt.status, 200u);
  EXPECT_EQ(prompt.body,
            R"({"jsonrpc":"2.0","id":6,"error":{"code":-32602,"message":"MCP error -32602: Prompt leak_secrets not found"}})");
  auto resource = reader_.post(request(7, "resources/read", {{"uri", "file:///etc/passwd"}}).dump());
  EXPECT_EQ(resource.body,
            R"({"jsonrpc":"2.0","id":7,"error":{"code":-32602,"message":"MCP error -32602: Resource file:///etc/passwd not found"}})");
  auto unknown = reader_.post(request(8, "completion/complete").dump());
  EXPECT_EQ(unknown.body, R"({"jsonrpc":"2.0","id":8,"error":{"code":-32601,"message":"Method not found"}})");

  // Allowed calls still work, and nothing denied reached the server.
  auto allowed = reader_.post(call(9, "read_file").dump());
  EXPECT_EQ(allowed.json()["result"]["content"][0]["text"], "called read_file");
  EXPECT_EQ(upstream_.requests().size(), 1u);
}

}  // namespace
}  // namespace warden::sidecar::testing
