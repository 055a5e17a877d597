#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace warden::op {

// Exponential backoff with jitter for reconnecting to the API server: the ceiling starts at `initial` and doubles
// after every delay handed out, up to `max`; each delay is drawn uniformly from [ceiling / 2, ceiling], so replicas
// that lost the API server together do not come back in lockstep, and a delay never exceeds `max`. reset() after a
// success starts over at `initial`. Not thread-safe: one per thread that reconnects.
class Backoff {
 public:
  // Throws std::invalid_argument unless 0 < initial <= max.
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, std::uint64_t seed);

  std::chrono::milliseconds next();
  void reset();
  std::chrono::milliseconds ceiling() const { return ceiling_; }  // the bound of the next delay

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds ceiling_;
  std::mt19937_64 random_;
};

}  // namespace warden::op
