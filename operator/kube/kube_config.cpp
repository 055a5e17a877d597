#include "operator/kube/kube_config.h"

#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/kube/base64.h"
#include "policy/field_error.h"
#include "policy/quote.h"
#include "policy/yaml_to_json.h"
#include "sidecar/identity/file_io.h"
#include "sidecar/identity/svid.h"

namespace warden::op {

namespace fs = std::filesystem;
using nlohmann::json;
using policy::quoteForMessage;

class TokenFileCache {
 public:
  std::mutex mutex;
  std::string path;   // the file the fields below describe
  std::string token;  // the last token read from it; "" when none was
  bool identityValid = false;  // the file's identity below is that of the file `token` was read from
  dev_t device = 0;
  ino_t inode = 0;
  off_t size = 0;
  struct timespec mtime {};
  std::chrono::steady_clock::time_point readAt{};
};

std::shared_ptr<TokenFileCache> newTokenFileCache() { return std::make_shared<TokenFileCache>(); }

namespace {

constexpr std::size_t kMaxTokenBytes = 64 * 1024;
// A file rewritten in place within one timestamp tick, at the same size, looks unchanged: re-read it anyway after
// this long (client-go re-reads token files every minute).
constexpr auto kMaxTokenAge = std::chrono::seconds(60);
constexpr std::size_t kMaxKubeconfigBytes = 4 * 1024 * 1024;
constexpr std::size_t kMaxPemBytes = 1024 * 1024;

std::string trimSpace(std::string_view text) {
  const auto isSpace = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; };
  std::size_t begin = 0, end = text.size();
  while (begin < end && isSpace(text[begin])) ++begin;
  while (end > begin && isSpace(text[end - 1])) --end;
  return std::string(text.substr(begin, end - begin));
}

void setError(std::string* error, std::string message) {
  if (error != nullptr) *error = std::move(message);
}

// The token in `path`, trimmed; nullopt with *error when unreadable or empty.
std::optional<std::string> readToken(const std::string& path, std::string* error) {
  auto text = sidecar::readFileBounded(path, kMaxTokenBytes, error);
  if (!text) return std::nullopt;
  std::string token = trimSpace(*text);
  if (token.empty()) {
    *error = "token file " + path + " is empty";
    return std::nullopt;
  }
  return token;
}

bool sameFile(const TokenFileCache& cache, const std::string& path, const struct stat& info) {
  return cache.identityValid && cache.path == path && std::chrono::steady_clock::now() - cache.readAt < kMaxTokenAge &&
         cache.device == info.st_dev && cache.inode == info.st_ino && cache.size == info.st_size &&
         cache.mtime.tv_sec == info.st_mtim.tv_sec && cache.mtime.tv_nsec == info.st_mtim.tv_nsec;
}

bool validPemCertificates(const std::string& pem, std::string* reason) {
  return sidecar::parsePemCertificates(pem, reason).has_value();
}

// "https://host[:port][/prefix]" checked; the returned URL has no trailing '/'.
std::optional<std::string> checkServerUrl(const std::string& server, std::string* reason) {
  constexpr std::string_view scheme = "https://";
  if (!server.starts_with(scheme)) {
    *reason = quoteForMessage(server) + " is not an https:// URL (plain HTTP would expose the credentials)";
    return std::nullopt;
  }
  const std::string rest = server.substr(scheme.size());
  const std::size_t slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  if (authority.empty()) {
    *reason = quoteForMessage(server) + " has no host";
    return std::nullopt;
  }
  for (char c : server) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == '?' || c == '#' || static_cast<unsigned char>(c) >= 0x7f) {
      *reason = quoteForMessage(server) + " must be a plain URL without spaces, query or fragment";
      return std::nullopt;
    }
  }
  if (authority.find('@') != std::string::npos) {
    *reason = quoteForMessage(server) + " must not carry credentials";
    return std::nullopt;
  }
  std::string url = server;
  while (url.size() > scheme.size() + authority.size() && url.back() == '/') url.pop_back();
  return url;
}

// ---------------------------------------------------------------------------------------------------------------
// kubeconfig reading

