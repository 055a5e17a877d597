#include "sidecar/mcp/request_id.h"

#include <cmath>
#include <cstdint>

namespace warden::sidecar::mcp {
namespace {

constexpr double kMaxSafeInteger = 9007199254740991.0;  // 2^53 - 1

}  // namespace

bool isIntegral(const nlohmann::json& value) {
  if (value.is_number_integer()) return true;  // signed and unsigned
  if (!value.is_number_float()) return false;
  const double v = value.get<double>();
  return std::isfinite(v) && std::trunc(v) == v && std::fabs(v) <= kMaxSafeInteger;
}

bool isValidId(const nlohmann::json& id) { return id.is_string() || isIntegral(id); }

std::string requestIdKey(const nlohmann::json& id) {
  if (id.is_string()) return "s:" + id.get_ref<const std::string&>();
  if (id.is_number_unsigned()) return "n:" + std::to_string(id.get<std::uint64_t>());
  if (id.is_number_integer()) return "n:" + std::to_string(id.get<std::int64_t>());
  if (isIntegral(id)) return "n:" + std::to_string(static_cast<std::int64_t>(id.get<double>()));
  return {};
}

}  // namespace warden::sidecar::mcp
