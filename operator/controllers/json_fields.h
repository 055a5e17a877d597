#pragma once

// Tolerant readers of API objects as the caches hold them: a missing or mistyped field reads as empty, so a
// malformed object can never throw out of a reconcile.

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace warden::op {

const std::string& stringField(const nlohmann::json& object, const char* key);
const nlohmann::json& objectField(const nlohmann::json& object, const char* key);  // {} when absent
const nlohmann::json& arrayField(const nlohmann::json& object, const char* key);   // [] when absent
// metadata.generation, or 0.
std::int64_t generationOf(const nlohmann::json& object);

}  // namespace warden::op
