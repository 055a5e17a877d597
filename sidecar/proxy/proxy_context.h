#pragma once

#include "policy/rate_limiter.h"
#include "sidecar/config/sidecar_config.h"
#include "sidecar/enforcement/policy_store.h"
#include "sidecar/proxy/proxy_metrics.h"
#include "sidecar/proxy/session_registry.h"
#include "sidecar/receipts/receipt_log.h"

namespace warden::sidecar {

// What every connection of every worker shares. All members are thread-safe.
struct ProxyContext {
  const SidecarConfig& config;
  PolicyStore& policies;
  policy::RateLimiter& limiter;
  ReceiptLog& receipts;
  SessionRegistry& sessions;
  ProxyMetrics& metrics;
};

}  // namespace warden::sidecar
