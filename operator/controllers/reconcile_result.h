#pragma once

#include <chrono>
#include <string>

namespace warden::op {

struct ReconcileResult {
  std::string error;                           // non-empty: failed, requeue with backoff
  std::chrono::milliseconds requeueAfter{0};   // > 0: succeeded, but look again after this (time-based work)
  int writes = 0;                              // API writes made (nothing changed => 0)
  bool ok() const { return error.empty(); }
};

}  // namespace warden::op
