#include "sidecar/proxy/proxy_metrics.h"

#include <string>

namespace warden::sidecar {

ProxyMetrics::ProxyMetrics(MetricsRegistry& r)
    : decisions_(r.counterFamily("warden_decisions_total",
                                 "Policy decisions by JSON-RPC method, tool (tools/call), decision and reason code",
                                 {"method", "tool", "decision", "code"})),
      decisionLatency_(r.histogram("warden_decision_duration_seconds",
                                   "Time to decide a POST's messages and make their receipts durable")),
      requestLatency_(r.histogramFamily("warden_request_duration_seconds",
                                        "Time from a request's arrival to the end of its response", {"method"})),
      requests_(r.counterFamily("warden_requests_total", "HTTP requests by method and status sent to the agent",
                                {"method", "status"})),
      upstreamErrors_(r.counterFamily("warden_upstream_errors_total",
                                      "Failures reaching or reading the MCP server", {"kind"})),
      handshakeFailures_(r.counterFamily("warden_tls_handshake_failures_total",
                                         "Agent connections refused during the mTLS handshake", {"reason"})),
      connections_(r.gauge("warden_connections_active", "Authenticated agent connections open")),
      receiptFailures_(r.counter("warden_receipt_failures_total",
                                 "Receipts that could not be written (the messages were not processed)")),
      receiptSyncs_(r.counter("warden_receipt_syncs_total",
                              "fdatasync calls of the receipt log that made receipts durable (--receipts-sync)")),
      svidExpiry_(r.gauge("warden_svid_expiry_timestamp_seconds", "Unix time at which the current SVID expires")),
      svidRotations_(r.counter("warden_svid_updates_total", "SVID and trust bundle updates applied")),
      policyLoads_(r.counterFamily("warden_policy_loads_total", "Policy bundle loads by outcome", {"outcome"})) {}

void ProxyMetrics::decision(std::string_view method, std::string_view target, std::string_view decision,
                            std::string_view code) {
  const std::string_view tool = method == "tools/call" ? target : std::string_view();
  decisions_.with({method, tool, decision, code}).inc();
}

void ProxyMetrics::decisionLatency(double seconds) { decisionLatency_.observe(seconds); }

void ProxyMetrics::requestCompleted(std::string_view httpMethod, unsigned status, double seconds) {
  requestLatency_.with({httpMethod}).observe(seconds);
  const std::string code = std::to_string(status);
  requests_.with({httpMethod, std::string_view(code)}).inc();
}

void ProxyMetrics::upstreamError(std::string_view kind) { upstreamErrors_.with({kind}).inc(); }
void ProxyMetrics::handshakeFailure(std::string_view reason) { handshakeFailures_.with({reason}).inc(); }
void ProxyMetrics::connectionOpened() { connections_.inc(); }
void ProxyMetrics::connectionClosed() { connections_.dec(); }
void ProxyMetrics::receiptFailure() { receiptFailures_.inc(); }

void ProxyMetrics::receiptSync() { receiptSyncs_.inc(); }

void ProxyMetrics::svidUpdated(double notAfterUnixSeconds) {
  svidExpiry_.set(notAfterUnixSeconds);
  svidRotations_.inc();
}

void ProxyMetrics::policyLoad(std::string_view outcome) { policyLoads_.with({outcome}).inc(); }

}  // namespace warden::sidecar
