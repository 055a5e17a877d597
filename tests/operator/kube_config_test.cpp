#include "operator/kube/kube_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <vector>

#include "kube_test_support.h"

namespace warden::op {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using testing::TestPki;
using testing::writeFile;

std::string base64(const std::string& bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], kAlphabet[v & 63]};
  }
  if (i + 1 == bytes.size()) {
    const unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    out += {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == bytes.size()) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8);
    out += {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], '='};
  }
  return out;
}

EnvLookup fakeEnv(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

// One PKI for the whole suite: key generation is the slow part.
const TestPki& pki() {
  static const TestPki instance("kubeconfig");
  return instance;
}
const testing::KeyPair& clientPair() {
  static const testing::KeyPair pair = pki().client("alice");
  return pair;
}

// ---------------------------------------------------------------------------------------------------------------
// kubeconfig

class KubeconfigTest : public ::testing::Test {
 protected:
  std::string write(const std::string& yaml, const std::string& name = "config") {
    const std::string path = dir_ / name;
    writeFile(path, yaml);
    return path;
  }

  std::optional<KubeConfig> load(const std::string& path, const std::string& context = "") {
    error_.clear();
    return loadKubeconfig(path, context, &error_);
  }

  // Loads `yaml` expecting a failure whose message names the file and contains every fragment.
  void expectError(const std::string& yaml, const std::vector<std::string>& fragments) {
    const std::string path = write(yaml);
    auto config = load(path);
    EXPECT_FALSE(config.has_value()) << yaml;
    EXPECT_NE(error_.find("kubeconfig " + path + ": "), std::string::npos) << error_;
    for (const auto& fragment : fragments) EXPECT_NE(error_.find(fragment), std::string::npos) << error_;
  }

  // A valid kubeconfig around one cluster body and one user body (YAML, indented 4).
  static std::string around(const std::string& cluster, const std::string& user) {
    return "apiVersion: v1\nkind: Config\ncurrent-context: dev\n"
           "contexts:\n- name: dev\n  context: {cluster: c, user: u}\n"
           "clusters:\n- name: c\n  cluster:\n" + cluster +
           "users:\n- name: u\n  user:\n" + user;
  }

  TempDir dir_;
  std::string error_;
};

TEST_F(KubeconfigTest, CurrentContextWithFilesRelativeToItsDirectory) {
  writeFile(dir_ / "pki/ca.crt", pki().caPem());
  writeFile(dir_ / "pki/alice.crt", clientPair().certificatePem);
  writeFile(dir_ / "pki/alice.key", clientPair().keyPem);
  const std::string path = write(R"(apiVersion: v1
kind: Config
current-context: dev
contexts:
- name: prod
  context: {cluster: prod, user: bob}
- name: dev
  context:
    cluster: dev-cluster
    user: alice
    namespace: tools
clusters:
- name: prod
  cluster: {server: "https://prod.example:6443"}
- name: dev-cluster
  cluster:
    server: https://127.0.0.1:6443/
    certificate-authority: pki/ca.crt
users:
- name: bob
  user: {token: bob-token}
- name: alice
  user:
    client-certificate: pki/alice.crt
    client-key: ./pki/../pki/alice.key
)");
  auto config = load(path);
  ASSERT_TRUE(config) << error_;
  EXPECT_EQ(config->server, "https://127.0.0.1:6443");
  EXPECT_EQ(config->caPem, pki().caPem());
  EXPECT_EQ(config->clientCertPem, clientPair().certificatePem);
  EXPECT_EQ(config->clientKeyPem, clientPair().keyPem);
  EXPECT_EQ(config->namespace_, "tools");
  EXPECT_TRUE(config->token.empty());
  EXPECT_TRUE(config->tokenFile.empty());
  EXPECT_FALSE(config->insecureSkipTlsVerify);
  EXPECT_EQ(config->source, "kubeconfig " + path + ", context dev");
  EXPECT_EQ(config->currentToken(), "");
}

TEST_F(KubeconfigTest, RelativePathOfTheKubeconfigItself) {
  writeFile(dir_ / "kube/ca.crt", pki().caPem());
  write(around("    server: https://k8s.example\n    certificate-authority: ca.crt\n", "    token: t\n"),
        "kube/config");
  const fs::path previous = fs::current_path();
  fs::current_path(dir_.path());
  auto config = load("kube/config");
  fs::current_path(previous);
  ASSERT_TRUE(config) << error_;
  EXPECT_EQ(config->caPem, pki().caPem());
}

TEST_F(KubeconfigTest, ExplicitContextWithBase64DataAndToken) {
  // Data fields as kubectl writes them, and as people paste them: wrapped with line breaks.
  std::string wrappedCa = base64(pki().caPem());
  for (std::size_t at = 64; at < wrappedCa.size(); at += 65) wrappedCa.insert(at, "\n");
  const std::string path = write(R"(apiVersion: v1
kind: Config
current-context: dev
contexts:
- name: dev
  context: {cluster: dev, user: alice}
- name: prod
  context: {cluster: prod, user: robot, namespace: warden-system}
clusters:
- name: dev
  cluster: {server: "https://dev.example"}
- name: prod
  cluster:
    server: https://prod.example:6443/k8s/clusters/c-1
    certificate-authority-data: |
)" + [&] {
    std::string indented;
    std::size_t start = 0;
    while (start < wrappedCa.size()) {
      const std::size_t end = std::min(wrappedCa.find('\n', start), wrappedCa.size());
      indented += "      " + wrappedCa.substr(start, end - start) + "\n";
      start = end + 1;
    }
    return indented;
  }() + R"(users:
- name: alice
  user: {token: alice-token}
- name: robot
  user:
    token: robot-token
    client-certificate-data: )" + base64(clientPair().certificatePem) + R"(
    client-key-data: )" + base64(clientPair().keyPem) + "\n");
  auto config = load(path, "prod");
  ASSERT_TRUE(config) << error_;
  EXPECT_EQ(config->server, "https://prod.example:6443/k8s/clusters/c-1");
  EXPECT_EQ(config->caPem, pki().caPem());
  EXPECT_EQ(config->clientCertPem, clientPair().certificatePem);
  EXPECT_EQ(config->clientKeyPem, clientPair().keyPem);
  EXPECT_EQ(config->token, "robot-token");
  EXPECT_EQ(config->currentToken(), "robot-token");
  EXPECT_EQ(config->namespace_, "warden-system");
  EXPECT_EQ(config->source, "kubeconfig " + path + ", context prod");

  auto current = load(path);
  ASSERT_TRUE(current) << error_;
  EXPECT_EQ(current->server, "https://dev.example");
  EXPECT_EQ(current->token, "alice-token");
  EXPECT_TRUE(current->caPem.empty());
  EXPECT_EQ(current->namespace_, "");
}

