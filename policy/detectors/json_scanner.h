#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "policy/detectors/content_detector.h"

namespace warden::policy {

// Runs a detector over everything a JSON value carries: every string, every object key, every number as its
// decimal text (a card number sent as a JSON number), every `key=value` pair of an object member with a scalar
// value (so {"password": "..."} is seen as a password assignment), and finally the concatenation of all strings
// in traversal order (so a secret split across nested arguments is still found). Returns the first category
// found, or an empty view.
std::string_view scanJson(const nlohmann::json& value, const ContentDetector& detector);

}  // namespace warden::policy
