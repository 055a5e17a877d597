#include "sidecar/proxy/session_registry.h"

namespace warden::sidecar {

void SessionRegistry::touch(Entry& entry) { lru_.splice(lru_.begin(), lru_, entry.position); }

void SessionRegistry::insert(std::string_view sessionId, std::string_view principal) {
  lru_.emplace_front(sessionId);
  sessions_[std::string(sessionId)] = Entry{std::string(principal), lru_.begin()};
  while (sessions_.size() > maxSessions_) {
    sessions_.erase(lru_.back());
    lru_.pop_back();
  }
}

void SessionRegistry::bind(std::string_view sessionId, std::string_view principal) {
  std::lock_guard lock(mu_);
  if (auto it = sessions_.find(std::string(sessionId)); it != sessions_.end()) {
    it->second.principal = principal;
    touch(it->second);
    return;
  }
  insert(sessionId, principal);
}

bool SessionRegistry::admit(std::string_view sessionId, std::string_view principal) {
  std::lock_guard lock(mu_);
  if (auto it = sessions_.find(std::string(sessionId)); it != sessions_.end()) {
    touch(it->second);
    return it->second.principal == principal;
  }
  insert(sessionId, principal);
  return true;
}

void SessionRegistry::forget(std::string_view sessionId) {
  std::lock_guard lock(mu_);
  if (auto it = sessions_.find(std::string(sessionId)); it != sessions_.end()) {
    lru_.erase(it->second.position);
    sessions_.erase(it);
  }
}

std::size_t SessionRegistry::size() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

}  // namespace warden::sidecar