TEST_F(KubeconfigTest, TokenFileIsResolvedAndWinsOverToken) {
  writeFile(dir_ / "secrets/token", "  file-token\n");
  const std::string path =
      write(around("    server: https://k8s.example\n", "    token: static-token\n    tokenFile: secrets/token\n"));
  auto config = load(path);
  ASSERT_TRUE(config) << error_;
  EXPECT_EQ(config->tokenFile, dir_ / "secrets/token");
  EXPECT_EQ(config->token, "static-token");
  EXPECT_EQ(config->currentToken(), "file-token");
}

TEST_F(KubeconfigTest, InsecureSkipTlsVerify) {
  auto config = load(write(around("    server: https://k8s.example\n    insecure-skip-tls-verify: true\n",
                                  "    token: t\n")));
  ASSERT_TRUE(config) << error_;
  EXPECT_TRUE(config->insecureSkipTlsVerify);
  EXPECT_TRUE(config->caPem.empty());
}

TEST_F(KubeconfigTest, UserWithoutCredentialsAndContextWithoutUser) {
  auto config = load(write(around("    server: https://k8s.example\n", "    {}\n")));
  ASSERT_TRUE(config) << error_;
  EXPECT_TRUE(config->token.empty());
  EXPECT_TRUE(config->clientCertPem.empty());

  config = load(write("kind: Config\ncurrent-context: x\ncontexts:\n- name: x\n  context: {cluster: c}\n"
                      "clusters:\n- name: c\n  cluster: {server: 'https://k8s.example'}\n"));
  ASSERT_TRUE(config) << error_;
  EXPECT_EQ(config->server, "https://k8s.example");
}

