#pragma once

// Where the operator finds the Kubernetes API and how it authenticates: a kubeconfig file (kubectl's format) or the
// pod's service account (in-cluster), chosen as client-go does. Loading validates everything it can (URLs, PEM
// blocks, readable files), so a bad configuration fails at start with a message that names the file and the field.

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace warden::op {

inline constexpr const char* kServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

// The cached contents of a token file; shared by the copies of one KubeConfig. Thread-safe.
class TokenFileCache;
std::shared_ptr<TokenFileCache> newTokenFileCache();

struct KubeConfig {
  std::string server;  // "https://host[:port][/path prefix]", no trailing '/'
  std::string caPem;   // the cluster's CA certificates (PEM); empty: the system's trust roots
  std::string clientCertPem, clientKeyPem;
  std::string token;      // a static bearer token
  std::string tokenFile;  // a bearer token re-read when the file changes; wins over `token`
  bool insecureSkipTlsVerify = false;
  std::string namespace_;  // the context's (or the service account's) namespace; "" when none was given
  std::string source;      // where this came from, for logs: "kubeconfig /x/config, context kind-dev", "in-cluster"

  // The bearer token to send now: the token file's contents (trimmed; re-read when its identity, size or mtime
  // changed, as kubelet rotates projected service-account tokens by swapping a symlink, and at least every
  // minute), else `token`. When the
  // file cannot be read the last token read from it is returned and *error (if given) says why; "" when there is
  // none. Thread-safe; never throws (bad_alloc aside).
  std::string currentToken(std::string* error = nullptr) const;

  // Copies share it (it is keyed by the file's path); null: the file is read on every call.
  std::shared_ptr<TokenFileCache> tokenCache = newTokenFileCache();
};

// Reads an environment variable; nullopt when unset. The default reads the process environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup processEnvironment();

// In-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT (both required; an IPv6 host is bracketed) and the
// service-account directory's token (required, used as tokenFile so rotation is picked up), ca.crt (required) and
// namespace (optional). nullopt with *error naming what is missing.
std::optional<KubeConfig> loadInClusterConfig(std::string* error,
                                              const std::string& serviceAccountDir = kServiceAccountDir,
                                              const EnvLookup& env = processEnvironment());

// A kubeconfig file; `context` "" means its current-context. Supported: clusters (server, certificate-authority
// file or certificate-authority-data, insecure-skip-tls-verify), users (client-certificate(-data),
// client-key(-data), token, tokenFile), contexts (cluster, user, namespace). Relative file paths are resolved
// against the kubeconfig's directory. Refused, with a message saying so: exec and auth-provider plugins,
// username/password, impersonation, proxy-url, tls-server-name, non-https servers, and a CA together with
// insecure-skip-tls-verify (as kubectl does).
std::optional<KubeConfig> loadKubeconfig(const std::string& path, const std::string& context, std::string* error);

// client-go's order: the --kubeconfig flag when given, else $KUBECONFIG (the first file of a ':' list), else
// in-cluster when KUBERNETES_SERVICE_HOST is set, else ~/.kube/config ($HOME). Each in its current context.
std::optional<KubeConfig> resolveKubeConfig(const std::string& flagPath, std::string* error,
                                            const EnvLookup& env = processEnvironment(),
                                            const std::string& serviceAccountDir = kServiceAccountDir);

}  // namespace warden::op
