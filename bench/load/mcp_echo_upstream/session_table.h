#pragma once

// The MCP sessions the echo upstream has opened (by initialize) and not yet closed (by DELETE). Thread-safe: the
// server's threads share it.

#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <unordered_set>

namespace warden::bench {

class SessionTable {
 public:
  std::string open();
  bool contains(std::string_view id) const;
  bool close(std::string_view id);

 private:
  mutable std::mutex mutex_;
  std::unordered_set<std::string> open_;
  std::mt19937_64 random_{std::random_device{}()};
};

}  // namespace warden::bench
