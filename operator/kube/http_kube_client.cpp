// <utility> before any Boost.Asio header (cpprest includes it): GCC 12 and Boost 1.74 (see sidecar/common/asio.h).
#include <utility>

#include "operator/kube/http_kube_client.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include <cpprest/containerstream.h>
#include <cpprest/http_client.h>
#include <pplx/pplxtasks.h>

#include "operator/kube/api_status.h"
#include "operator/kube/line_splitter.h"
#include "operator/kube/tls_setup.h"
#include "policy/quote.h"

namespace warden::op {
namespace {

namespace http = web::http;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr auto kStopPollInterval = std::chrono::milliseconds(50);
constexpr auto kSettleAfterCancel = std::chrono::seconds(1);
constexpr std::size_t kReadChunkBytes = 64 * 1024;
// etcd refuses values over 1.5 MiB; an event line is the object plus a small envelope.
constexpr std::size_t kMaxEventBytes = 16 * 1024 * 1024;
constexpr const char* kApplyPatchType = "application/apply-patch+yaml";
constexpr const char* kJsonType = "application/json";

// A one-shot flag a pplx continuation sets and a caller waits for with a timeout.
class Completion {
 public:
  void set() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    cv_.notify_all();
  }
  bool waitFor(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, timeout, [this] { return done_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
};

// A Completion set when `task` has finished (value, exception or cancellation). `keepAlive` (a buffer the task
// writes into) lives until then, even when the caller stops waiting. The continuation observes the task's
// exception: pplx kills the process (SIGTRAP) for a task whose exception nobody looked at, and a caller that
// stopped waiting never will. The caller's get() still sees it.
template <typename T, typename KeepAlive = std::nullptr_t>
std::shared_ptr<Completion> whenDone(const pplx::task<T>& task, KeepAlive keepAlive = nullptr) {
  auto completion = std::make_shared<Completion>();
  task.then([completion, keepAlive](const pplx::task<T>& finished) {
    try {
      finished.wait();
    } catch (...) {
      // Reported by the caller's get(), when it still cares.
    }
    completion->set();
  });
  return completion;
}

// Waits for the completion; false when `stop` became true first (the caller then cancels the request).
bool waitUnlessStopped(Completion& completion, const std::atomic<bool>& stop) {
  for (;;) {
    if (stop.load()) return completion.waitFor(std::chrono::milliseconds(0));
    if (completion.waitFor(kStopPollInterval)) return true;
  }
}

// Kubernetes path segments: what the API server's own ValidatePathSegmentName refuses, plus what would change the
// URL's structure or is not ASCII.
bool validPathSegment(const std::string& segment) {
  if (segment.empty() || segment == "." || segment == "..") return false;
  for (char c : segment) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f || c == '/' || c == '%' || c == '?' || c == '#') return false;
  }
  return true;
}

bool isUnreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

// Percent-encodes every byte but the unreserved ones and `keep`.
std::string percentEncode(const std::string& value, std::string_view keep = {}) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : value) {
    if (isUnreserved(c) || keep.find(c) != std::string_view::npos) {
      out.push_back(c);
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0x0f]);
    }
  }
  return out;
}

// A checked name or namespace as it goes into the path ("system:x" stays; '"', '<', '|' and the like are encoded).
std::string pathSegment(const std::string& segment) { return percentEncode(segment, ":@"); }

// The collection path for `ns`, or *error when the namespace cannot be sent.
std::optional<std::string> collectionPathFor(const ResourceType& type, const std::string& ns, bool needNamespace,
                                             std::string* error) {
  if (!ns.empty() && !validPathSegment(ns)) {
    *error = "invalid namespace " + policy::quoteForMessage(ns);
    return std::nullopt;
  }
  if (needNamespace && type.namespaced && ns.empty()) {
    *error = type.plural + " are namespaced: a namespace is needed";
    return std::nullopt;
  }
  return type.collectionPath(ns.empty() ? ns : pathSegment(ns));
}

// The object's path, or *error when the name or namespace cannot be sent.
std::optional<std::string> objectPathFor(const ResourceType& type, const std::string& ns, const std::string& name,
                                         std::string* error) {
  auto collection = collectionPathFor(type, ns, true, error);
  if (!collection) return std::nullopt;
  if (!validPathSegment(name)) {
    *error = "invalid name " + policy::quoteForMessage(name);
    return std::nullopt;
  }
  return *collection + "/" + pathSegment(name);
}