TEST_F(KubeconfigTest, MissingOrUnreadableFile) {
  const std::string path = dir_ / "absent";
  EXPECT_FALSE(load(path));
  EXPECT_NE(error_.find("kubeconfig " + path + ": cannot read " + path), std::string::npos) << error_;

  fs::create_directories(dir_ / "a-directory");
  EXPECT_FALSE(load(dir_ / "a-directory"));
  EXPECT_NE(error_.find("not a regular file"), std::string::npos) << error_;
}

TEST_F(KubeconfigTest, StructuralErrors) {
  expectError("kind: Config\ncontexts: [\n", {"not valid YAML"});
  expectError("", {"expected one YAML document holding a Config object"});
  expectError("- a\n- b\n", {"expected one YAML document holding a Config object"});
  expectError("kind: Config\n---\nkind: Config\n", {"expected one YAML document"});
  expectError("kind: Pod\n", {"kind: is \"Pod\", expected \"Config\""});
  expectError("kind: Config\ncontexts: []\n", {"has no current-context"});
  expectError("kind: Config\ncurrent-context: 7\n", {"current-context: must be a string"});
  expectError("kind: Config\ncurrent-context: dev\ncontexts: []\n", {"contexts: no context named \"dev\""});
  expectError("kind: Config\ncurrent-context: dev\ncontexts: {dev: {}}\n", {"contexts: must be a list"});
  expectError("kind: Config\ncurrent-context: dev\ncontexts:\n- context: {}\n",
              {"contexts[0]: must be an object with a string name"});
  expectError("kind: Config\ncurrent-context: dev\ncontexts:\n- name: dev\n  context: {cluster: a}\n"
              "- name: dev\n  context: {cluster: b}\n",
              {"contexts: two entries are named \"dev\""});
  expectError("kind: Config\ncurrent-context: dev\ncontexts:\n- name: dev\n", {"contexts[dev].context: missing"});
  expectError("kind: Config\ncurrent-context: dev\ncontexts:\n- name: dev\n  context: [a]\n",
              {"contexts[dev].context: must be a mapping"});
  expectError("kind: Config\ncurrent-context: dev\ncontexts:\n- name: dev\n  context: {user: u}\n",
              {"contexts[dev].context.cluster: missing"});
  expectError("kind: Config\ncurrent-context: dev\ncontexts:\n- name: dev\n  context: {cluster: c, namespace: [x]}\n",
              {"contexts[dev].context.namespace: must be a string"});
  expectError("kind: Config\ncurrent-context: dev\ncontexts:\n- name: dev\n  context: {cluster: c}\n",
              {"clusters: no cluster named \"c\""});
  expectError("kind: Config\ncurrent-context: dev\ncontexts:\n- name: dev\n  context: {cluster: c}\n"
              "clusters:\n- name: c\n",
              {"clusters[c].cluster: missing"});
  expectError("kind: Config\ncurrent-context: dev\ncontexts:\n- name: dev\n  context: {cluster: c, user: u}\n"
              "clusters:\n- name: c\n  cluster: {server: 'https://k8s.example'}\n",
              {"users: no user named \"u\""});
}

