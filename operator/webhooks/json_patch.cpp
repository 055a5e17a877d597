#include "operator/webhooks/json_patch.h"

namespace warden::op {

std::string escapeJsonPointerToken(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

nlohmann::json patchAdd(std::string path, nlohmann::json value) {
  return {{"op", "add"}, {"path", std::move(path)}, {"value", std::move(value)}};
}

}  // namespace warden::op