using Query = std::vector<std::pair<std::string, std::string>>;

std::string withQuery(const std::string& path, const Query& query) {
  std::string uri = path;
  char separator = '?';
  for (const auto& [key, value] : query) {
    uri += separator + key + "=" + percentEncode(value);
    separator = '&';
  }
  return uri;
}

std::string resourceVersionOf(const json& object) {
  if (!object.is_object()) return {};
  auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return {};
  auto version = metadata->find("resourceVersion");
  if (version == metadata->end() || !version->is_string()) return {};
  return version->get<std::string>();
}

void stampType(json& object, const ResourceType& type) {
  if (!object.is_object()) return;
  if (!object.contains("apiVersion")) object["apiVersion"] = type.apiVersion();
  if (!object.contains("kind")) object["kind"] = type.kind;
}

ApiResult refused(const std::string& message) {
  ApiResult result;
  result.error = message;
  return result;
}

struct Request {
  http::method method;
  std::string pathAndQuery;
  std::optional<std::string> body;
  std::string contentType;
  bool write = false;
};

}  // namespace

struct HttpKubeClient::Impl {
  KubeConfig config;
  HttpClientOptions options;
  std::shared_ptr<const TlsSetup> tls;
  std::unique_ptr<http::client::http_client> client;
  std::atomic<std::uint64_t> writes{0};

  http::client::http_client_config clientConfig(std::chrono::milliseconds timeout) const {
    http::client::http_client_config c;
    c.set_timeout(std::chrono::duration_cast<std::chrono::microseconds>(timeout));
    c.set_validate_certificates(!config.insecureSkipTlsVerify);
    c.set_max_redirects(0);
    std::shared_ptr<const TlsSetup> setup = tls;
    c.set_ssl_context_callback([setup](boost::asio::ssl::context& context) { setup->apply(context.native_handle()); });
    return c;
  }

  // The request with its headers; *error when no token can be had.
  std::optional<http::http_request> build(const Request& r, std::string* error) const {
    http::http_request request(r.method);
    request.set_request_uri(web::uri(r.pathAndQuery));
    std::string tokenError;
    const std::string token = config.currentToken(&tokenError);
    if (token.empty() && !config.tokenFile.empty()) {
      *error = "no bearer token: " + tokenError;
      return std::nullopt;
    }
    if (!token.empty()) request.headers().add(http::header_names::authorization, "Bearer " + token);
    request.headers().add(http::header_names::accept, kJsonType);
    request.headers().add(http::header_names::user_agent, options.userAgent);
    if (r.body) {
      // Bytes, not a std::string: cpprest's string body reads a char buffer through an unsigned char stream, which
      // UBSan rightly reports.
      std::vector<unsigned char> bytes(r.body->begin(), r.body->end());
      const auto length = bytes.size();
      request.set_body(concurrency::streams::bytestream::open_istream(std::move(bytes)), length, r.contentType);
    }
    return request;
  }

  // A transport failure (no HTTP answer) as one line, with the TLS verification failure when there was one.
  std::string transportError(const std::string& what, int code, Clock::time_point started,
                             std::chrono::milliseconds timeout) const {
    const std::string verify = tls->verifyFailureSince(started);
    if (!verify.empty()) {
      return "TLS handshake with " + config.server + " failed: the API server's certificate was refused: " + verify +
             " (trust anchors from " + config.source + ")";
    }
    if (code == ETIMEDOUT) {
      return "no answer from the API server at " + config.server + " within " + std::to_string(timeout.count()) +
             " ms (" + what + ")";
    }
    if (what.find("SSL") != std::string::npos || what.find("handshake") != std::string::npos) {
      return "TLS handshake with " + config.server + " failed (" + what + ")";
    }
    return "cannot reach the API server at " + config.server + ": " + what;
  }