TEST_F(KubeconfigTest, ClusterErrors) {
  const std::string u = "    token: t\n";
  expectError(around("    certificate-authority-data: ''\n", u), {"clusters[c].cluster.server: missing"});
  expectError(around("    server: 42\n", u), {"clusters[c].cluster.server: must be a string"});
  expectError(around("    server: http://k8s.example\n", u),
              {"clusters[c].cluster.server: \"http://k8s.example\" is not an https:// URL"});
  expectError(around("    server: https://\n", u), {"clusters[c].cluster.server: \"https://\" has no host"});
  expectError(around("    server: https://admin:secret@k8s.example\n", u),
              {"clusters[c].cluster.server", "must not carry credentials"});
  expectError(around("    server: https://k8s.example/?x=1\n", u),
              {"clusters[c].cluster.server", "without spaces, query or fragment"});
  expectError(around("    server: https://k8s.example\n    certificate-authority-data: '!!not base64'\n", u),
              {"clusters[c].cluster.certificate-authority-data: is not valid base64"});
  expectError(around("    server: https://k8s.example\n    certificate-authority: missing/ca.crt\n", u),
              {"clusters[c].cluster.certificate-authority: cannot read " + (dir_ / "missing/ca.crt")});
  writeFile(dir_ / "garbage.crt", "this is not PEM\n");
  expectError(around("    server: https://k8s.example\n    certificate-authority: garbage.crt\n", u),
              {"clusters[c].cluster.certificate-authority: "});
  expectError(around("    server: https://k8s.example\n    certificate-authority-data: " + base64("not PEM") + "\n", u),
              {"clusters[c].cluster.certificate-authority: "});
  writeFile(dir_ / "ca.crt", pki().caPem());
  expectError(around("    server: https://k8s.example\n    certificate-authority: ca.crt\n"
                     "    certificate-authority-data: " + base64(pki().caPem()) + "\n",
                     u),
              {"clusters[c].cluster: certificate-authority and certificate-authority-data are both given"});
  expectError(around("    server: https://k8s.example\n    certificate-authority: ca.crt\n"
                     "    insecure-skip-tls-verify: true\n",
                     u),
              {"clusters[c].cluster: a certificate authority together with insecure-skip-tls-verify"});
  expectError(around("    server: https://k8s.example\n    insecure-skip-tls-verify: 'maybe'\n", u),
              {"clusters[c].cluster.insecure-skip-tls-verify: must be true or false"});
  expectError(around("    server: https://k8s.example\n    proxy-url: http://proxy:3128\n", u),
              {"clusters[c].cluster.proxy-url: is not supported"});
  expectError(around("    server: https://k8s.example\n    tls-server-name: kubernetes\n", u),
              {"clusters[c].cluster.tls-server-name: is not supported"});
}

TEST_F(KubeconfigTest, UserErrors) {
  const std::string c = "    server: https://k8s.example\n";
  expectError(around(c, "    exec: {command: aws, apiVersion: client.authentication.k8s.io/v1}\n"),
              {"users[u].user.exec: exec credential plugins are not supported"});
  expectError(around(c, "    auth-provider: {name: gcp}\n"),
              {"users[u].user.auth-provider: auth-provider plugins are not supported"});
  expectError(around(c, "    username: admin\n"), {"users[u].user.username: basic authentication"});
  expectError(around(c, "    password: secret\n"), {"users[u].user.password: basic authentication"});
  expectError(around(c, "    token: t\n    as: someone\n"), {"users[u].user.as: impersonation is not supported"});
  expectError(around(c, "    as-groups: [system:masters]\n"), {"users[u].user.as-groups: impersonation"});
  expectError(around(c, "    token: 12345\n"), {"users[u].user.token: must be a string"});
  expectError(around(c, "    tokenFile: [a]\n"), {"users[u].user.tokenFile: must be a string"});
  expectError(around(c, "    tokenFile: no/such/token\n"),
              {"users[u].user.tokenFile: cannot read " + (dir_ / "no/such/token")});
  writeFile(dir_ / "empty-token", " \n");
  expectError(around(c, "    tokenFile: empty-token\n"), {"users[u].user.tokenFile: token file", "is empty"});
  expectError(around(c, "    client-certificate-data: " + base64(clientPair().certificatePem) + "\n"),
              {"users[u].user: client-certificate given without client-key"});
  expectError(around(c, "    client-key-data: " + base64(clientPair().keyPem) + "\n"),
              {"users[u].user: client-key given without client-certificate"});
  expectError(around(c, "    client-certificate-data: " + base64(clientPair().certificatePem) +
                            "\n    client-key-data: " + base64("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE "
                                                               "KEY-----\n") + "\n"),
              {"users[u].user.client-key: "});
  expectError(around(c, "    client-certificate-data: " + base64("garbage") + "\n    client-key-data: " +
                            base64(clientPair().keyPem) + "\n"),
              {"users[u].user.client-certificate: "});
  expectError(around(c, "    client-certificate-data: 'abc'\n"),
              {"users[u].user.client-certificate-data: is not valid base64"});
  expectError(around(c, "    client-key: missing.key\n    client-certificate-data: " +
                            base64(clientPair().certificatePem) + "\n"),
              {"users[u].user.client-key: cannot read " + (dir_ / "missing.key")});
  expectError(around(c, "    client-key: a.key\n    client-key-data: " + base64(clientPair().keyPem) + "\n"),
              {"users[u].user: client-key and client-key-data are both given"});
}

