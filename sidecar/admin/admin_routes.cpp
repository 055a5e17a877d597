#include "sidecar/admin/admin_routes.h"

#include <exception>
#include <string_view>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>

namespace warden::sidecar {
namespace http = boost::beast::http;

namespace {

std::string joinReasons(const std::vector<std::string>& reasons) {
  std::string out;
  for (const auto& r : reasons) {
    if (!out.empty()) out += "; ";
    out += r;
  }
  return out;
}

AdminResponse metrics(const AdminRequest& request, const AdminHandlers& handlers) {
  try {
    return plainResponse(request, http::status::ok, handlers.renderMetrics(), kMetricsContentType);
  } catch (const std::exception& e) {
    return plainResponse(request, http::status::internal_server_error,
                         std::string("rendering metrics failed: ") + e.what() + "\n");
  } catch (...) {
    return plainResponse(request, http::status::internal_server_error, "rendering metrics failed\n");
  }
}

AdminResponse readiness(const AdminRequest& request, const AdminHandlers& handlers) {
  std::vector<std::string> reasons;
  try {
    reasons = handlers.notReadyReasons();
  } catch (const std::exception& e) {
    reasons = {std::string("readiness check failed: ") + e.what()};
  } catch (...) {
    reasons = {"readiness check failed"};
  }
  if (reasons.empty()) return plainResponse(request, http::status::ok, "ready\n");
  return plainResponse(request, http::status::service_unavailable, joinReasons(reasons) + "\n");
}

}  // namespace

AdminResponse plainResponse(const AdminRequest& request, http::status status, std::string body,
                            const char* contentType) {
  AdminResponse response{status, request.version()};
  response.set(http::field::content_type, contentType);
  response.set(http::field::cache_control, "no-store");
  response.keep_alive(request.keep_alive());
  response.body() = std::move(body);
  response.prepare_payload();
  if (request.method() == http::verb::head) response.body().clear();
  return response;
}

AdminResponse routeAdminRequest(const AdminRequest& request, const AdminHandlers& handlers) {
  std::string_view target = request.target();
  target = target.substr(0, target.find('?'));
  const bool known = target == "/metrics" || target == "/healthz" || target == "/readyz";
  if (!known) return plainResponse(request, http::status::not_found, "not found\n");
  if (request.method() != http::verb::get && request.method() != http::verb::head) {
    auto response = plainResponse(request, http::status::method_not_allowed, "method not allowed\n");
    response.set(http::field::allow, "GET, HEAD");
    return response;
  }
  if (target == "/metrics") return metrics(request, handlers);
  if (target == "/healthz") return plainResponse(request, http::status::ok, "ok\n");
  return readiness(request, handlers);
}

}  // namespace warden::sidecar