  ApiResult send(const Request& r) {
    ApiResult result;
    const auto started = Clock::now();
    try {
      std::string error;
      auto request = build(r, &error);
      if (!request) return refused(error);
      if (r.write) writes.fetch_add(1, std::memory_order_relaxed);
      http::http_response response = client->request(*request).get();
      result.status = response.status_code();
      const std::string raw = response.extract_utf8string(true).get();
      json body = raw.empty() ? json() : json::parse(raw, nullptr, false);
      if (body.is_discarded()) body = json();
      if (result.ok()) {
        if (!raw.empty() && body.is_null()) {
          result.status = 0;
          result.error = "the API server answered " + std::to_string(response.status_code()) + " with a body that is "
                         "not JSON: " + policy::quoteForMessage(raw, 256);
          return result;
        }
        result.body = std::move(body);
        return result;
      }
      result.error = describeApiError(result.status, response.reason_phrase(), body, raw);
      result.body = std::move(body);
      return result;
    } catch (const http::http_exception& e) {
      result.status = 0;
      result.body = json();
      result.error = transportError(e.what(), e.error_code().value(), started, options.requestTimeout);
    } catch (const std::exception& e) {
      result.status = 0;
      result.body = json();
      result.error = std::string("request to the API server failed: ") + e.what();
    } catch (...) {
      result.status = 0;
      result.body = json();
      result.error = "request to the API server failed: unknown exception";
    }
    return result;
  }

  ApiResult write(http::method method, const std::string& pathAndQuery, const json& object,
                  const std::string& contentType) {
    Request r{std::move(method), pathAndQuery, object.dump(), contentType, true};
    return send(r);
  }

  ApiResult applyTo(const std::string& path, const json& object, const std::string& fieldManager, bool force) {
    if (fieldManager.empty()) return refused("server-side apply needs a field manager");
    if (!object.is_object()) return refused("server-side apply needs a JSON object");
    const Query query{{"fieldManager", fieldManager}, {"force", force ? "true" : "false"}};
    // JSON is YAML: the apply-patch content type takes the object as it is.
    return write(http::methods::PATCH, withQuery(path, query), object, kApplyPatchType);
  }

  WatchResult watch(const ResourceType& type, const std::string& ns, const WatchOptions& watchOptions,
                    const std::function<bool(const WatchEvent&)>& onEvent, const std::atomic<bool>& stop);
};

