#include "operator/kube/backoff.h"

#include <algorithm>
#include <stdexcept>

namespace warden::op {

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, std::uint64_t seed)
    : initial_(initial), max_(max), ceiling_(initial), random_(seed) {
  if (initial <= std::chrono::milliseconds::zero()) {
    throw std::invalid_argument("backoff: initial delay must be positive");
  }
  if (max < initial) throw std::invalid_argument("backoff: maximum delay must not be shorter than the initial delay");
}

std::chrono::milliseconds Backoff::next() {
  const auto bound = ceiling_.count();
  std::uniform_int_distribution<std::chrono::milliseconds::rep> pick(bound - bound / 2, bound);
  const std::chrono::milliseconds delay{pick(random_)};
  ceiling_ = ceiling_ >= max_ / 2 ? max_ : ceiling_ * 2;
  return delay;
}

void Backoff::reset() { ceiling_ = initial_; }

}  // namespace warden::op
