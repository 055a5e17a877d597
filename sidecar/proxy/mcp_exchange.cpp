#include "sidecar/proxy/mcp_exchange.h"

#include <chrono>
#include <limits>

#include "sidecar/common/logging.h"
#include "sidecar/mcp/batch_merge.h"
#include "sidecar/mcp/denial.h"
#include "sidecar/mcp/jsonrpc.h"
#include "sidecar/mcp/protocol_headers.h"
#include "sidecar/proxy/header_text.h"
#include "sidecar/proxy/http_responses.h"
#include "sidecar/proxy/message_plan.h"
#include "sidecar/proxy/proxy_errors.h"
#include "sidecar/proxy/receipt_await.h"
#include "sidecar/proxy/response_relay.h"

namespace warden::sidecar {
namespace {

constexpr std::string_view kPrincipalHeader = "x-mcp-warden-principal";

using Clock = std::chrono::steady_clock;

std::string_view pathOf(std::string_view target) { return target.substr(0, target.find('?')); }
std::string_view queryOf(std::string_view target) {
  const auto q = target.find('?');
  return q == std::string_view::npos ? std::string_view() : target.substr(q);
}

std::optional<std::string> header(const http::request<http::string_body>& req, std::string_view name) {
  auto it = req.find(name);
  if (it == req.end()) return std::nullopt;
  return std::string(it->value());
}

// The request sent to the MCP server: same method, the upstream path with the agent's query, end-to-end headers,
// Host rewritten for the loopback upstream, and the verified caller named (any value the agent set is dropped).
http::request<http::string_body> upstreamRequest(const http::request<http::string_body>& req, std::string body,
                                                 const std::string& principal, const SidecarConfig& config) {
  http::request<http::string_body> up{req.method(), config.upstreamPath + std::string(queryOf(req.target())), 11};
  for (const auto& field : req) {
    if (isHopByHop(field.name_string()) || beast::iequals(field.name_string(), kPrincipalHeader)) continue;
    if (beast::iequals(field.name_string(), "content-length")) continue;
    up.insert(field.name_string(), field.value());
  }
  up.set(http::field::host, config.upstreamHost + ":" + std::to_string(config.upstreamPort));
  up.set(kPrincipalHeader, principal);
  up.keep_alive(true);
  up.body() = std::move(body);
  up.prepare_payload();
  return up;
}

// A pooled connection the server closed without reading our request: it reset the connection (closing a socket
// with unread bytes does that) before a byte of an answer came. A plain close (end of stream) is not that: a server
// that read the request and then died looks the same, and a tools/call must never reach the server twice.
bool closedUnread(const error_code& ec, const beast::flat_buffer& buffer,
                  const http::response_parser<http::buffer_body>* parser) {
  const bool reset = ec == asio::error::connection_reset || ec == asio::error::broken_pipe;
  return reset && buffer.size() == 0 && (parser == nullptr || !parser->got_some());
}

struct Upstream {
  std::unique_ptr<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  std::optional<http::response_parser<http::buffer_body>> parser;  // fresh for every attempt
  std::string error;  // set when no response header could be had
};

// Sends the request and reads the response header. A pooled connection the server closed in the meantime without
// reading the request (its keep-alive timer won the race) is retried once on a fresh connection; nothing else is
// retried.
asio::awaitable<void> exchangeHeaders(UpstreamPool& pool, const http::request<http::string_body>& up,
                                      const SidecarConfig& config, Upstream& out) {
  // Header and body in one buffer: one write (Beast's serializer would cost more than the rest of the request).
  std::string wire;
  wire.reserve(512 + up.body().size());
  appendHeaderText(wire, up.base());
  wire += up.body();
  for (int attempt = 0; attempt < 2; ++attempt) {
    error_code ec;
    const auto idleBefore = pool.idleCount();
    out.stream = co_await pool.acquire(ec);
    const bool reused = pool.idleCount() < idleBefore;
    if (ec || !out.stream) {
      out.error = "cannot connect to the MCP server: " + ec.message();
      co_return;
    }
    out.stream->expires_after(config.upstreamHeaderTimeout);
    co_await asio::async_write(*out.stream, asio::buffer(wire), awaitWith(ec));
    if (!ec) {
      out.buffer.consume(out.buffer.size());
      out.parser.emplace();
      // Streams are unbounded; rewritten answers are bounded by the relay. (Boost 1.74 reads body_limit(none) as 0.)
      out.parser->body_limit(std::numeric_limits<std::uint64_t>::max());
      co_await http::async_read_header(*out.stream, out.buffer, *out.parser, awaitWith(ec));
    }
    if (!ec) {
      out.error.clear();
      co_return;
    }
    out.error = (ec == beast::error::timeout ? "the MCP server did not answer in time" : "MCP server connection: " + ec.message());
    out.stream.reset();
    if (!(reused && closedUnread(ec, out.buffer, out.parser ? &*out.parser : nullptr))) co_return;
  }
}

// Answers for the messages the proxy does not forward: denials (naming their receipt), invalid elements.
std::vector<mcp::LocalAnswer> localAnswers(const BodyPlan& plan, const std::vector<AppendResult>& receipts,
                                           const std::vector<std::size_t>& receiptOf,
                                           const policy::CompiledPolicy* policy) {
  std::vector<mcp::LocalAnswer> answers;
  for (std::size_t i = 0; i < plan.messages.size(); ++i) {
    const auto& m = plan.messages[i];
    if (m.forward) continue;
    if (!m.invalidResponse.is_null()) {
      answers.push_back({m.index, m.invalidResponse});
      continue;
    }
    if (m.id.is_null() || !m.decision) continue;  // a denied notification has no answer
    mcp::DenialContext denial;
    denial.receiptHash = receipts[receiptOf[i]].hash;
    const std::string version = policy ? policy->policyVersion() : "";
    denial.policyVersion = version;
    denial.denialStyle = policy ? policy->server().denialStyle : policy::DenialStyle::Explain;
    answers.push_back({m.index, mcp::denialResponse(m.id, *m.decision, m.method, m.target, denial)});
  }
  return answers;
}

// The whole answer when the proxy answers a body itself: one response, or the batch merged in order.
std::pair<http::status, nlohmann::json> localReply(const mcp::ParsedBody& body, std::vector<mcp::LocalAnswer> answers) {
  if (!body.batch) return {http::status::ok, answers.front().response};
  auto merged = mcp::mergeBatchResponses(body, std::move(answers), nullptr);
  return {static_cast<http::status>(merged.httpStatus), std::move(merged.body)};
}

asio::awaitable<bool> refuse(ClientStream& client, http::status status, const nlohmann::json& body, bool keepAlive,
                             const HeaderList& extra = {}) {
  error_code ec;
  co_await writeJson(client, status, body, keepAlive, extra, ec);
  co_return !ec && keepAlive;
}

asio::awaitable<bool> handlePost(ClientStream& client, http::request<http::string_body>& req,
                                 const std::string& principal, ProxyContext& ctx, UpstreamPool& pool) {
  const bool keepAlive = req.keep_alive();
  const auto started = Clock::now();

  mcp::RequestHeaders headers;
  for (const auto& field : req) headers.add(field.name_string(), field.value());
  if (auto media = mcp::checkPostMediaTypes(headers); !media.ok) {
    co_return co_await refuse(client, static_cast<http::status>(media.httpStatus), media.errorResponse, keepAlive);
  }
  const auto body = mcp::parseClientBody(req.body());
  if (!body.ok) co_return co_await refuse(client, http::status::bad_request, body.errorResponse, keepAlive);
  if (auto check = mcp::checkHeaders(headers, body); !check.ok) {
    co_return co_await refuse(client, static_cast<http::status>(check.httpStatus), check.errorResponse, keepAlive);
  }
  const auto session = header(req, "mcp-session-id");
  if (session && !ctx.sessions.admit(*session, principal)) {
    logWarn("session refused: it belongs to another identity", {{"principal", principal}, {"session", *session}});
    const auto refusal = proxy_errors::sessionOwnedByAnother();
    co_return co_await refuse(client, http::status::forbidden, refusal, keepAlive);
  }

  // Decide every message, then make every decision durable before anything is answered or forwarded.
  const auto policy = ctx.policies.current();
  PlanContext planContext{policy, principal, session.value_or(""), &ctx.limiter, std::chrono::system_clock::now()};
  BodyPlan plan = planBody(body, planContext);
  std::vector<ReceiptInput> inputs;
  std::vector<std::size_t> receiptOf(plan.messages.size(), 0);
  for (std::size_t i = 0; i < plan.messages.size(); ++i) {
    const auto& m = plan.messages[i];
    if (!m.needsReceipt) continue;
    receiptOf[i] = inputs.size();
    inputs.push_back(m.receipt);
    ctx.metrics.decision(m.method, m.target, m.receipt.decision, m.decision ? policy::toString(m.decision->code) : "");
  }
  auto receipts = co_await appendReceipts(ctx.receipts, std::move(inputs));
  ctx.metrics.decisionLatency(std::chrono::duration<double>(Clock::now() - started).count());
  for (const auto& r : receipts) {
    if (r.ok) continue;
    // Fail closed: a decision that cannot be recorded is not acted on.
    ctx.metrics.receiptFailure();
    logError("receipt not written: nothing forwarded", {{"error", r.error}});
    const auto refusal = proxy_errors::auditLogUnavailable();
    co_return co_await refuse(client, http::status::service_unavailable, refusal, false);
  }
  auto local = localAnswers(plan, receipts, receiptOf, policy.get());

  if (!plan.anyForwarded()) {
    error_code ec;
    if (local.empty()) {
      // Only denied notifications: they cannot be answered in JSON-RPC, so the refusal is the HTTP status.
      const auto refusal = proxy_errors::notificationDenied();
      co_await writeJson(client, http::status::forbidden, refusal, keepAlive, {}, ec);
    } else {
      auto [status, reply] = localReply(body, std::move(local));
      co_await writeJson(client, status, reply, keepAlive, {}, ec);
    }
    ctx.metrics.requestCompleted("POST", 200, std::chrono::duration<double>(Clock::now() - started).count());
    co_return !ec && keepAlive;
  }

  auto up = upstreamRequest(req, plan.forwardBody(body), principal, ctx.config);
  Upstream upstream;
  co_await exchangeHeaders(pool, up, ctx.config, upstream);
  if (!upstream.error.empty()) {
    ctx.metrics.upstreamError(upstream.error.rfind("cannot connect", 0) == 0 ? "connect" : "response");
    logWarn("MCP server unavailable", {{"error", upstream.error}, {"principal", principal}});
    // Every forwarded request still gets an answer it can act on, promptly.
    for (const auto& m : plan.messages) {
      if (m.forward && !m.id.is_null()) local.push_back({m.index, mcp::upstreamFailureResponse(m.id, upstream.error)});
    }
    if (local.empty()) {
      co_return co_await refuse(client, http::status::bad_gateway, mcp::upstreamFailureResponse(nullptr, upstream.error),
                                keepAlive);
    }
    auto [status, reply] = localReply(body, std::move(local));
    co_return co_await refuse(client, status, reply, keepAlive);
  }

  RelayPlan relay;
  relay.forwardedIds.emplace();
  for (const auto& m : plan.messages) {
    if (m.forward && !m.id.is_null()) relay.forwardedIds->push_back(m.id);
  }
  relay.listings = plan.listings;
  if (plan.batch) {
    relay.batch = &body;
    relay.localAnswers = std::move(local);
  }
  relay.policy = policy.get();
  relay.principal = principal;
  relay.idleTimeout = ctx.config.upstreamIdleTimeout;
  auto outcome = co_await relayResponse(client, *upstream.stream, upstream.buffer, *upstream.parser, relay, keepAlive);
  if (!outcome.error.empty()) {
    logWarn("MCP server answer not relayed as sent", {{"error", outcome.error}, {"principal", principal}});
  }
  if (outcome.sessionId && outcome.status >= 200 && outcome.status < 300) {
    for (const auto& m : plan.messages) {
      if (m.forward && m.method == "initialize") ctx.sessions.bind(*outcome.sessionId, principal);
    }
  }
  if (outcome.upstreamReusable) pool.release(std::move(upstream.stream));
  ctx.metrics.requestCompleted("POST", outcome.status, std::chrono::duration<double>(Clock::now() - started).count());
  co_return outcome.clientOk && keepAlive;
}

// GET (the server-to-client stream) and DELETE (end of session): authentication and session ownership suffice.
asio::awaitable<bool> handlePassThrough(ClientStream& client, http::request<http::string_body>& req,
                                        const std::string& principal, ProxyContext& ctx, UpstreamPool& pool) {
  const bool keepAlive = req.keep_alive();
  const auto started = Clock::now();
  const auto session = header(req, "mcp-session-id");
  if (session && !ctx.sessions.admit(*session, principal)) {
    logWarn("session refused: it belongs to another identity", {{"principal", principal}, {"session", *session}});
    const auto refusal = proxy_errors::sessionOwnedByAnother();
    co_return co_await refuse(client, http::status::forbidden, refusal, keepAlive);
  }
  auto up = upstreamRequest(req, std::string(), principal, ctx.config);
  Upstream upstream;
  co_await exchangeHeaders(pool, up, ctx.config, upstream);
  if (!upstream.error.empty()) {
    ctx.metrics.upstreamError("connect");
    co_return co_await refuse(client, http::status::bad_gateway, mcp::upstreamFailureResponse(nullptr, upstream.error),
                              keepAlive);
  }
  const auto policy = ctx.policies.current();
  RelayPlan relay;
  relay.filterByShape = true;
  relay.policy = policy.get();
  relay.principal = principal;
  relay.idleTimeout = ctx.config.upstreamIdleTimeout;
  auto outcome = co_await relayResponse(client, *upstream.stream, upstream.buffer, *upstream.parser, relay, keepAlive);
  if (req.method() == http::verb::delete_ && session && outcome.status >= 200 && outcome.status < 300) {
    ctx.sessions.forget(*session);
  }
  if (outcome.upstreamReusable) pool.release(std::move(upstream.stream));
  ctx.metrics.requestCompleted(std::string(req.method_string()), outcome.status,
                               std::chrono::duration<double>(Clock::now() - started).count());
  co_return outcome.clientOk && keepAlive;
}

}  // namespace

asio::awaitable<bool> handleExchange(ClientStream& client, http::request<http::string_body>& request,
                                     const std::string& principal, ProxyContext& context, UpstreamPool& pool) {
  const bool keepAlive = request.keep_alive();
  if (pathOf(request.target()) != context.config.mcpPath) {
    const auto refusal = proxy_errors::notMcpEndpoint();
    co_return co_await refuse(client, http::status::not_found, refusal, keepAlive);
  }
  switch (request.method()) {
    case http::verb::post:
      co_return co_await handlePost(client, request, principal, context, pool);
    case http::verb::get:
    case http::verb::delete_:
      co_return co_await handlePassThrough(client, request, principal, context, pool);
    default: {
      const auto refusal = proxy_errors::methodNotAllowed();
      const HeaderList allow{{"Allow", "GET, POST, DELETE"}};
      co_return co_await refuse(client, http::status::method_not_allowed, refusal, keepAlive, allow);
    }
  }
}

}  // namespace warden::sidecar