WatchResult HttpKubeClient::Impl::watch(const ResourceType& type, const std::string& ns,
                                        const WatchOptions& watchOptions,
                                        const std::function<bool(const WatchEvent&)>& onEvent,
                                        const std::atomic<bool>& stop) {
  WatchResult result;
  result.lastResourceVersion = watchOptions.resourceVersion;
  const auto started = Clock::now();
  const int serverTimeout = watchOptions.timeoutSeconds > 0 ? watchOptions.timeoutSeconds : 3600;
  const auto inactivity = std::chrono::milliseconds(std::chrono::seconds(serverTimeout)) + options.requestTimeout;
  pplx::cancellation_token_source cancel;
  try {
    std::string error;
    const auto path = collectionPathFor(type, ns, false, &error);
    if (!path) {
      result.error = error;
      return result;
    }
    Query query{{"watch", "1"}};
    if (!watchOptions.resourceVersion.empty()) query.emplace_back("resourceVersion", watchOptions.resourceVersion);
    if (watchOptions.allowBookmarks) query.emplace_back("allowWatchBookmarks", "true");
    query.emplace_back("timeoutSeconds", std::to_string(serverTimeout));
    if (!watchOptions.labelSelector.empty()) query.emplace_back("labelSelector", watchOptions.labelSelector);
    auto request = build(Request{http::methods::GET, withQuery(*path, query), std::nullopt, "", false}, &error);
    if (!request) {
      result.error = error;
      return result;
    }
    // A client of its own: its inactivity limit must outlast the server's timeout on a quiet watch.
    http::client::http_client watchClient(web::uri(config.server), clientConfig(inactivity));
    pplx::task<http::http_response> responseTask = watchClient.request(*request, cancel.get_token());
    auto responded = whenDone(responseTask);
    if (!waitUnlessStopped(*responded, stop)) {
      cancel.cancel();
      responded->waitFor(kSettleAfterCancel);
      return result;
    }
    http::http_response response = responseTask.get();
    result.status = response.status_code();
    if (result.status != http::status_codes::OK) {
      auto bodyTask = response.extract_utf8string(true);
      auto read = whenDone(bodyTask);
      if (!waitUnlessStopped(*read, stop)) {
        cancel.cancel();
        read->waitFor(kSettleAfterCancel);
        result.error = std::to_string(result.status) + " (stopped while reading the error)";
        return result;
      }
      const std::string raw = bodyTask.get();
      json body = raw.empty() ? json() : json::parse(raw, nullptr, false);
      if (body.is_discarded()) body = json();
      result.gone = result.status == http::status_codes::Gone || isGoneStatus(body);
      result.error = describeApiError(result.status, response.reason_phrase(), body, raw);
      return result;
    }

    auto stream = response.body().streambuf();
    auto buffer = std::make_shared<std::array<std::uint8_t, kReadChunkBytes>>();
    LineSplitter lines(kMaxEventBytes);
    bool more = true;
    while (more) {
      // What has arrived, or (nothing yet) the next byte: cpprest's body buffer completes a read only when it can
      // fill it, so asking for a full chunk would hold events back until 64 KiB or the end of the watch.
      const std::size_t want = std::clamp<std::size_t>(stream.in_avail(), 1, buffer->size());
      pplx::task<std::size_t> readTask = stream.getn(buffer->data(), want);
      auto read = whenDone(readTask, buffer);
      if (!waitUnlessStopped(*read, stop)) {
        cancel.cancel();
        read->waitFor(kSettleAfterCancel);
        return result;
      }
      std::size_t n = 0;
      try {
        n = readTask.get();
      } catch (const http::http_exception& e) {
        result.error = "the watch of " + *path + " broke: " +
                       transportError(e.what(), e.error_code().value(), started, inactivity);
        break;
      } catch (const std::exception& e) {
        result.error = "the watch of " + *path + " broke: " + e.what();
        break;
      }
      if (n == 0) {
        if (!lines.pending().empty()) result.error = "the watch of " + *path + " ended inside an event";
        break;
      }
      if (!lines.append(std::string_view(reinterpret_cast<const char*>(buffer->data()), n))) {
        result.error = "the watch of " + *path + " sent an event longer than " +
                       std::to_string(kMaxEventBytes) + " bytes";
        break;
      }
      while (more) {
        if (stop.load()) {
          more = false;
          break;
        }
        auto line = lines.next();
        if (!line) break;
        json event = json::parse(*line, nullptr, false);
        if (event.is_discarded() || !event.is_object() || !event["type"].is_string()) {
          result.error = "the watch of " + *path + " sent a line that is not an event: " +
                         policy::quoteForMessage(*line, 200);
          more = false;
          break;
        }
        WatchEvent delivered;
        delivered.type = event["type"].get<std::string>();
        delivered.object = std::move(event["object"]);
        if (delivered.type == "ERROR") {
          result.gone = isGoneStatus(delivered.object);
          result.error = describeStatusObject(delivered.object);
          more = false;
          break;
        }
        if (delivered.type != "ADDED" && delivered.type != "MODIFIED" && delivered.type != "DELETED" &&
            delivered.type != "BOOKMARK") {
          result.error = "the watch of " + *path + " sent an unknown event type " +
                         policy::quoteForMessage(delivered.type);
          more = false;
          break;
        }
        if (!delivered.object.is_object()) {
          result.error = "the watch of " + *path + " sent a " + delivered.type +
                         " event without an object";
          more = false;
          break;
        }
        if (delivered.type != "BOOKMARK") stampType(delivered.object, type);
        if (const std::string version = resourceVersionOf(delivered.object); !version.empty()) {
          result.lastResourceVersion = version;
        }
        try {
          more = onEvent(delivered);
        } catch (const std::exception& e) {
          result.error = std::string("the watch event handler threw: ") + e.what();
          more = false;
        } catch (...) {
          result.error = "the watch event handler threw an unknown exception";
          more = false;
        }
      }
    }
    // Ends the request when we stopped reading early; a finished one is not affected.
    cancel.cancel();
    return result;
  } catch (const http::http_exception& e) {
    result.error = transportError(e.what(), e.error_code().value(), started, options.requestTimeout);
  } catch (const std::exception& e) {
    result.error = std::string("the watch failed: ") + e.what();
  } catch (...) {
    result.error = "the watch failed: unknown exception";
  }
  cancel.cancel();
  return result;
}

