#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace warden::sidecar {

// Where the sidecar looks for the Workload API when neither a flag nor SPIFFE_ENDPOINT_SOCKET names it: the socket
// the csi.spiffe.io driver mounts (design D5).
inline constexpr std::string_view kDefaultWorkloadApiAddress = "unix:///spiffe-workload-api/spire-agent.sock";

// Turns a SPIFFE Workload Endpoint address (the SPIFFE_ENDPOINT_SOCKET form, SPIFFE_Workload_Endpoint.md section 4)
// into a gRPC channel target:
//   unix:///abs/path (or unix:/abs/path)  ->  unix:/abs/path
//   tcp://192.0.2.1:8000                  ->  ipv4:192.0.2.1:8000
//   tcp://[2001:db8::1]:8000              ->  ipv6:[2001:db8::1]:8000
// A unix address has no authority, query or fragment and an absolute path (percent-decoded; at most 107 bytes, the
// kernel's limit); a tcp address is an IP literal (never a name: resolving one would let DNS choose the identity
// provider) and a port, nothing else. Anything else gives nullopt with *error naming the accepted forms.
// Pure function; safe from any thread.
std::optional<std::string> grpcTargetFor(std::string_view spiffeEndpointSocket, std::string* error);

// The SPIFFE_ENDPOINT_SOCKET value for a unix socket at `absolutePath`: "unix://" + the path, percent-encoded
// where a URI needs it. grpcTargetFor reads it back to the same path.
std::string workloadApiAddressForSocket(std::string_view absolutePath);

}  // namespace warden::sidecar
