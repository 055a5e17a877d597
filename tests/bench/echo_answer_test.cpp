#include "bench/load/mcp_echo_upstream/echo_answer.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "bench/load/load_generator/mcp_messages.h"
#include "bench/load/load_generator/response_check.h"

namespace warden::bench {
namespace {

std::string openSession(SessionTable& sessions) {
  const auto reply = answerPost(initializeBody(1, "2025-06-18"), "", AnswerForm::Json, sessions);
  EXPECT_EQ(reply.status, 200u);
  EXPECT_FALSE(reply.newSessionId.empty());
  return reply.newSessionId;
}

TEST(EchoAnswer, EchoesInJsonAndSseAsTheLoadGeneratorExpects) {
  SessionTable sessions;
  const auto session = openSession(sessions);
  const auto message = echoMessage(0, 5, 1024);
  for (auto form : {AnswerForm::Json, AnswerForm::Sse}) {
    const auto reply = answerPost(toolsCallBody(5, "echo", message), session, form, sessions);
    EXPECT_EQ(reply.contentType, form == AnswerForm::Sse ? "text/event-stream" : "application/json");
    EXPECT_FALSE(checkEchoAnswer(reply.status, reply.contentType, reply.body, 5, expectedEchoText(message)));
  }
}

TEST(EchoAnswer, NeedsASessionThatInitializeOpened) {
  SessionTable sessions;
  const auto body = toolsCallBody(5, "echo", "hi");
  EXPECT_EQ(answerPost(body, "", AnswerForm::Json, sessions).status, 400u);
  EXPECT_EQ(answerPost(body, "not-a-session", AnswerForm::Json, sessions).status, 404u);
  const auto session = openSession(sessions);
  EXPECT_EQ(answerPost(body, session, AnswerForm::Json, sessions).status, 200u);
  EXPECT_TRUE(sessions.close(session));
  EXPECT_EQ(answerPost(body, session, AnswerForm::Json, sessions).status, 404u);
}

TEST(EchoAnswer, NotificationsGet202AndOtherMethodsTheirAnswers) {
  SessionTable sessions;
  const auto session = openSession(sessions);
  EXPECT_EQ(answerPost(initializedNotificationBody(), session, AnswerForm::Json, sessions).status, 202u);
  const auto list = answerPost(R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})", session, AnswerForm::Json, sessions);
  EXPECT_EQ(nlohmann::json::parse(list.body)["result"]["tools"][0]["name"], "echo");
  const auto unknown = answerPost(R"({"jsonrpc":"2.0","id":3,"method":"nope"})", session, AnswerForm::Json, sessions);
  EXPECT_EQ(nlohmann::json::parse(unknown.body)["error"]["code"], -32601);
  const auto otherTool = answerPost(toolsCallBody(4, "other", "x"), session, AnswerForm::Json, sessions);
  EXPECT_EQ(nlohmann::json::parse(otherTool.body)["result"]["isError"], true);
  EXPECT_EQ(answerPost("{oops", session, AnswerForm::Json, sessions).status, 400u);
}

TEST(EchoAnswer, AcceptDecidesTheFormOnlyWhenItRulesOneOut) {
  EXPECT_EQ(chooseForm(AnswerForm::Json, "application/json, text/event-stream"), AnswerForm::Json);
  EXPECT_EQ(chooseForm(AnswerForm::Sse, "application/json, text/event-stream"), AnswerForm::Sse);
  EXPECT_EQ(chooseForm(AnswerForm::Json, "text/event-stream"), AnswerForm::Sse);
  EXPECT_EQ(chooseForm(AnswerForm::Sse, "application/json"), AnswerForm::Json);
}

}  // namespace
}  // namespace warden::bench
