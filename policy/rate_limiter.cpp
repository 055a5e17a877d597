#include "policy/rate_limiter.h"

#include <algorithm>
#include <vector>

namespace warden::policy {
namespace {

using Credit = unsigned __int128;
using TimePoint = std::chrono::steady_clock::time_point;

// The rule id's length first, so that no (rule, principal) pair can spell another pair's name.
std::string bucketName(const RateLimiter::Key& key) {
  std::string name = std::to_string(key.ruleId.size());
  name.reserve(name.size() + 1 + key.ruleId.size() + key.principal.size());
  name += ':';
  name += key.ruleId;
  name += key.principal;
  return name;
}

Credit capacity(std::uint32_t requests, std::chrono::nanoseconds period) {
  return static_cast<Credit>(requests) * static_cast<Credit>(period.count());
}

Credit tokenCost(std::chrono::nanoseconds period) { return static_cast<Credit>(period.count()); }

// Elapsed nanoseconds from `from` to `to`, 0 when the clock did not move forward. Computed unsigned, so that
// even a misbehaving injected clock cannot overflow.
std::uint64_t elapsedNanos(TimePoint from, TimePoint to) {
  if (to <= from) return 0;
  return static_cast<std::uint64_t>(to.time_since_epoch().count()) -
         static_cast<std::uint64_t>(from.time_since_epoch().count());
}

// Credit the bucket would hold at `now`, capped at its capacity.
Credit creditAt(Credit credit, TimePoint last, std::uint32_t requests, std::chrono::nanoseconds period, TimePoint now) {
  const Credit cap = capacity(requests, period);
  const Credit gained = static_cast<Credit>(elapsedNanos(last, now)) * requests;
  return std::min(cap, credit + gained);
}

}  // namespace

RateLimiter::RateLimiter(Clock clock, std::size_t maxBuckets)
    : clock_(clock ? std::move(clock) : Clock([] { return std::chrono::steady_clock::now(); })),
      maxBuckets_(std::max<std::size_t>(maxBuckets, 1)),
      nextScanAt_(maxBuckets_ + 1) {}

bool RateLimiter::tryAcquire(std::span<const Key> keys) {
  if (keys.empty()) return true;
  try {
    for (const Key& key : keys) {
      if (key.requests == 0 || key.period <= std::chrono::nanoseconds::zero()) return false;
    }
    // Names are built before taking the lock to keep the critical section short.
    std::vector<std::string> names;
    names.reserve(keys.size());
    for (const Key& key : keys) names.push_back(bucketName(key));
    std::vector<Bucket*> held(keys.size(), nullptr);
    const TimePoint now = clock_();

    std::lock_guard<std::mutex> lock(mu_);
    for (std::size_t i = 0; i < keys.size(); ++i) held[i] = &bucketFor(std::move(names[i]), keys[i], now);

    // Check every bucket first (a bucket named n times needs n tokens), then consume: all or nothing.
    bool granted = true;
    for (std::size_t i = 0; i < held.size() && granted; ++i) {
      const auto uses = static_cast<Credit>(std::count(held.begin(), held.end(), held[i]));
      granted = held[i]->credit >= uses * tokenCost(held[i]->period);
    }
    if (granted) {
      for (Bucket* bucket : held) bucket->credit -= tokenCost(bucket->period);
    }

    // Eviction last: it may erase buckets, and `held` must not dangle while in use.
    if (buckets_.size() >= nextScanAt_) evictRefilled(now);
    while (buckets_.size() > 2 * maxBuckets_ && !lru_.empty()) evictLeastRecentlyUsed();
    return granted;
  } catch (...) {
    // Only allocation or the injected clock can throw; a limiter that cannot decide denies.
    return false;
  }
}

std::size_t RateLimiter::bucketCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return buckets_.size();
}

RateLimiter::Bucket& RateLimiter::bucketFor(std::string&& name, const Key& key, TimePoint now) {
  const Credit full = capacity(key.requests, key.period);
  auto [it, inserted] = buckets_.try_emplace(std::move(name), Bucket{full, now, key.requests, key.period, {}});
  Bucket& bucket = it->second;
  if (inserted) {
    try {
      bucket.lru = lru_.insert(lru_.end(), &it->first);
    } catch (...) {
      buckets_.erase(it);
      throw;
    }
    return bucket;
  }
  lru_.splice(lru_.end(), lru_, bucket.lru);
  if (bucket.requests != key.requests || bucket.period != key.period) {
    // A changed limit is a new limit: its bucket starts full rather than carrying credit in other units.
    bucket.credit = full;
    bucket.requests = key.requests;
    bucket.period = key.period;
    bucket.last = now;
    return bucket;
  }
  bucket.credit = creditAt(bucket.credit, bucket.last, bucket.requests, bucket.period, now);
  bucket.last = std::max(bucket.last, now);
  return bucket;
}

void RateLimiter::evictRefilled(TimePoint now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    const Bucket& b = it->second;
    const bool full = creditAt(b.credit, b.last, b.requests, b.period, now) == capacity(b.requests, b.period);
    auto next = std::next(it);
    if (full) erase(it);
    it = next;
  }
  // Still over while every bucket is live: rescan only after another eighth of the budget has been added, so
  // that the O(buckets) scan is not paid on every new caller.
  nextScanAt_ =
      buckets_.size() <= maxBuckets_ ? maxBuckets_ + 1 : buckets_.size() + std::max<std::size_t>(maxBuckets_ / 8, 1);
}

void RateLimiter::evictLeastRecentlyUsed() { erase(buckets_.find(*lru_.front())); }

void RateLimiter::erase(std::unordered_map<std::string, Bucket>::iterator it) {
  lru_.erase(it->second.lru);
  buckets_.erase(it);
}

}  // namespace warden::policy
