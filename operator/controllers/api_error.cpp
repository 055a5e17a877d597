#include "operator/controllers/api_error.h"

namespace warden::op {

std::string describeApiFailure(const std::string& what, const ApiResult& result) {
  std::string out = what + ": ";
  out += result.status == 0 ? std::string("no answer from the API server") : "HTTP " + std::to_string(result.status);
  if (!result.error.empty()) out += ": " + result.error;
  return out;
}

}  // namespace warden::op
