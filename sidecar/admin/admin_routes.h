#pragma once

#include <functional>
#include <string>
#include <vector>

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace warden::sidecar {

using AdminRequest = boost::beast::http::request<boost::beast::http::empty_body>;
using AdminResponse = boost::beast::http::response<boost::beast::http::string_body>;

// What the admin port reports. Both are required; they are called on the server's thread, one call at a time.
struct AdminHandlers {
  std::function<std::string()> renderMetrics;                // the /metrics body (Prometheus text 0.0.4)
  std::function<std::vector<std::string>()> notReadyReasons;  // empty: ready
};

inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// Routes one request (design D6): GET|HEAD /metrics, /healthz ("ok"), /readyz ("ready", or 503 with the reasons
// joined by "; "). An unknown path is 404, a known path with another method 405 (with Allow). The query string is
// ignored. A handler that throws gives 500 (/metrics) or 503 (/readyz). Never throws but std::bad_alloc.
AdminResponse routeAdminRequest(const AdminRequest& request, const AdminHandlers& handlers);

// A plain-text response with the request's version and keep-alive; for HEAD the body is left out but
// Content-Length still says what GET would send.
AdminResponse plainResponse(const AdminRequest& request, boost::beast::http::status status, std::string body,
                            const char* contentType = "text/plain; charset=utf-8");

}  // namespace warden::sidecar
