#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace warden::sidecar {

// Binds MCP sessions to the identity that opened them. The MCP server hands out Mcp-Session-Id values; without a
// binding, any authenticated agent that learns another agent's session id could send requests in that session.
// The proxy records the principal when the server answers `initialize` with a session id and refuses requests that
// carry a session id bound to someone else. Bounded (least recently used sessions are forgotten first; a forgotten
// session is re-bound to the next principal that uses it, which the server then still validates). Thread-safe.
class SessionRegistry {
 public:
  explicit SessionRegistry(std::size_t maxSessions = 100000) : maxSessions_(maxSessions) {}

  void bind(std::string_view sessionId, std::string_view principal);
  // True when the session is unknown (then bound to `principal`) or bound to `principal`.
  bool admit(std::string_view sessionId, std::string_view principal);
  void forget(std::string_view sessionId);
  std::size_t size() const;

 private:
  using Lru = std::list<std::string>;
  struct Entry {
    std::string principal;
    Lru::iterator position;
  };
  void touch(Entry& entry);
  void insert(std::string_view sessionId, std::string_view principal);

  std::size_t maxSessions_;
  mutable std::mutex mu_;
  Lru lru_;  // front: most recently used
  std::unordered_map<std::string, Entry> sessions_;
};

}  // namespace warden::sidecar
