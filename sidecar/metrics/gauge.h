#pragma once

#include <atomic>
#include <string>
#include <string_view>

namespace warden::sidecar {

// A value that goes up and down (open connections, SVID expiry time). Thread-safe and lock-free.
class Gauge {
 public:
  void set(double value) { value_.store(value, std::memory_order_relaxed); }
  void add(double delta) { value_.fetch_add(delta, std::memory_order_relaxed); }
  void inc() { add(1); }
  void dec() { add(-1); }
  double value() const { return value_.load(std::memory_order_relaxed); }

  // `name{labels} value\n`; `labels` is the rendered label list without braces ("" for none).
  void appendSamples(std::string& out, std::string_view name, std::string_view labels) const;

 private:
  std::atomic<double> value_{0};
};

}  // namespace warden::sidecar
