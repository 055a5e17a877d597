#pragma once

// The webhook endpoints as functions from request body to response body: /inject (mutating, pods) and /validate
// (ToolPolicy, MCPServer). The HTTPS server in front does TLS and routing and sends back what these return. They
// never throw and always answer; const and stateless, so one instance serves every server thread.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/webhooks/sidecar_injector.h"

namespace warden::op {

// Larger request bodies are refused before parsing: an AdmissionReview holds the object and the old object, and
// the API server's own request limit is 3 MiB.
inline constexpr std::size_t kMaxAdmissionBodyBytes = 3 * 1024 * 1024;

struct AdmissionHttpReply {
  // 200 with an AdmissionReview whenever the request's uid could be read; otherwise 400 (not JSON, not a review),
  // 413 (too large) or 500 (internal error), with a Kubernetes Status object saying why.
  int status = 200;
  std::string body;  // JSON
  std::string summary;  // one line for the log: the request and what was decided
};

// The MCPServer objects of one namespace, as the informer cache holds them. It may throw; the pod is then refused
// (500), never let through uninjected.
using McpServerLister = std::function<std::vector<nlohmann::json>(const std::string& ns)>;

class AdmissionHandlers {
 public:
  AdmissionHandlers(SidecarInjector injector, McpServerLister listServers);

  AdmissionHttpReply inject(std::string_view body) const noexcept;
  AdmissionHttpReply validate(std::string_view body) const noexcept;

  const SidecarInjector& injector() const { return injector_; }

 private:
  SidecarInjector injector_;
  McpServerLister listServers_;
};

}  // namespace warden::op