// ---------------------------------------------------------------------------------------------------------------
// in-cluster

class InClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    writeFile(dir_ / "sa/token", "sa-token-1\n");
    writeFile(dir_ / "sa/ca.crt", pki().caPem());
    writeFile(dir_ / "sa/namespace", "warden-system\n");
  }

  std::optional<KubeConfig> load(std::map<std::string, std::string> env) {
    error_.clear();
    return loadInClusterConfig(&error_, dir_ / "sa", fakeEnv(std::move(env)));
  }

  std::map<std::string, std::string> env_{{"KUBERNETES_SERVICE_HOST", "10.96.0.1"},
                                          {"KUBERNETES_SERVICE_PORT", "443"}};
  TempDir dir_;
  std::string error_;
};

TEST_F(InClusterTest, ServiceAccountAndEnvironment) {
  auto config = load(env_);
  ASSERT_TRUE(config) << error_;
  EXPECT_EQ(config->server, "https://10.96.0.1:443");
  EXPECT_EQ(config->tokenFile, dir_ / "sa/token");
  EXPECT_EQ(config->currentToken(), "sa-token-1");
  EXPECT_EQ(config->caPem, pki().caPem());
  EXPECT_EQ(config->namespace_, "warden-system");
  EXPECT_FALSE(config->insecureSkipTlsVerify);
  EXPECT_NE(config->source.find("in-cluster"), std::string::npos);
  EXPECT_NE(config->source.find(dir_ / "sa"), std::string::npos);
}

TEST_F(InClusterTest, Ipv6HostIsBracketed) {
  env_["KUBERNETES_SERVICE_HOST"] = "fd00:10:96::1";
  env_["KUBERNETES_SERVICE_PORT"] = "6443";
  auto config = load(env_);
  ASSERT_TRUE(config) << error_;
  EXPECT_EQ(config->server, "https://[fd00:10:96::1]:6443");
}

TEST_F(InClusterTest, NamespaceFileIsOptional) {
  fs::remove(dir_ / "sa/namespace");
  auto config = load(env_);
  ASSERT_TRUE(config) << error_;
  EXPECT_EQ(config->namespace_, "");
}

TEST_F(InClusterTest, EnvironmentErrors) {
  for (const char* missing : {"KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT"}) {
    auto env = env_;
    env.erase(missing);
    EXPECT_FALSE(load(env));
    EXPECT_NE(error_.find("KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT"), std::string::npos) << error_;
  }
  for (const char* port : {"https", "0", "65536", "123456", "-1", "44 3"}) {
    auto env = env_;
    env["KUBERNETES_SERVICE_PORT"] = port;
    EXPECT_FALSE(load(env)) << port;
    EXPECT_NE(error_.find("KUBERNETES_SERVICE_PORT"), std::string::npos) << error_;
    EXPECT_NE(error_.find("is not a port number"), std::string::npos) << error_;
  }
  for (const char* host : {"evil.example/path", "user@host", "a b", "[::1]"}) {
    auto env = env_;
    env["KUBERNETES_SERVICE_HOST"] = host;
    EXPECT_FALSE(load(env)) << host;
    EXPECT_NE(error_.find("KUBERNETES_SERVICE_HOST"), std::string::npos) << error_;
  }
}

TEST_F(InClusterTest, ServiceAccountFileErrors) {
  fs::remove(dir_ / "sa/token");
  EXPECT_FALSE(load(env_));
  EXPECT_NE(error_.find("cannot read " + (dir_ / "sa/token")), std::string::npos) << error_;

  writeFile(dir_ / "sa/token", "\n\n");
  EXPECT_FALSE(load(env_));
  EXPECT_NE(error_.find(dir_ / "sa/token"), std::string::npos) << error_;
  EXPECT_NE(error_.find("is empty"), std::string::npos) << error_;

  writeFile(dir_ / "sa/token", "t");
  fs::remove(dir_ / "sa/ca.crt");
  EXPECT_FALSE(load(env_));
  EXPECT_NE(error_.find("cannot read " + (dir_ / "sa/ca.crt")), std::string::npos) << error_;

  writeFile(dir_ / "sa/ca.crt", "not a certificate");
  EXPECT_FALSE(load(env_));
  EXPECT_NE(error_.find(dir_ / "sa/ca.crt"), std::string::npos) << error_;
}

