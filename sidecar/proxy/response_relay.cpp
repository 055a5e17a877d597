#include "sidecar/proxy/response_relay.h"

#include <algorithm>
#include <array>

#include "policy/strict_json.h"
#include "sidecar/mcp/answer_tracker.h"
#include "sidecar/mcp/denial.h"
#include "sidecar/mcp/jsonrpc.h"
#include "sidecar/mcp/listing_filter.h"
#include "sidecar/mcp/sse.h"
#include "sidecar/proxy/chunked_output.h"
#include "sidecar/proxy/http_responses.h"

namespace warden::sidecar {
namespace {

constexpr std::size_t kPiece = 16 * 1024;

// Reads the next piece of the upstream body into data[0..size). Returns the bytes read; 0 with !ec at the end.
asio::awaitable<std::size_t> readPiece(beast::tcp_stream& upstream, beast::flat_buffer& buffer,
                                       http::response_parser<http::buffer_body>& parser, char* data,
                                       std::size_t size, std::chrono::milliseconds idle, error_code& ec) {
  if (parser.is_done()) co_return 0;
  parser.get().body().data = data;
  parser.get().body().size = size;
  upstream.expires_after(idle);
  co_await http::async_read_some(upstream, buffer, parser, awaitWith(ec));
  if (ec == http::error::need_buffer) ec = {};
  co_return size - parser.get().body().size;
}

// The agent-facing header: the server's status and end-to-end headers, chunked (streamed) unless told otherwise.
http::response<http::empty_body> clientHeader(const http::response<http::buffer_body>& upstream, bool keepAlive) {
  http::response<http::empty_body> res{upstream.result(), 11};
  for (const auto& field : upstream) {
    if (!isHopByHop(field.name_string())) res.insert(field.name_string(), field.value());
  }
  res.keep_alive(keepAlive);
  return res;
}

std::string_view mediaType(const http::response<http::buffer_body>& res) {
  std::string_view type = res[http::field::content_type];
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  return type;
}

bool iequalsView(std::string_view a, std::string_view b) { return beast::iequals(a, b); }

// The listing method a response answers: by the id of a forwarded listing request, or (on streams whose requests
// the proxy did not see, such as a resumed GET stream) by the shape of its result. Empty: not a listing.
std::string_view listingMethodOf(const nlohmann::json& message, const RelayPlan& plan) {
  if (!message.is_object() || !message.contains("result")) return {};
  if (auto id = message.find("id"); id != message.end()) {
    const std::string key = id->dump();
    for (const auto& [listingId, method] : plan.listings) {
      if (listingId == key) return method;
    }
  }
  if (!plan.filterByShape) return {};
  const auto& result = message.at("result");
  if (!result.is_object()) return {};
  if (result.contains("tools")) return "tools/list";
  if (result.contains("resourceTemplates")) return "resources/templates/list";
  if (result.contains("resources")) return "resources/list";
  if (result.contains("prompts")) return "prompts/list";
  return {};
}

// Filters every listing answer in a JSON-RPC message or batch; true when anything was rewritten.
bool filterListings(nlohmann::json& body, const RelayPlan& plan) {
  if (plan.policy == nullptr) return false;
  bool changed = false;
  auto one = [&](nlohmann::json& message) {
    const auto method = listingMethodOf(message, plan);
    if (method.empty()) return;
    mcp::filterListingResult(message, method, *plan.policy, plan.principal);
    changed = true;
  };
  if (body.is_array()) {
    for (auto& m : body) one(m);
  } else {
    one(body);
  }
  return changed;
}

// Writes what is pending; a failed write ends the relay (the agent is gone).
asio::awaitable<void> flushTo(ClientStream& client, ChunkedOutput& pending, RelayOutcome& out) {
  if (!out.clientOk) co_return;
  error_code ec;
  co_await pending.flush(client, ec);
  if (ec) {
    out.clientOk = false;
    out.error = "agent connection lost: " + ec.message();
  }
}

// Starts a chunked answer: its header (and the proxy's own first chunk, if any) is pending, and is written at once
// unless part of the server's body has already arrived with it (then header and body leave together).
asio::awaitable<void> startChunked(ClientStream& client, const http::response_parser<http::buffer_body>& parser,
                                   const beast::flat_buffer& buffer, bool keepAlive, std::string_view firstChunk,
                                   ChunkedOutput& pending, RelayOutcome& out) {
  auto header = clientHeader(parser.get(), keepAlive);
  pending.header(header);
  pending.chunk(firstChunk);
  out.status = header.result_int();
  if (buffer.size() == 0 && !parser.is_done()) co_await flushTo(client, pending, out);
}

// What the agent gets of an event that is dropped: its id alone (no data, so nothing is dispatched), which keeps
// the agent's last event id — and so resuming the stream — as the server meant it; nothing when it had no id.
std::string idOnly(const mcp::SseEvent& event) {
  if (!event.hasId) return {};
  mcp::SseEvent kept;
  kept.id = event.id;
  kept.hasId = true;
  return mcp::serializeEvent(kept);
}

// One upstream event as the agent gets it: unchanged, or rewritten when listing results were filtered or answers
// dropped (forged, repeated). When the stream is checked, data that is not JSON is dropped too: it cannot be
// checked, and a client whose JSON parser is laxer (lone surrogates) would still take it for a message.
std::string relayedEvent(mcp::SseEvent& event, const RelayPlan& plan, std::optional<mcp::AnswerTracker>& answers,
                         RelayOutcome& out) {
  if (event.data.empty()) return event.raw;
  auto message = nlohmann::json::parse(event.data, nullptr, false);
  if (message.is_discarded()) {
    if (!answers && plan.listings.empty() && !plan.filterByShape) return event.raw;
    out.error += (out.error.empty() ? "" : "; ") + std::string("dropped an event whose data is not JSON");
    return idOnly(event);
  }
  std::vector<std::string> removed;
  if (answers) removed = answers->admit(message);
  const bool filtered = !message.is_null() && filterListings(message, plan);
  if (removed.empty() && !filtered) return event.raw;
  for (const auto& r : removed) out.error += (out.error.empty() ? "dropped " : "; dropped ") + r;
  if (message.is_null()) return idOnly(event);
  event.data = mcp::serializeResponse(message);
  return mcp::serializeEvent(event);
}

// text/event-stream: parsed and relayed event by event; listing answers rewritten, a POST's answers checked.
asio::awaitable<void> relayEventStream(ClientStream& client, beast::tcp_stream& upstream,
                                       beast::flat_buffer& buffer, http::response_parser<http::buffer_body>& parser,
                                       const RelayPlan& plan, bool keepAlive, RelayOutcome& out) {
  ChunkedOutput pending;
  const std::string ownAnswers = plan.batch ? mcp::localAnswersAsSse(*plan.batch, plan.localAnswers) : std::string();
  co_await startChunked(client, parser, buffer, keepAlive, ownAnswers, pending, out);

  std::optional<mcp::AnswerTracker> answers;
  if (plan.forwardedIds) answers.emplace(*plan.forwardedIds);
  mcp::SseParser events;
  std::array<char, kPiece> piece;
  std::string broken;  // why the server's stream ended early
  while (out.clientOk && !parser.is_done()) {
    error_code ec;
    const auto n = co_await readPiece(upstream, buffer, parser, piece.data(), piece.size(), plan.idleTimeout, ec);
    if (ec) {
      broken = "its answer stream broke off (" + ec.message() + ")";
      break;
    }
    std::vector<mcp::SseEvent> completed;
    const bool fine = events.feed(std::string_view(piece.data(), n), completed);
    std::string ready;
    for (auto& event : completed) ready += relayedEvent(event, plan, answers, out);
    pending.chunk(ready);
    if (!fine) {
      broken = "its answer stream is malformed (" + events.error() + ")";
      break;
    }
    // The server may stay silent for a while now: what is ready goes out before the next read.
    if (!parser.is_done()) co_await flushTo(client, pending, out);
  }
  if (!out.clientOk) co_return;
  if (!broken.empty()) out.error += (out.error.empty() ? "" : "; ") + broken;
  if (!answers) {
    // A GET stream that broke off is cut, not ended: the agent sees that and resumes it (Last-Event-ID).
    if (!broken.empty()) {
      co_await flushTo(client, pending, out);
      out.clientOk = false;
      co_return;
    }
  } else {
    // The server will not answer any more on this stream: what it left unanswered gets an error now.
    std::string closing;
    mcp::SseEvent event;
    event.event = "message";
    for (const auto& id : answers->unanswered()) {
      event.data = mcp::serializeResponse(
          mcp::upstreamFailureResponse(id, broken.empty() ? "no answer to this request" : broken));
      closing += mcp::serializeEvent(event);
    }
    pending.chunk(closing);
  }
  pending.last();
  co_await flushTo(client, pending, out);
  out.upstreamReusable = broken.empty() && out.clientOk && parser.is_done() && parser.keep_alive();
}

// Any body relayed as it arrives, unchanged.
asio::awaitable<void> relayRaw(ClientStream& client, beast::tcp_stream& upstream, beast::flat_buffer& buffer,
                               http::response_parser<http::buffer_body>& parser, const RelayPlan& plan,
                               bool keepAlive, RelayOutcome& out) {
  ChunkedOutput pending;
  co_await startChunked(client, parser, buffer, keepAlive, {}, pending, out);
  std::array<char, kPiece> piece;
  while (out.clientOk && !parser.is_done()) {
    error_code ec;
    const auto n = co_await readPiece(upstream, buffer, parser, piece.data(), piece.size(), plan.idleTimeout, ec);
    if (ec) {
      // Part of the answer is out already: the agent can only be shown the cut, at once, by closing.
      co_await flushTo(client, pending, out);
      out.error = "upstream response ended: " + ec.message();
      out.clientOk = false;
      co_return;
    }
    pending.chunk(std::string_view(piece.data(), n));
    if (!parser.is_done()) co_await flushTo(client, pending, out);
  }
  if (!out.clientOk) co_return;
  pending.last();
  co_await flushTo(client, pending, out);
  out.upstreamReusable = out.clientOk && parser.is_done() && parser.keep_alive();
}

// application/json that must be rewritten: read whole (bounded), filter, merge, send.
asio::awaitable<void> relayRewrittenJson(ClientStream& client, beast::tcp_stream& upstream,
                                         beast::flat_buffer& buffer,
                                         http::response_parser<http::buffer_body>& parser, const RelayPlan& plan,
                                         bool keepAlive, RelayOutcome& out) {
  std::string body;
  std::array<char, kPiece> piece;
  while (!parser.is_done()) {
    error_code ec;
    const auto n = co_await readPiece(upstream, buffer, parser, piece.data(), piece.size(), plan.idleTimeout, ec);
    if (ec) {
      out.error = "its answer broke off (" + ec.message() + ")";
      break;
    }
    body.append(piece.data(), n);
    if (body.size() > plan.maxBufferedBody) {
      out.error = "its answer is larger than " + std::to_string(plan.maxBufferedBody) + " bytes";
      break;
    }
  }
  error_code ec;
  auto parsed = out.error.empty() ? policy::parseStrictJson(body) : policy::JsonParseResult{{}, out.error, 0};
  if (!parsed.ok()) {
    // The answer cannot be checked, so it is not passed on (a listing could otherwise leak unfiltered); every
    // forwarded request gets an error it can be matched with instead.
    const std::string why = out.error.empty() ? "invalid answer from the MCP server" : out.error;
    out.error = "upstream answer not usable: " + (out.error.empty() ? parsed.error : out.error);
    nlohmann::json reply;
    http::status status = http::status::ok;
    if (plan.batch) {
      auto merged = mcp::mergeBatchResponses(*plan.batch, plan.localAnswers, nullptr);
      status = static_cast<http::status>(merged.httpStatus);
      reply = std::move(merged.body);
    } else if (plan.forwardedIds && plan.forwardedIds->size() == 1) {
      reply = mcp::upstreamFailureResponse(plan.forwardedIds->front(), why);
    } else {
      status = http::status::bad_gateway;
      reply = mcp::upstreamFailureResponse(nullptr, why);
    }
    co_await writeJson(client, status, reply, keepAlive, {}, ec);
    out.status = static_cast<unsigned>(status);
    out.clientOk = !ec;
    co_return;
  }
  filterListings(parsed.value, plan);
  nlohmann::json reply = std::move(parsed.value);
  if (plan.batch) {
    auto merged = mcp::mergeBatchResponses(*plan.batch, plan.localAnswers, std::move(reply));
    for (const auto& problem : merged.problems) out.error += (out.error.empty() ? "" : "; ") + problem;
    reply = std::move(merged.body);
  }
  auto header = clientHeader(parser.get(), keepAlive);
  HeaderList extra;
  for (const auto& field : header) {
    if (!beast::iequals(field.name_string(), "content-type")) {
      extra.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
  }
  co_await writeJson(client, parser.get().result(), reply, keepAlive, extra, ec);
  out.status = parser.get().result_int();
  out.clientOk = !ec;
  out.upstreamReusable = out.clientOk && parser.is_done() && parser.keep_alive();
}

}  // namespace

asio::awaitable<RelayOutcome> relayResponse(ClientStream& client, beast::tcp_stream& upstream,
                                            beast::flat_buffer& upstreamBuffer,
                                            http::response_parser<http::buffer_body>& parser, const RelayPlan& plan,
                                            bool clientKeepAlive) {
  RelayOutcome out;
  const auto& res = parser.get();
  if (auto session = res.find("mcp-session-id"); session != res.end()) out.sessionId = std::string(session->value());

  const bool success = res.result_int() >= 200 && res.result_int() < 300;
  const auto type = mediaType(res);
  const bool noBody = res.result() == http::status::accepted || res.result() == http::status::no_content ||
                      (parser.content_length() && *parser.content_length() == 0);

  if (success && noBody && plan.batch && !plan.localAnswers.empty()) {
    // Only notifications went upstream; the agent still needs the proxy's answers to its denied requests.
    error_code ec;
    auto merged = mcp::mergeBatchResponses(*plan.batch, plan.localAnswers, nullptr);
    co_await writeJson(client, static_cast<http::status>(merged.httpStatus), merged.body, clientKeepAlive, {}, ec);
    out.status = static_cast<unsigned>(merged.httpStatus);
    out.clientOk = !ec;
    // Drain the (empty) upstream body so the connection can be reused.
    std::array<char, 256> scratch;
    while (!parser.is_done()) {
      const auto n = co_await readPiece(upstream, upstreamBuffer, parser, scratch.data(), scratch.size(),
                                        plan.idleTimeout, ec);
      if (ec || n == 0) break;
    }
    out.upstreamReusable = !ec && parser.is_done() && parser.keep_alive();
    co_return out;
  }
  // Parsing is only paid for when something may have to be rewritten.
  const bool rewrite = !plan.listings.empty() || !plan.localAnswers.empty() || plan.filterByShape;
  if (success && (rewrite || plan.forwardedIds) && iequalsView(type, "text/event-stream")) {
    co_await relayEventStream(client, upstream, upstreamBuffer, parser, plan, clientKeepAlive, out);
  } else if (success && rewrite && iequalsView(type, "application/json")) {
    co_await relayRewrittenJson(client, upstream, upstreamBuffer, parser, plan, clientKeepAlive, out);
  } else {
    co_await relayRaw(client, upstream, upstreamBuffer, parser, plan, clientKeepAlive, out);
  }
  co_return out;
}

}  // namespace warden::sidecar
