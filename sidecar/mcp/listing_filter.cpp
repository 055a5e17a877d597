#include "sidecar/mcp/listing_filter.h"

#include <optional>
#include <utility>

#include "policy/tool_pin.h"
#include "policy/visibility.h"

namespace warden::sidecar::mcp {
namespace {

using nlohmann::json;

struct Listing {
  const char* list;  // the member of result holding the elements
  const char* key;   // the member of an element the policy judges
  policy::RuleKind kind;
};

std::optional<Listing> listingOf(std::string_view method) {
  if (method == "tools/list") return Listing{"tools", "name", policy::RuleKind::Tool};
  if (method == "resources/list") return Listing{"resources", "uri", policy::RuleKind::Resource};
  if (method == "resources/templates/list") {
    return Listing{"resourceTemplates", "uriTemplate", policy::RuleKind::Resource};
  }
  if (method == "prompts/list") return Listing{"prompts", "name", policy::RuleKind::Prompt};
  return std::nullopt;
}

const std::string* keyOf(const json& element, const char* key) {
  if (!element.is_object()) return nullptr;
  const auto it = element.find(key);
  return it != element.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
}

}  // namespace

FilterOutcome filterListingResult(nlohmann::json& response, std::string_view method,
                                  const policy::CompiledPolicy& policy, std::string_view principal) {
  FilterOutcome outcome;
  const auto listing = listingOf(method);
  if (!listing || !response.is_object()) return outcome;
  const auto result = response.find("result");
  if (result == response.end()) return outcome;  // an error response, or no answer at all: nothing to show
  outcome.filtered = true;

  if (!result->is_object()) {
    *result = json::object();
    outcome.malformed = true;
  }
  json& list = (*result)[listing->list];
  if (!list.is_array()) {
    outcome.malformed = true;
    list = json::array();
    return outcome;
  }

  const auto& pinning = policy.server().toolPinning;
  auto& elements = list.get_ref<json::array_t&>();
  std::size_t write = 0;
  for (std::size_t read = 0; read < elements.size(); ++read) {
    json& element = elements[read];
    const std::string* target = keyOf(element, listing->key);
    bool keep = target != nullptr && policy::isVisible(policy, listing->kind, principal, *target);
    if (keep && listing->kind == policy::RuleKind::Tool) {
      switch (policy::checkToolPin(pinning, element)) {
        case policy::PinStatus::NotChecked:
        case policy::PinStatus::Match:
          break;
        case policy::PinStatus::Mismatch:
          outcome.pinMismatches.push_back(*target);
          keep = pinning.mode != policy::PinningMode::Enforce;
          break;
        case policy::PinStatus::Unpinned:
          outcome.unpinned.push_back(*target);
          keep = pinning.mode != policy::PinningMode::Enforce;
          break;
      }
    }
    if (!keep) continue;
    if (write != read) elements[write] = std::move(element);
    ++write;
  }
  outcome.kept = write;
  outcome.removed = elements.size() - write;
  elements.resize(write);
  return outcome;
}

}  // namespace warden::sidecar::mcp