class KubeconfigReader {
 public:
  KubeconfigReader(std::string path, std::string* error) : path_(std::move(path)), error_(error) {
    std::error_code ec;
    fs::path absolute = fs::absolute(path_, ec);
    dir_ = (ec ? fs::path(path_) : absolute).parent_path();
  }

  std::optional<KubeConfig> load(const std::string& contextName) {
    std::string reason;
    const auto text = sidecar::readFileBounded(path_, kMaxKubeconfigBytes, &reason);
    if (!text) return fail("", reason);
    policy::FieldErrors errors;
    auto documents = policy::yamlToJson(*text, errors);
    if (!errors.empty()) return fail("", "not valid YAML: " + errors.front().toString());
    if (documents.size() != 1 || !documents.front().value.is_object()) {
      return fail("", "expected one YAML document holding a Config object");
    }
    const json& root = documents.front().value;
    if (auto kind = root.find("kind"); kind != root.end() && *kind != "Config") {
      const std::string value = kind->is_string() ? kind->get<std::string>() : kind->dump();
      return fail("kind", "is " + quoteForMessage(value) + ", expected \"Config\"");
    }

    std::string name = contextName;
    if (name.empty()) {
      if (!stringField(root, "current-context", "current-context", &name)) return std::nullopt;
      if (name.empty()) return fail("", "has no current-context (name a context)");
    }
    const json* contextEntry = findNamed(root, "contexts", name);
    if (contextEntry == nullptr) {
      if (!ok_) return std::nullopt;
      return fail("contexts", "no context named " + quoteForMessage(name));
    }
    const std::string contextPath = "contexts[" + name + "].context";
    const json* context = objectField(*contextEntry, "context", contextPath);
    if (context == nullptr) return ok_ ? fail(contextPath, "missing") : std::nullopt;

    std::string clusterName, userName, ns;
    if (!stringField(*context, "cluster", contextPath + ".cluster", &clusterName) ||
        !stringField(*context, "user", contextPath + ".user", &userName) ||
        !stringField(*context, "namespace", contextPath + ".namespace", &ns)) {
      return std::nullopt;
    }
    if (clusterName.empty()) return fail(contextPath + ".cluster", "missing");

    KubeConfig config;
    config.namespace_ = ns;
    config.source = "kubeconfig " + path_ + ", context " + name;
    if (!readCluster(root, clusterName, &config)) return std::nullopt;
    if (!userName.empty() && !readUser(root, userName, &config)) return std::nullopt;
    return config;
  }

 private:
  std::nullopt_t fail(const std::string& field, const std::string& message) {
    ok_ = false;
    std::string text = "kubeconfig " + path_ + ": ";
    if (!field.empty()) text += field + ": ";
    setError(error_, text + message);
    return std::nullopt;
  }

  // The entry {name: <name>, <...>} of the list root[listKey]; nullptr when absent (ok_ false on a malformed list).
  const json* findNamed(const json& root, const std::string& listKey, const std::string& name) {
    auto list = root.find(listKey);
    if (list == root.end() || list->is_null()) return nullptr;
    if (!list->is_array()) {
      fail(listKey, "must be a list");
      return nullptr;
    }
    const json* found = nullptr;
    for (std::size_t i = 0; i < list->size(); ++i) {
      const json& entry = (*list)[i];
      const auto entryName = entry.is_object() ? entry.find("name") : entry.end();
      if (!entry.is_object() || entryName == entry.end() || !entryName->is_string()) {
        fail(listKey + "[" + std::to_string(i) + "]", "must be an object with a string name");
        return nullptr;
      }
      if (*entryName == name) {
        if (found != nullptr) {
          fail(listKey, "two entries are named " + quoteForMessage(name));
          return nullptr;
        }
        found = &entry;
      }
    }
    return found;
  }