// ---------------------------------------------------------------------------------------------------------------
// choosing a configuration

class ResolveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    writeFile(dir_ / "flag", kubeconfigFor("https://flag.example"));
    writeFile(dir_ / "env", kubeconfigFor("https://env.example"));
    writeFile(dir_ / "home/.kube/config", kubeconfigFor("https://home.example"));
    writeFile(dir_ / "sa/token", "sa-token");
    writeFile(dir_ / "sa/ca.crt", pki().caPem());
  }

  static std::string kubeconfigFor(const std::string& server) {
    return "kind: Config\ncurrent-context: x\ncontexts:\n- name: x\n  context: {cluster: c}\n"
           "clusters:\n- name: c\n  cluster: {server: '" + server + "'}\n";
  }

  std::string serverOf(const std::string& flag, std::map<std::string, std::string> env) {
    error_.clear();
    auto config = resolveKubeConfig(flag, &error_, fakeEnv(std::move(env)), dir_ / "sa");
    return config ? config->server : "error: " + error_;
  }

  TempDir dir_;
  std::string error_;
};

TEST_F(ResolveTest, ClientGoOrder) {
  const std::map<std::string, std::string> everything{{"KUBECONFIG", dir_ / "env"},
                                                      {"KUBERNETES_SERVICE_HOST", "10.0.0.1"},
                                                      {"KUBERNETES_SERVICE_PORT", "443"},
                                                      {"HOME", dir_ / "home"}};
  EXPECT_EQ(serverOf(dir_ / "flag", everything), "https://flag.example");
  EXPECT_EQ(serverOf("", everything), "https://env.example");
  auto env = everything;
  env["KUBECONFIG"] = dir_ / "env" + ":" + (dir_ / "flag");
  EXPECT_EQ(serverOf("", env), "https://env.example");
  env["KUBECONFIG"] = "::" + (dir_ / "flag");
  EXPECT_EQ(serverOf("", env), "https://flag.example");
  env.erase("KUBECONFIG");
  EXPECT_EQ(serverOf("", env), "https://10.0.0.1:443");
  env.erase("KUBERNETES_SERVICE_HOST");
  EXPECT_EQ(serverOf("", env), "https://home.example");
}

TEST_F(ResolveTest, NothingToUse) {
  EXPECT_EQ(serverOf("", {}).rfind("error: no Kubernetes configuration", 0), 0u) << error_;
  EXPECT_NE(error_.find("HOME unset"), std::string::npos) << error_;
  EXPECT_EQ(serverOf("", {{"HOME", dir_ / "nobody"}}).rfind("error: ", 0), 0u);
  EXPECT_NE(error_.find(dir_ / "nobody/.kube/config"), std::string::npos) << error_;
  // A named file that is missing is an error, not a reason to look elsewhere.
  EXPECT_EQ(serverOf(dir_ / "absent", {{"HOME", dir_ / "home"}}).rfind("error: kubeconfig ", 0), 0u);
  EXPECT_EQ(serverOf("", {{"KUBECONFIG", dir_ / "absent"}, {"HOME", dir_ / "home"}}).rfind("error: ", 0), 0u);
}

// ---------------------------------------------------------------------------------------------------------------
// bearer token rotation

class TokenRotationTest : public ::testing::Test {
 protected:
  KubeConfig configFor(const std::string& path) {
    KubeConfig config;
    config.server = "https://k8s.example";
    config.token = "static";
    config.tokenFile = path;
    return config;
  }

  TempDir dir_;
};

TEST_F(TokenRotationTest, StaticTokenWithoutFile) {
  KubeConfig config;
  config.token = "static";
  std::string error = "untouched";
  EXPECT_EQ(config.currentToken(&error), "static");
  EXPECT_EQ(error, "untouched");
}