HttpKubeClient::HttpKubeClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpKubeClient::~HttpKubeClient() = default;

ApiResult HttpKubeClient::get(const ResourceType& type, const std::string& ns, const std::string& name) {
  try {
    std::string error;
    const auto path = objectPathFor(type, ns, name, &error);
    if (!path) return refused(error);
    ApiResult result = impl_->send(Request{http::methods::GET, *path, std::nullopt, "", false});
    if (result.ok()) stampType(result.body, type);
    return result;
  } catch (const std::exception& e) {
    return refused(std::string("get failed: ") + e.what());
  }
}

ApiResult HttpKubeClient::list(const ResourceType& type, const std::string& ns, const ListOptions& options) {
  json items = json::array();
  ApiResult result = listPages(type, ns, options, [&items](json& page) {
    for (auto& item : page) items.push_back(std::move(item));
  });
  if (result.ok()) result.body["items"] = std::move(items);
  return result;
}

ApiResult HttpKubeClient::listPages(const ResourceType& type, const std::string& ns, const ListOptions& options,
                                   const std::function<void(json& items)>& onPage) {
  try {
    std::string error;
    const auto path = collectionPathFor(type, ns, false, &error);
    if (!path) return refused(error);
    std::string listVersion;
    std::string continueToken;
    for (int page = 0;; ++page) {
      Query query;
      if (!options.labelSelector.empty()) query.emplace_back("labelSelector", options.labelSelector);
      if (!options.fieldSelector.empty()) query.emplace_back("fieldSelector", options.fieldSelector);
      if (options.limit > 0) query.emplace_back("limit", std::to_string(options.limit));
      // The continue token carries the snapshot; a resourceVersion next to it is refused by the server.
      if (!continueToken.empty()) {
        query.emplace_back("continue", continueToken);
      } else if (!options.resourceVersion.empty()) {
        query.emplace_back("resourceVersion", options.resourceVersion);
      }
      ApiResult pageResult = impl_->send(Request{http::methods::GET, withQuery(*path, query), std::nullopt, "", false});
      if (!pageResult.ok()) return pageResult;
      json& body = pageResult.body;
      const auto itemsField = body.is_object() ? body.find("items") : body.end();
      if (!body.is_object() || (itemsField != body.end() && !itemsField->is_array() && !itemsField->is_null())) {
        return refused("the API server's list of " + *path + " has no items array");
      }
      if (page == 0) listVersion = resourceVersionOf(body);
      if (itemsField != body.end() && itemsField->is_array()) {
        for (auto& item : *itemsField) stampType(item, type);
        onPage(*itemsField);
      }
      std::string next;
      const auto metadata = body.find("metadata");
      if (metadata != body.end() && metadata->is_object()) {
        const auto token = metadata->find("continue");
        if (token != metadata->end() && token->is_string()) next = token->get<std::string>();
      }
      if (next.empty()) break;
      if (next == continueToken) return refused("the API server repeated a continue token listing " + *path);
      continueToken = std::move(next);
    }
    ApiResult result;
    result.status = http::status_codes::OK;
    result.body = json{{"apiVersion", type.apiVersion()},
                       {"kind", type.kind + "List"},
                       {"metadata", {{"resourceVersion", listVersion}}}};
    return result;
  } catch (const std::exception& e) {
    return refused(std::string("list failed: ") + e.what());
  }
}

WatchResult HttpKubeClient::watch(const ResourceType& type, const std::string& ns, const WatchOptions& options,
                                  const std::function<bool(const WatchEvent&)>& onEvent,
                                  const std::atomic<bool>& stop) {
  try {
    return impl_->watch(type, ns, options, onEvent, stop);
  } catch (...) {
    WatchResult result;
    result.lastResourceVersion = options.resourceVersion;
    result.error = "the watch failed: out of memory";
    return result;
  }
}