  const json* objectField(const json& object, const std::string& key, const std::string& fieldPath) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return nullptr;
    if (!it->is_object()) {
      fail(fieldPath, "must be a mapping");
      return nullptr;
    }
    return &*it;
  }

  // Absent or null leaves *out unchanged and succeeds.
  bool stringField(const json& object, const std::string& key, const std::string& fieldPath, std::string* out) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return true;
    if (!it->is_string()) {
      fail(fieldPath, "must be a string");
      return false;
    }
    *out = it->get<std::string>();
    return true;
  }

  bool boolField(const json& object, const std::string& key, const std::string& fieldPath, bool* out) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return true;
    if (!it->is_boolean()) {
      fail(fieldPath, "must be true or false");
      return false;
    }
    *out = it->get<bool>();
    return true;
  }

  bool present(const json& object, const std::string& key) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return false;
    if (it->is_string() || it->is_array() || it->is_object()) return !it->empty();
    return true;
  }

  std::string resolve(const std::string& file) const {
    fs::path p(file);
    if (p.is_absolute()) return p.string();
    return (dir_ / p).lexically_normal().string();
  }

  // The contents of "<key>-data" (base64) or "<key>" (a file), whichever is given; both is an error.
  bool readData(const json& object, const std::string& fieldPath, const std::string& fileKey,
                const std::string& dataKey, std::string* out) {
    std::string file, data;
    if (!stringField(object, fileKey, fieldPath + "." + fileKey, &file) ||
        !stringField(object, dataKey, fieldPath + "." + dataKey, &data)) {
      return false;
    }
    if (!file.empty() && !data.empty()) {
      fail(fieldPath, fileKey + " and " + dataKey + " are both given; give one");
      return false;
    }
    if (!data.empty()) {
      auto decoded = decodeBase64(data);
      if (!decoded) {
        fail(fieldPath + "." + dataKey, "is not valid base64");
        return false;
      }
      *out = std::move(*decoded);
      return true;
    }
    if (!file.empty()) {
      std::string reason;
      auto text = sidecar::readFileBounded(resolve(file), kMaxPemBytes, &reason);
      if (!text) {
        fail(fieldPath + "." + fileKey, reason);
        return false;
      }
      *out = std::move(*text);
    }
    return true;
  }

  bool readCluster(const json& root, const std::string& clusterName, KubeConfig* config) {
    const json* entry = findNamed(root, "clusters", clusterName);
    if (entry == nullptr) {
      if (ok_) fail("clusters", "no cluster named " + quoteForMessage(clusterName));
      return false;
    }
    const std::string fieldPath = "clusters[" + clusterName + "].cluster";
    const json* cluster = objectField(*entry, "cluster", fieldPath);
    if (cluster == nullptr) {
      if (ok_) fail(fieldPath, "missing");
      return false;
    }
    for (const char* refused : {"proxy-url", "tls-server-name"}) {
      if (present(*cluster, refused)) {
        fail(fieldPath + "." + refused, "is not supported by mcp-warden-operator");
        return false;
      }
    }
    std::string server;
    if (!stringField(*cluster, "server", fieldPath + ".server", &server)) return false;
    if (server.empty()) {
      fail(fieldPath + ".server", "missing");
      return false;
    }
    std::string reason;
    auto url = checkServerUrl(server, &reason);
    if (!url) {
      fail(fieldPath + ".server", reason);
      return false;
    }
    config->server = *url;
    if (!boolField(*cluster, "insecure-skip-tls-verify", fieldPath + ".insecure-skip-tls-verify",
                   &config->insecureSkipTlsVerify) ||
        !readData(*cluster, fieldPath, "certificate-authority", "certificate-authority-data", &config->caPem)) {
      return false;
    }
    if (config->insecureSkipTlsVerify && !config->caPem.empty()) {
      fail(fieldPath, "a certificate authority together with insecure-skip-tls-verify is not allowed");
      return false;
    }
    if (!config->caPem.empty() && !validPemCertificates(config->caPem, &reason)) {
      fail(fieldPath + ".certificate-authority", reason);
      return false;
    }
    return true;
  }

  bool readUser(const json& root, const std::string& userName, KubeConfig* config) {
    const json* entry = findNamed(root, "users", userName);
    if (entry == nullptr) {
      if (ok_) fail("users", "no user named " + quoteForMessage(userName));
      return false;
    }
    const std::string fieldPath = "users[" + userName + "].user";
    const json* user = objectField(*entry, "user", fieldPath);
    if (user == nullptr) return ok_;  // a user without credentials
    if (present(*user, "exec")) {
      fail(fieldPath + ".exec", "exec credential plugins are not supported; use a token, a token file or a client "
                                "certificate");
      return false;
    }
    if (present(*user, "auth-provider")) {
      fail(fieldPath + ".auth-provider", "auth-provider plugins are not supported; use a token, a token file or a "
                                         "client certificate");
      return false;
    }
    for (const char* refused : {"username", "password"}) {
      if (present(*user, refused)) {
        fail(fieldPath + "." + refused, "basic authentication is not supported");
        return false;
      }
    }
    for (const char* refused : {"as", "as-uid", "as-groups", "as-user-extra"}) {
      if (present(*user, refused)) {
        fail(fieldPath + "." + refused, "impersonation is not supported");
        return false;
      }
    }
    std::string tokenFile;
    if (!readData(*user, fieldPath, "client-certificate", "client-certificate-data", &config->clientCertPem) ||
        !readData(*user, fieldPath, "client-key", "client-key-data", &config->clientKeyPem) ||
        !stringField(*user, "token", fieldPath + ".token", &config->token) ||
        !stringField(*user, "tokenFile", fieldPath + ".tokenFile", &tokenFile)) {
      return false;
    }
    if (config->clientCertPem.empty() != config->clientKeyPem.empty()) {
      fail(fieldPath, config->clientCertPem.empty() ? "client-key given without client-certificate"
                                                    : "client-certificate given without client-key");
      return false;
    }
    std::string reason;
    if (!config->clientCertPem.empty()) {
      if (!validPemCertificates(config->clientCertPem, &reason)) {
        fail(fieldPath + ".client-certificate", reason);
        return false;
      }
      if (!sidecar::parsePemPrivateKey(config->clientKeyPem, &reason)) {
        fail(fieldPath + ".client-key", reason);
        return false;
      }
    }
    if (!tokenFile.empty()) {
      config->tokenFile = resolve(tokenFile);
      if (!readToken(config->tokenFile, &reason)) {
        fail(fieldPath + ".tokenFile", reason);
        return false;
      }
    }
    return true;
  }

  std::string path_;
  fs::path dir_;
  std::string* error_;
  bool ok_ = true;
};

}  // namespace