TEST_F(TokenRotationTest, FileRewrittenInPlace) {
  const std::string path = dir_ / "token";
  writeFile(path, "first\n");
  const KubeConfig config = configFor(path);
  EXPECT_EQ(config.currentToken(), "first");
  EXPECT_EQ(config.currentToken(), "first");
  writeFile(path, "second-token\n");  // same inode, new size
  EXPECT_EQ(config.currentToken(), "second-token");

  // Same size, rewritten within one timestamp tick: the modification time (set here) tells them apart.
  const auto before = fs::last_write_time(path);
  writeFile(path, "third--token\n");
  fs::last_write_time(path, before + std::chrono::seconds(5));
  EXPECT_EQ(config.currentToken(), "third--token");
}

TEST_F(TokenRotationTest, SymlinkSwappedAsKubeletDoes) {
  // kubelet's atomic writer: token -> ..data/token, ..data -> a timestamped directory, swapped by rename.
  writeFile(dir_ / "..2024_01_01/token", "token-one");
  writeFile(dir_ / "..2024_01_02/token", "token-two");
  fs::create_directory_symlink("..2024_01_01", dir_ / "..data");
  fs::create_symlink("..data/token", dir_ / "token");
  const KubeConfig config = configFor(dir_ / "token");
  EXPECT_EQ(config.currentToken(), "token-one");
  fs::create_directory_symlink("..2024_01_02", dir_ / "..data_tmp");
  fs::rename(dir_ / "..data_tmp", dir_ / "..data");
  EXPECT_EQ(config.currentToken(), "token-two");
}

TEST_F(TokenRotationTest, CopiesShareTheCache) {
  const std::string path = dir_ / "token";
  writeFile(path, "one");
  const KubeConfig original = configFor(path);
  const KubeConfig copy = original;
  EXPECT_EQ(original.tokenCache, copy.tokenCache);
  EXPECT_EQ(copy.currentToken(), "one");
  fs::remove(path);
  // The copy read it; the original has the cached token although the file is gone.
  std::string error;
  EXPECT_EQ(original.currentToken(&error), "one");
  EXPECT_NE(error.find("cannot read " + path), std::string::npos) << error;
}

TEST_F(TokenRotationTest, UnreadableFileKeepsTheLastTokenUntilReplaced) {
  const std::string path = dir_ / "token";
  writeFile(path, "one");
  const KubeConfig config = configFor(path);
  EXPECT_EQ(config.currentToken(), "one");
  writeFile(path, "     ");
  std::string error;
  EXPECT_EQ(config.currentToken(&error), "one");
  EXPECT_NE(error.find("is empty"), std::string::npos) << error;
  writeFile(path, "two");
  error.clear();
  EXPECT_EQ(config.currentToken(&error), "two");
  EXPECT_EQ(error, "");
}

TEST_F(TokenRotationTest, NeverReadableGivesNoToken) {
  // The static token is not a fallback for a token file: it would be someone else's credential.
  const KubeConfig config = configFor(dir_ / "absent");
  std::string error;
  EXPECT_EQ(config.currentToken(&error), "");
  EXPECT_NE(error.find("cannot read " + (dir_ / "absent")), std::string::npos) << error;
}

TEST_F(TokenRotationTest, WithoutCacheEveryCallReads) {
  const std::string path = dir_ / "token";
  writeFile(path, "aaa");
  KubeConfig config = configFor(path);
  config.tokenCache = nullptr;
  EXPECT_EQ(config.currentToken(), "aaa");
  writeFile(path, "bbb");
  EXPECT_EQ(config.currentToken(), "bbb");
  fs::remove(path);
  std::string error;
  EXPECT_EQ(config.currentToken(&error), "");
  EXPECT_FALSE(error.empty());
}

TEST_F(TokenRotationTest, OneCacheFollowsAChangedPath) {
  writeFile(dir_ / "a", "token-a");
  writeFile(dir_ / "b", "token-b");
  KubeConfig config = configFor(dir_ / "a");
  EXPECT_EQ(config.currentToken(), "token-a");
  config.tokenFile = dir_ / "b";
  EXPECT_EQ(config.currentToken(), "token-b");
}

}  // namespace
}  // namespace warden::op
