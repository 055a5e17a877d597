#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace warden::policy {

// Kubernetes-style durations as Go's time.ParseDuration reads them: a sequence of decimal numbers with units
// ns, us, µs, ms, s, m, h ("30s", "1m", "1h30m", "1.5h", "500ms"). Only positive durations are accepted here;
// nullopt with *error otherwise. Results are truncated to nanoseconds.
std::optional<std::chrono::nanoseconds> parseDuration(std::string_view text, std::string* error);

}  // namespace warden::policy
