#pragma once

// Shared by the Kubernetes client tests: scratch directories and a throwaway PKI generated at run time with OpenSSL
// (a CA, a server certificate for 127.0.0.1 and localhost, a client certificate), so no key is ever committed.

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "sidecar/identity/certificate_builder.h"
#include "sidecar/identity/svid.h"

namespace warden::op::testing {

// The shared scratch directory (tests/support/temp_dir.h).
using TempDir = warden::testing::TempDir;

// Writes `content` to `path` in place (same inode when the file exists), creating parent directories.
inline void writeFile(const std::string& path, const std::string& content) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path);
}

struct KeyPair {
  std::string certificatePem;
  std::string keyPem;
};

// A CA and the certificates it issued; every call makes new keys.
class TestPki {
 public:
  explicit TestPki(const std::string& name) {
    std::string error;
    caKey_ = sidecar::generateP256Key(&error);
    if (!caKey_) throw std::runtime_error(error);
    sidecar::CertificateSpec spec = baseSpec(name + " CA");
    spec.isCa = true;
    spec.keyCertSign = true;
    spec.cRLSign = true;
    spec.digitalSignature = true;
    ca_ = sidecar::buildCertificate(spec, caKey_.get(), nullptr, caKey_.get(), &error);
    if (!ca_) throw std::runtime_error(error);
    caPem_ = pemOf(ca_.get());
  }

  const std::string& caPem() const { return caPem_; }

  // For a TLS server at 127.0.0.1 / localhost (or the given names).
  KeyPair server(const std::string& commonName = "kube-apiserver",
                 std::vector<std::string> ipSans = {"127.0.0.1"},
                 std::vector<std::string> dnsSans = {"localhost"}) const {
    sidecar::CertificateSpec spec = baseSpec(commonName);
    spec.digitalSignature = true;
    spec.tlsUsages = true;
    spec.ipSans = std::move(ipSans);
    spec.dnsSans = std::move(dnsSans);
    return issue(spec);
  }

  KeyPair client(const std::string& commonName) const {
    sidecar::CertificateSpec spec = baseSpec(commonName);
    spec.digitalSignature = true;
    spec.tlsUsages = true;
    return issue(spec);
  }

 private:
  static sidecar::CertificateSpec baseSpec(const std::string& commonName) {
    sidecar::CertificateSpec spec;
    spec.organization = "mcp-warden tests";
    spec.commonName = commonName;
    const auto now = std::chrono::system_clock::now();
    spec.notBefore = now - std::chrono::hours(1);
    spec.notAfter = now + std::chrono::hours(24);
    return spec;
  }

  static std::string pemOf(X509* cert) {
    std::vector<sidecar::X509Ptr> one;
    one.push_back(sidecar::upRef(cert));
    return sidecar::certificatesToPem(one);
  }

  KeyPair issue(const sidecar::CertificateSpec& spec) const {
    std::string error;
    auto key = sidecar::generateP256Key(&error);
    if (!key) throw std::runtime_error(error);
    auto cert = sidecar::buildCertificate(spec, key.get(), ca_.get(), caKey_.get(), &error);
    if (!cert) throw std::runtime_error(error);
    return KeyPair{pemOf(cert.get()), sidecar::privateKeyToPem(key.get())};
  }

  sidecar::EvpPkeyPtr caKey_;
  sidecar::X509Ptr ca_;
  std::string caPem_;
};

}  // namespace warden::op::testing