std::string KubeConfig::currentToken(std::string* error) const {
  if (tokenFile.empty()) return token;
  try {
    std::string reason;
    if (!tokenCache) {
      auto fresh = readToken(tokenFile, &reason);
      if (!fresh) setError(error, reason);
      return fresh.value_or("");
    }
    std::lock_guard<std::mutex> lock(tokenCache->mutex);
    struct stat info {};
    const bool statted = ::stat(tokenFile.c_str(), &info) == 0;
    if (statted && sameFile(*tokenCache, tokenFile, info)) return tokenCache->token;
    auto fresh = readToken(tokenFile, &reason);
    if (!fresh) {
      setError(error, reason);
      // Keep using the last token read from this file: kubelet replaces it atomically, so a failed read is
      // transient, and the API server decides whether the old token is still good. Until a read succeeds, every
      // call tries again, whatever the file's identity.
      tokenCache->identityValid = false;
      return tokenCache->path == tokenFile ? tokenCache->token : std::string();
    }
    tokenCache->path = tokenFile;
    tokenCache->token = std::move(*fresh);
    // The identity from before the read: if the file changed meanwhile, the next call sees a difference.
    tokenCache->identityValid = statted;
    tokenCache->device = info.st_dev;
    tokenCache->inode = info.st_ino;
    tokenCache->size = info.st_size;
    tokenCache->mtime = info.st_mtim;
    tokenCache->readAt = std::chrono::steady_clock::now();
    return tokenCache->token;
  } catch (const std::exception& e) {
    setError(error, std::string("cannot read token file ") + tokenFile + ": " + e.what());
    return {};
  }
}

EnvLookup processEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

