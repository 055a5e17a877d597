#pragma once

#include <memory>

#include <nlohmann/json.hpp>

namespace warden::op {

// An object as an informer caches it: immutable and shared. Readers and event handlers get the cached object
// itself, not a copy (as in client-go, where objects from a cache must not be mutated): a reconcile that reads
// thousands of objects costs pointer copies, and the cache holds each object once.
using ObjectPtr = std::shared_ptr<const nlohmann::json>;

}  // namespace warden::op
