#include "bench/load/mcp_echo_upstream/session_table.h"

#include <fmt/format.h>

namespace warden::bench {

std::string SessionTable::open() {
  const std::lock_guard lock{mutex_};
  std::string id;
  do {
    id = fmt::format("{:016x}{:016x}", random_(), random_());
  } while (!open_.insert(id).second);
  return id;
}

bool SessionTable::contains(std::string_view id) const {
  const std::lock_guard lock{mutex_};
  return open_.contains(std::string(id));
}

bool SessionTable::close(std::string_view id) {
  const std::lock_guard lock{mutex_};
  return open_.erase(std::string(id)) > 0;
}

}  // namespace warden::bench
