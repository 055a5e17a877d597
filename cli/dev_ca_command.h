#pragma once

// `wardenctl dev ca`: a local trust domain for development and demos. Creates (or reuses) a CA in a directory
// and writes SVID sets (svid.pem, svid_key.pem, bundle.pem) that the sidecar's file identity source, curl,
// openssl and the MCP SDK client read. Returns the process exit code (exit_codes.h); results go to `out`,
// diagnostics to `err`.

#include <ostream>
#include <string>
#include <vector>

namespace warden::cli {

struct DevCaArgs {
  std::string dir;                    // the CA lives in dir/ca.pem + dir/ca_key.pem; SVIDs in dir/<name>/
  std::string trustDomain;            // required to create a CA; must match an existing one
  std::vector<std::string> svids;     // "name=spiffe://td/path"
  std::vector<std::string> dnsNames;  // DNS SANs for every SVID, besides localhost and 127.0.0.1
  std::string ttl = "24h";            // SVID lifetime (Go/Kubernetes duration)
};

// Exit codes: 0 done; 64 usage (bad trust domain, SPIFFE ID, name, DNS name or ttl, an ID outside the trust
// domain, a trust domain other than the existing CA's); 65 the CA does not load or a file cannot be written.
// Usage errors are found before anything is written.
int runDevCa(const DevCaArgs& args, std::ostream& out, std::ostream& err);

}  // namespace warden::cli
