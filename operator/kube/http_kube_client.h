#pragma once

// KubeClient over HTTPS to a real API server, with cpprestsdk: TLS against the cluster CA (client certificate when
// configured), a bearer token read per request (so a rotated service-account token is picked up), JSON bodies,
// Status objects turned into one-line errors ("409 Conflict: Operation cannot be fulfilled on ...").
//
// Semantics beyond kube_client.h:
// - Every method catches what cpprest, pplx, OpenSSL or nlohmann throw and reports it in ApiResult/WatchResult
//   (status 0 when no HTTP answer came); nothing is logged, and no error ever contains the token.
// - list() and listPages() page with `limit` and follow `continue`; the result is a `<Kind>List` whose
//   metadata.resourceVersion is the first page's (all pages are one snapshot); an expired continue token is the
//   server's 410. listPages() hands each page's items over as it arrives.
// - watch() delivers ADDED, MODIFIED, DELETED and BOOKMARK events to onEvent on the calling thread, as each line
//   arrives. An ERROR event is not delivered: it ends the watch, with gone = true for 410/Expired and `error` set.
//   A watch that the server ends (timeoutSeconds) returns without an error; a broken connection returns its error.
//   `stop` is polled every 50 ms; the request is then cancelled and watch() returns within about a second.
//   lastResourceVersion is the resourceVersion of the last delivered event (bookmarks included), or the
//   starting version when none arrived.
// - Object names and namespaces are checked as path segments (no '/', '%', '?', '#', space, control or non-ASCII
//   bytes, "." or "..") before anything is sent, and percent-encoded where URLs need it ("system:x" stays as it
//   is). Object requests and create for a namespaced type need a namespace.
// - Redirects are never followed (the token must not travel to another host).
//
// Thread-safe: one client serves every informer, controller and the leader elector concurrently.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "operator/kube/kube_client.h"
#include "operator/kube/kube_config.h"

namespace warden::op {

struct HttpClientOptions {
  // Inactivity limit of one request (connect, TLS, each read). A watch gets its own: timeoutSeconds plus this.
  std::chrono::milliseconds requestTimeout{30000};
  std::string userAgent = "mcp-warden-operator";
};

class HttpKubeClient final : public KubeClient {
 public:
  // Use makeHttpKubeClient.
  struct Impl;
  explicit HttpKubeClient(std::unique_ptr<Impl> impl);
  ~HttpKubeClient() override;
  HttpKubeClient(const HttpKubeClient&) = delete;
  HttpKubeClient& operator=(const HttpKubeClient&) = delete;

  ApiResult get(const ResourceType& type, const std::string& ns, const std::string& name) override;
  ApiResult list(const ResourceType& type, const std::string& ns, const ListOptions& options) override;
  ApiResult listPages(const ResourceType& type, const std::string& ns, const ListOptions& options,
                      const std::function<void(nlohmann::json& items)>& onPage) override;
  WatchResult watch(const ResourceType& type, const std::string& ns, const WatchOptions& options,
                    const std::function<bool(const WatchEvent&)>& onEvent, const std::atomic<bool>& stop) override;
  ApiResult apply(const ResourceType& type, const std::string& ns, const std::string& name,
                  const nlohmann::json& object, const std::string& fieldManager, bool force) override;
  ApiResult applyStatus(const ResourceType& type, const std::string& ns, const std::string& name,
                        const nlohmann::json& object, const std::string& fieldManager, bool force) override;
  ApiResult create(const ResourceType& type, const std::string& ns, const nlohmann::json& object) override;
  ApiResult update(const ResourceType& type, const std::string& ns, const std::string& name,
                   const nlohmann::json& object) override;
  ApiResult remove(const ResourceType& type, const std::string& ns, const std::string& name) override;

  // Write requests sent (create, update, remove, apply, applyStatus), whatever their outcome; for metrics.
  ApiResult getPath(const std::string& path) override;
  std::uint64_t writeCount() const;
  // The server URL and where the configuration came from (never a credential), for logs.
  const std::string& server() const;
  const std::string& configSource() const;

 private:
  std::unique_ptr<Impl> impl_;
};

// nullptr with *error when the configuration cannot work: no server, a CA, certificate or key that does not parse,
// a key that does not match its certificate, a server URL cpprest refuses.
std::shared_ptr<HttpKubeClient> makeHttpKubeClient(KubeConfig config, HttpClientOptions options, std::string* error);

}  // namespace warden::op
