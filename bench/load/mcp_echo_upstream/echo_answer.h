#pragma once

// What the echo upstream answers to a Streamable HTTP POST: initialize (opens a session), notifications (202),
// ping, tools/list (one tool, `echo`) and tools/call of `echo` (`Echo: <message>`, as server-everything answers),
// as a JSON body or as one SSE event. Everything but initialize needs a session that initialize opened.

#include <string>
#include <string_view>

#include "bench/load/mcp_echo_upstream/session_table.h"

namespace warden::bench {

enum class AnswerForm { Json, Sse };

// The configured form, unless the request's Accept rules it out (a client that accepts only one of them).
AnswerForm chooseForm(AnswerForm configured, std::string_view accept);

struct EchoReply {
  unsigned status = 200;
  std::string contentType;  // empty for a reply without body (202)
  std::string body;
  std::string newSessionId;  // set by initialize: the Mcp-Session-Id response header
};

EchoReply answerPost(std::string_view body, std::string_view sessionHeader, AnswerForm form, SessionTable& sessions);

}  // namespace warden::bench
