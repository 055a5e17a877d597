#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace warden::sidecar {

// Delays between reconnection attempts: exponential (doubling from `initial`, capped at `max`) with ±20% jitter so
// that many sidecars restarted together do not reconnect in lockstep; every delay lies within [initial, max].
// reset() after a success starts again from `initial`. Not thread-safe: one per retry loop.
class ReconnectBackoff {
 public:
  // initial > 0 and max >= initial are the caller's to check (WorkloadApiSource::create does).
  ReconnectBackoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, std::uint64_t seed);

  std::chrono::milliseconds next();
  void reset() { attempt_ = 0; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  unsigned attempt_ = 0;
  std::mt19937_64 random_;
};

}  // namespace warden::sidecar
