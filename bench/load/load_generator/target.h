#pragma once

// Where the load goes: http://IP:PORT/path (plain) or https://IP:PORT/path (mutual TLS). IP literals only: the
// harness runs on loopback and must not spend time in a resolver.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace warden::bench {

struct Target {
  bool tls = false;
  std::string host;
  std::uint16_t port = 0;
  std::string path;

  std::string hostHeader() const { return host + ":" + std::to_string(port); }
};

// nullopt (with `error` set) unless `url` is http(s)://<IPv4 or [IPv6]>:<port>[/path].
std::optional<Target> parseTarget(std::string_view url, std::string* error);

}  // namespace warden::bench
