#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

namespace warden::policy {

// Token buckets per (rule, principal): capacity `requests`, refilled continuously at `requests` per `period`
// on a monotonic clock. Thread-safe. Buckets live outside any compiled policy so that a policy swap that keeps
// a rule's id and limit keeps its bucket; a changed limit starts a fresh (full) bucket.
class RateLimiter {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  struct Key {
    std::string_view ruleId;
    std::string_view principal;
    std::uint32_t requests;
    std::chrono::nanoseconds period;
  };

  // `clock` defaults to steady_clock::now; tests inject their own. `maxBuckets` bounds memory: when exceeded,
  // buckets that have refilled completely (indistinguishable from new ones) are dropped first.
  explicit RateLimiter(Clock clock = {}, std::size_t maxBuckets = 100000);

  // Takes one token from every bucket named, all or nothing: true when each had a token (and each lost one);
  // false when any was empty (and none lost one). An empty span is true.
  bool tryAcquire(std::span<const Key> keys);

  std::size_t bucketCount() const;

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point last;
    std::uint32_t requests;
    std::chrono::nanoseconds period;
  };
  Bucket& bucketFor(const Key& key, std::chrono::steady_clock::time_point now);
  void evictRefilled(std::chrono::steady_clock::time_point now);

  Clock clock_;
  std::size_t maxBuckets_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

using RateLimiterPtr = std::shared_ptr<RateLimiter>;

}  // namespace warden::policy