ApiResult HttpKubeClient::apply(const ResourceType& type, const std::string& ns, const std::string& name,
                                const nlohmann::json& object, const std::string& fieldManager, bool force) {
  try {
    std::string error;
    const auto path = objectPathFor(type, ns, name, &error);
    if (!path) return refused(error);
    return impl_->applyTo(*path, object, fieldManager, force);
  } catch (const std::exception& e) {
    return refused(std::string("apply failed: ") + e.what());
  }
}

ApiResult HttpKubeClient::applyStatus(const ResourceType& type, const std::string& ns, const std::string& name,
                                      const nlohmann::json& object, const std::string& fieldManager, bool force) {
  try {
    std::string error;
    const auto path = objectPathFor(type, ns, name, &error);
    if (!path) return refused(error);
    return impl_->applyTo(*path + "/status", object, fieldManager, force);
  } catch (const std::exception& e) {
    return refused(std::string("apply of status failed: ") + e.what());
  }
}

ApiResult HttpKubeClient::create(const ResourceType& type, const std::string& ns, const nlohmann::json& object) {
  try {
    std::string error;
    const auto path = collectionPathFor(type, ns, true, &error);
    if (!path) return refused(error);
    if (!object.is_object()) return refused("create needs a JSON object");
    return impl_->write(http::methods::POST, *path, object, kJsonType);
  } catch (const std::exception& e) {
    return refused(std::string("create failed: ") + e.what());
  }
}

ApiResult HttpKubeClient::update(const ResourceType& type, const std::string& ns, const std::string& name,
                                 const nlohmann::json& object) {
  try {
    std::string error;
    const auto path = objectPathFor(type, ns, name, &error);
    if (!path) return refused(error);
    if (!object.is_object()) return refused("update needs a JSON object");
    return impl_->write(http::methods::PUT, *path, object, kJsonType);
  } catch (const std::exception& e) {
    return refused(std::string("update failed: ") + e.what());
  }
}

ApiResult HttpKubeClient::remove(const ResourceType& type, const std::string& ns, const std::string& name) {
  try {
    std::string error;
    const auto path = objectPathFor(type, ns, name, &error);
    if (!path) return refused(error);
    return impl_->send(Request{http::methods::DEL, *path, std::nullopt, "", true});
  } catch (const std::exception& e) {
    return refused(std::string("delete failed: ") + e.what());
  }
}

ApiResult HttpKubeClient::getPath(const std::string& path) {
  try {
    // Only absolute paths without a query: what discovery and /version need, nothing a caller could smuggle.
    if (path.empty() || path[0] != '/' || path.find_first_of("?#%") != std::string::npos || path.find("..") != std::string::npos)
      return refused("refusing to GET " + path);
    return impl_->send(Request{http::methods::GET, path, std::nullopt, "", false});
  } catch (const std::exception& e) {
    return refused(std::string("get failed: ") + e.what());
  }
}

std::uint64_t HttpKubeClient::writeCount() const { return impl_->writes.load(std::memory_order_relaxed); }
const std::string& HttpKubeClient::server() const { return impl_->config.server; }
const std::string& HttpKubeClient::configSource() const { return impl_->config.source; }

std::shared_ptr<HttpKubeClient> makeHttpKubeClient(KubeConfig config, HttpClientOptions options, std::string* error) {
  const std::string server = config.server;
  try {
    if (config.server.empty()) {
      *error = "no API server URL in the configuration (" + config.source + ")";
      return nullptr;
    }
    if (options.requestTimeout <= std::chrono::milliseconds(0)) {
      *error = "the request timeout must be positive";
      return nullptr;
    }
    auto impl = std::make_unique<HttpKubeClient::Impl>();
    std::string reason;
    impl->tls = TlsSetup::create(config, &reason);
    if (!impl->tls) {
      *error = "TLS configuration from " + config.source + ": " + reason;
      return nullptr;
    }
    impl->config = std::move(config);
    impl->options = std::move(options);
    impl->client = std::make_unique<http::client::http_client>(web::uri(impl->config.server),
                                                               impl->clientConfig(impl->options.requestTimeout));
    return std::make_shared<HttpKubeClient>(std::move(impl));
  } catch (const std::exception& e) {
    *error = "cannot create the API client for " + server + ": " + e.what();
    return nullptr;
  }
}

}  // namespace warden::op
