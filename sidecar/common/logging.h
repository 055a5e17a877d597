#pragma once

#include <string_view>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace warden::sidecar {

// Structured logs: one JSON object per line on stderr ({"time", "level", "msg", ...fields}); stdout carries the
// receipts. `level` is trace, debug, info, warn or error.
void configureLogging(std::string_view level);

void logJson(spdlog::level::level_enum level, std::string_view message, const nlohmann::json& fields = {});

inline void logInfo(std::string_view m, const nlohmann::json& f = {}) { logJson(spdlog::level::info, m, f); }
inline void logWarn(std::string_view m, const nlohmann::json& f = {}) { logJson(spdlog::level::warn, m, f); }
inline void logError(std::string_view m, const nlohmann::json& f = {}) { logJson(spdlog::level::err, m, f); }
inline void logDebug(std::string_view m, const nlohmann::json& f = {}) { logJson(spdlog::level::debug, m, f); }

}  // namespace warden::sidecar
