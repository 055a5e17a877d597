#include "sidecar/common/logging.h"

#include <chrono>

#include <date/date.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace warden::sidecar {

void configureLogging(std::string_view level) {
  auto logger = spdlog::stderr_logger_mt("warden");
  logger->set_pattern("%v");  // the line is already a JSON object
  logger->set_level(spdlog::level::from_str(std::string(level)));
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
}

void logJson(spdlog::level::level_enum level, std::string_view message, const nlohmann::json& fields) {
  if (!spdlog::default_logger_raw()->should_log(level)) return;
  nlohmann::json line = {
      {"time", date::format("%FT%TZ", std::chrono::floor<std::chrono::microseconds>(std::chrono::system_clock::now()))},
      {"level", spdlog::level::to_string_view(level).data()},
      {"msg", message},
  };
  if (fields.is_object()) {
    for (const auto& [k, v] : fields.items()) line[k] = v;
  }
  spdlog::default_logger_raw()->log(level, "{}", line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace warden::sidecar
