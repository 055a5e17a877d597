#pragma once

// The Kubernetes API server's version, read from GET /version, for the decisions that depend on it (native
// sidecars: beta and on by default from 1.29).

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace warden::op {

struct ServerVersion {
  int major = 0;
  int minor = 0;

  bool atLeast(int wantMajor, int wantMinor) const {
    return major > wantMajor || (major == wantMajor && minor >= wantMinor);
  }
  std::string toString() const { return std::to_string(major) + "." + std::to_string(minor); }
  bool operator==(const ServerVersion&) const = default;
};

// Reads the body of /version ({"major": "1", "minor": "29+", "gitVersion": "v1.29.3-eks-1"}). `major` and `minor`
// are used when both are numbers with an optional non-digit suffix ("29+" on EKS and GKE); otherwise the version
// comes from gitVersion ("v1.29.3-gke.1200"). nullopt with the reason in `error` when neither can be read.
std::optional<ServerVersion> parseServerVersion(const nlohmann::json& body, std::string* error = nullptr);
// The same from the response text; never throws.
std::optional<ServerVersion> parseServerVersion(std::string_view body, std::string* error = nullptr);

}  // namespace warden::op
