#pragma once

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include "sidecar/identity/dev_ca.h"
#include "sidecar/identity/file_io.h"
#include "sidecar/identity/svid.h"

namespace warden::sidecar::testing {

// The shared scratch directory (tests/support/temp_dir.h).
using TempDir = warden::testing::TempDir;

// Replaces `path` atomically (as spiffe-helper and kubelet do), creating parent directories.
inline void writeFile(const std::string& path, const std::string& content, mode_t mode = 0644) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::string error;
  if (!writeFileAtomically(path, content, mode, &error)) throw std::runtime_error(error);
}

inline std::vector<X509*> raw(const std::vector<X509Ptr>& certificates) {
  std::vector<X509*> pointers;
  for (const auto& cert : certificates) pointers.push_back(cert.get());
  return pointers;
}

// The chain after the leaf, as a peer sends it.
inline std::vector<X509*> intermediatesOf(const X509Svid& svid) {
  std::vector<X509*> pointers;
  for (std::size_t i = 1; i < svid.chain.size(); ++i) pointers.push_back(svid.chain[i].get());
  return pointers;
}

inline DevCa makeCa(const std::string& trustDomain) {
  std::string error;
  auto ca = DevCa::create(trustDomain, std::chrono::hours(24), &error);
  if (!ca) throw std::runtime_error(error);
  return std::move(*ca);
}

inline X509Svid issue(const DevCa& ca, const std::string& id) {
  std::string error;
  auto svid = ca.issue(id, {}, std::chrono::hours(1), &error);
  if (!svid) throw std::runtime_error(error);
  return std::move(*svid);
}

inline X509Svid issueWith(const DevCa& ca, const SvidOptions& options) {
  std::string error;
  auto svid = ca.issueWith(options, &error);
  if (!svid) throw std::runtime_error(error);
  return std::move(*svid);
}

}  // namespace warden::sidecar::testing
