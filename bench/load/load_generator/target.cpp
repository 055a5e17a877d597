#include "bench/load/load_generator/target.h"

#include <charconv>

#include "bench/load/net.h"

namespace warden::bench {

std::optional<Target> parseTarget(std::string_view url, std::string* error) {
  Target target;
  if (url.starts_with("https://")) {
    target.tls = true;
    url.remove_prefix(8);
  } else if (url.starts_with("http://")) {
    url.remove_prefix(7);
  } else {
    *error = "the URL must start with http:// or https://";
    return std::nullopt;
  }
  const auto slash = url.find('/');
  const std::string_view authority = url.substr(0, slash);
  target.path = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  const auto colon = authority.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == authority.size()) {
    *error = "the URL must name a port";
    return std::nullopt;
  }
  std::string_view host = authority.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const std::string_view port = authority.substr(colon + 1);
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) {
    *error = "invalid port \"" + std::string(port) + "\"";
    return std::nullopt;
  }
  error_code parseError;
  asio::ip::make_address(std::string(host), parseError);
  if (parseError) {
    *error = "the host must be an IP address, not \"" + std::string(host) + "\"";
    return std::nullopt;
  }
  target.host = std::string(host);
  target.port = static_cast<std::uint16_t>(value);
  return target;
}

}  // namespace warden::bench