std::optional<KubeConfig> loadInClusterConfig(std::string* error, const std::string& serviceAccountDir,
                                              const EnvLookup& env) {
  try {
    const std::string host = env("KUBERNETES_SERVICE_HOST").value_or("");
    const std::string port = env("KUBERNETES_SERVICE_PORT").value_or("");
    if (host.empty() || port.empty()) {
      setError(error, "in-cluster configuration needs KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT (is this "
                      "running in a pod?)");
      return std::nullopt;
    }
    const bool portOk = port.size() <= 5 && port.find_first_not_of("0123456789") == std::string::npos &&
                        std::stoi(port) >= 1 && std::stoi(port) <= 65535;
    if (!portOk) {
      setError(error, "KUBERNETES_SERVICE_PORT " + quoteForMessage(port) + " is not a port number");
      return std::nullopt;
    }
    if (host.find_first_of("/@?# []") != std::string::npos) {
      setError(error, "KUBERNETES_SERVICE_HOST " + quoteForMessage(host) + " is not a host name or address");
      return std::nullopt;
    }
    KubeConfig config;
    const bool ipv6 = host.find(':') != std::string::npos;
    config.server = "https://" + (ipv6 ? "[" + host + "]" : host) + ":" + port;
    config.source = "in-cluster (service account " + serviceAccountDir + ")";

    std::string reason;
    config.tokenFile = serviceAccountDir + "/token";
    if (!readToken(config.tokenFile, &reason)) {
      setError(error, "in-cluster configuration: " + reason);
      return std::nullopt;
    }
    const std::string caPath = serviceAccountDir + "/ca.crt";
    auto ca = sidecar::readFileBounded(caPath, kMaxPemBytes, &reason);
    if (!ca) {
      setError(error, "in-cluster configuration: " + reason);
      return std::nullopt;
    }
    if (!validPemCertificates(*ca, &reason)) {
      setError(error, "in-cluster configuration: " + caPath + ": " + reason);
      return std::nullopt;
    }
    config.caPem = std::move(*ca);
    const std::string namespacePath = serviceAccountDir + "/namespace";
    std::error_code ec;
    if (fs::exists(namespacePath, ec)) {
      auto ns = sidecar::readFileBounded(namespacePath, 4096, &reason);
      if (!ns) {
        setError(error, "in-cluster configuration: " + reason);
        return std::nullopt;
      }
      config.namespace_ = trimSpace(*ns);
    }
    return config;
  } catch (const std::exception& e) {
    setError(error, std::string("in-cluster configuration: ") + e.what());
    return std::nullopt;
  }
}

std::optional<KubeConfig> loadKubeconfig(const std::string& path, const std::string& context, std::string* error) {
  try {
    KubeconfigReader reader(path, error);
    return reader.load(context);
  } catch (const std::exception& e) {
    setError(error, "kubeconfig " + path + ": " + e.what());
    return std::nullopt;
  }
}

std::optional<KubeConfig> resolveKubeConfig(const std::string& flagPath, std::string* error, const EnvLookup& env,
                                            const std::string& serviceAccountDir) {
  try {
    if (!flagPath.empty()) return loadKubeconfig(flagPath, "", error);
    const std::string list = env("KUBECONFIG").value_or("");
    std::size_t start = 0;
    while (start <= list.size()) {
      const std::size_t end = std::min(list.find(':', start), list.size());
      const std::string first = list.substr(start, end - start);
      if (!first.empty()) return loadKubeconfig(first, "", error);
      start = end + 1;
    }
    if (!env("KUBERNETES_SERVICE_HOST").value_or("").empty()) {
      return loadInClusterConfig(error, serviceAccountDir, env);
    }
    const std::string home = env("HOME").value_or("");
    if (home.empty()) {
      setError(error, "no Kubernetes configuration: no --kubeconfig, KUBECONFIG unset, not in a cluster "
                      "(KUBERNETES_SERVICE_HOST unset) and HOME unset");
      return std::nullopt;
    }
    const std::string fallback = home + "/.kube/config";
    std::error_code ec;
    if (!fs::exists(fallback, ec)) {
      setError(error, "no Kubernetes configuration: no --kubeconfig, KUBECONFIG unset, not in a cluster "
                      "(KUBERNETES_SERVICE_HOST unset) and " + fallback + " does not exist");
      return std::nullopt;
    }
    return loadKubeconfig(fallback, "", error);
  } catch (const std::exception& e) {
    setError(error, std::string("Kubernetes configuration: ") + e.what());
    return std::nullopt;
  }
}

}  // namespace warden::op
