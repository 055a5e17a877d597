#include "sidecar/identity/reconnect_backoff.h"

#include <algorithm>

namespace warden::sidecar {

ReconnectBackoff::ReconnectBackoff(std::chrono::milliseconds initial, std::chrono::milliseconds max,
                                   std::uint64_t seed)
    : initial_(initial), max_(std::max(max, initial)), random_(seed) {}

std::chrono::milliseconds ReconnectBackoff::next() {
  // Doubling stops at the cap, so the arithmetic cannot overflow however long the agent stays away.
  std::chrono::milliseconds base = initial_;
  for (unsigned i = 0; i < attempt_ && base < max_; ++i) base = std::min(max_, base * 2);
  if (base < max_) ++attempt_;
  std::uniform_real_distribution<double> jitter(0.8, 1.2);
  const auto jittered =
      std::chrono::milliseconds(static_cast<std::int64_t>(static_cast<double>(base.count()) * jitter(random_)));
  return std::clamp(jittered, initial_, max_);
}

}  // namespace warden::sidecar
