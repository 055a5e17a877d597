#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace warden::sidecar {

// The keys of the operator's policy ConfigMap, as files of its volume.
inline constexpr const char* kBundleFileName = "bundle.json";
inline constexpr const char* kPolicyVersionFileName = "policyVersion";
// A ConfigMap holds at most 1 MiB; anything far larger is not a bundle and is not read into memory.
inline constexpr std::size_t kMaxBundleFileBytes = 16 * 1024 * 1024;

// One reading of a bundle directory.
struct BundleFiles {
  std::string error;                         // not empty: there is nothing to load, and why
  std::string bytes;                         // bundle.json
  std::optional<std::string> policyVersion;  // policyVersion without surrounding white space, when present

  bool operator==(const BundleFiles&) const = default;
};

// Reads bundle.json and, if present, policyVersion from `directory`. In a kubelet volume (a `..data` symlink to a
// timestamped directory that is never modified, only replaced) both are read from the directory `..data` points
// at, so the two always come from the same update; if that directory is swapped away mid-read, it is read again.
// Outside kubelet volumes a file written in place can be read torn: the loader refuses such bytes and the write's
// own inotify event brings the complete file. Never throws but std::bad_alloc.
BundleFiles readBundleFiles(const std::string& directory);

}  // namespace warden::sidecar
