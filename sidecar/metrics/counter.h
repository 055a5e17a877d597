#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace warden::sidecar {

// A count that only goes up (requests, decisions, errors). Thread-safe and lock-free: one relaxed atomic add per
// increment, so it is cheap on the request path.
class Counter {
 public:
  void inc(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

  // `name{labels} value\n`; `labels` is the rendered label list without braces ("" for none).
  void appendSamples(std::string& out, std::string_view name, std::string_view labels) const;

 private:
  std::atomic<std::uint64_t> value_{0};
};

}  // namespace warden::sidecar
