#include "policy/quote.h"

#include <nlohmann/json.hpp>

namespace warden::policy {

std::string quoteForMessage(std::string_view text, std::size_t maxBytes) {
  const bool shortened = text.size() > maxBytes;
  std::string quoted = nlohmann::json(std::string(text.substr(0, maxBytes)))
                           .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (shortened) quoted += "...";
  return quoted;
}

}  // namespace warden::policy
