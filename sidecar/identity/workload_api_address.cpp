#include "sidecar/identity/workload_api_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "policy/ascii.h"
#include "policy/quote.h"

namespace warden::sidecar {
namespace {

constexpr std::string_view kAcceptedForms = "expected unix:///absolute/path or tcp://<IP address>:<port>";

bool fail(std::string* error, std::string_view address, std::string_view what) {
  if (error != nullptr) {
    *error = "invalid Workload API address " + policy::quoteForMessage(address) + ": " + std::string(what) + " (" +
             std::string(kAcceptedForms) + ")";
  }
  return false;
}

bool isUnreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

// RFC 3986 pchar minus percent-encoding (handled separately), plus '/' as the segment separator.
bool isPathChar(char c) {
  if (isUnreserved(c)) return true;
  switch (c) {
    case '!': case '$': case '&': case '\'': case '(': case ')': case '*': case '+': case ',': case ';': case '=':
    case ':': case '@': case '/':
      return true;
    default:
      return false;
  }
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The URI path as the file system sees it; nullopt when it is not a valid RFC 3986 path or decodes to a NUL.
std::optional<std::string> percentDecodePath(std::string_view path, std::string* what) {
  std::string out;
  out.reserve(path.size());
  for (std::size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (c == '%') {
      if (i + 2 >= path.size() || hexValue(path[i + 1]) < 0 || hexValue(path[i + 2]) < 0) {
        *what = "bad percent-encoding in the path";
        return std::nullopt;
      }
      const char decoded = static_cast<char>(hexValue(path[i + 1]) * 16 + hexValue(path[i + 2]));
      if (decoded == '\0') {
        *what = "the path contains a NUL byte";
        return std::nullopt;
      }
      out += decoded;
      i += 2;
      continue;
    }
    if (!isPathChar(c)) {
      *what = "the path contains a character that must be percent-encoded in a URI";
      return std::nullopt;
    }
    out += c;
  }
  return out;
}

// gRPC percent-decodes target paths, so everything but plain path characters is encoded for it; the same encoding
// makes a valid URI path.
std::string percentEncodePath(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(path.size());
  for (const char c : path) {
    if (isUnreserved(c) || c == '/') {
      out += c;
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0F];
    }
  }
  return out;
}

std::optional<std::string> unixTarget(std::string_view address, std::string_view rest, std::string* error) {
  // rest follows "unix:". "//" opens an authority, which must be empty: unix:///path, never unix://host/path.
  if (rest.substr(0, 2) == "//") {
    rest.remove_prefix(2);
    if (rest.empty() || rest.front() != '/') {
      fail(error, address, "a unix address has no authority (host) part; write unix:///absolute/path");
      return std::nullopt;
    }
  }
  if (rest.empty() || rest.front() != '/') {
    fail(error, address, "a unix address needs an absolute path");
    return std::nullopt;
  }
  if (rest.find('?') != std::string_view::npos) {
    fail(error, address, "a unix address has no query");
    return std::nullopt;
  }
  if (rest.find('#') != std::string_view::npos) {
    fail(error, address, "a unix address has no fragment");
    return std::nullopt;
  }
  std::string what;
  auto path = percentDecodePath(rest, &what);
  if (!path) {
    fail(error, address, what);
    return std::nullopt;
  }
  if (path->size() >= sizeof(sockaddr_un::sun_path)) {
    fail(error, address,
         "the socket path is longer than the " + std::to_string(sizeof(sockaddr_un::sun_path) - 1) +
             " bytes a unix socket address holds");
    return std::nullopt;
  }
  return "unix:" + percentEncodePath(*path);
}

std::optional<std::uint16_t> parsePort(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  unsigned value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value == 0 || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

std::optional<std::string> tcpTarget(std::string_view address, std::string_view rest, std::string* error) {
  // rest follows "tcp:".
  if (rest.substr(0, 2) != "//") {
    fail(error, address, "a tcp address is tcp://<IP address>:<port>");
    return std::nullopt;
  }
  rest.remove_prefix(2);
  const std::size_t authorityEnd = rest.find_first_of("/?#");
  if (authorityEnd != std::string_view::npos) {
    fail(error, address, "a tcp address has nothing after the port (no path, query or fragment)");
    return std::nullopt;
  }
  if (rest.find('@') != std::string_view::npos) {
    fail(error, address, "a tcp address has no user information");
    return std::nullopt;
  }
  std::string_view host;
  std::string_view port;
  bool ipv6 = false;
  if (!rest.empty() && rest.front() == '[') {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':') {
      fail(error, address, "a tcp address needs a port after the bracketed IPv6 address");
      return std::nullopt;
    }
    host = rest.substr(1, close - 1);
    port = rest.substr(close + 2);
    ipv6 = true;
  } else {
    const std::size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos) {
      fail(error, address, "a tcp address needs a port");
      return std::nullopt;
    }
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  const auto portNumber = parsePort(port);
  if (!portNumber) {
    fail(error, address, "the port must be a number from 1 to 65535");
    return std::nullopt;
  }
  const std::string hostText(host);
  char canonical[INET6_ADDRSTRLEN] = {};
  if (ipv6) {
    in6_addr parsed{};
    if (inet_pton(AF_INET6, hostText.c_str(), &parsed) != 1 ||
        inet_ntop(AF_INET6, &parsed, canonical, sizeof canonical) == nullptr) {
      fail(error, address, "the host in brackets is not an IPv6 address");
      return std::nullopt;
    }
    return "ipv6:[" + std::string(canonical) + "]:" + std::to_string(*portNumber);
  }
  in_addr parsed{};
  if (inet_pton(AF_INET, hostText.c_str(), &parsed) != 1 ||
      inet_ntop(AF_INET, &parsed, canonical, sizeof canonical) == nullptr) {
    fail(error, address, "the host must be an IP address, not a name (IPv6 in brackets)");
    return std::nullopt;
  }
  return "ipv4:" + std::string(canonical) + ":" + std::to_string(*portNumber);
}

}  // namespace

std::optional<std::string> grpcTargetFor(std::string_view spiffeEndpointSocket, std::string* error) {
  if (spiffeEndpointSocket.empty()) {
    fail(error, spiffeEndpointSocket, "the address is empty");
    return std::nullopt;
  }
  if (policy::startsWithIgnoringAsciiCase(spiffeEndpointSocket, "unix:")) {
    return unixTarget(spiffeEndpointSocket, spiffeEndpointSocket.substr(5), error);
  }
  if (policy::startsWithIgnoringAsciiCase(spiffeEndpointSocket, "tcp:")) {
    return tcpTarget(spiffeEndpointSocket, spiffeEndpointSocket.substr(4), error);
  }
  fail(error, spiffeEndpointSocket, "the scheme must be unix or tcp");
  return std::nullopt;
}

std::string workloadApiAddressForSocket(std::string_view absolutePath) {
  return "unix://" + percentEncodePath(absolutePath);
}

}  // namespace warden::sidecar
