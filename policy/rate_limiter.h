#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
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
  // If every bucket is still live, they are kept and new callers are still served: failing closed would deny
  // callers who have done nothing wrong, and dropping a live bucket hands its owner a fresh allowance. Memory
  // stays bounded all the same: above 2 × maxBuckets the least recently used buckets go. maxBuckets 0 counts as 1.
  explicit RateLimiter(Clock clock = {}, std::size_t maxBuckets = 100000);

  // Takes one token from every bucket named, all or nothing: true when each had a token (and each lost one);
  // false when any was empty (and none lost one). An empty span is true. A key named twice needs two tokens.
  // Never throws: a key with zero requests or a non-positive period, a failing clock or an allocation failure
  // is a denial (false).
  bool tryAcquire(std::span<const Key> keys);

  std::size_t bucketCount() const;

 private:
  using LruList = std::list<const std::string*>;  // bucket names, least recently used first

  // Exact integer arithmetic, so refills never drift: one token is `period` (in ns) units of credit, and a
  // bucket gains `requests` units per elapsed nanosecond up to requests × period.
  struct Bucket {
    unsigned __int128 credit;
    std::chrono::steady_clock::time_point last;  // when credit was brought up to date
    std::uint32_t requests;
    std::chrono::nanoseconds period;
    LruList::iterator lru;
  };
  // Finds or creates the bucket named `name` (built from key by bucketName) and refills it up to `now`.
  Bucket& bucketFor(std::string&& name, const Key& key, std::chrono::steady_clock::time_point now);
  void evictRefilled(std::chrono::steady_clock::time_point now);
  void evictLeastRecentlyUsed();
  void erase(std::unordered_map<std::string, Bucket>::iterator it);

  Clock clock_;
  std::size_t maxBuckets_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
  LruList lru_;
  // Scanning for full buckets costs O(buckets); while all are live, rescan only after this many exist.
  std::size_t nextScanAt_;
};

using RateLimiterPtr = std::shared_ptr<RateLimiter>;

}  // namespace warden::policy
