#include "policy/detectors/json_scanner.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace warden::policy {
namespace {

using Json = nlohmann::json;

// The concatenation of all strings is bounded so that its cost stays proportional to ordinary arguments; every
// string is still scanned on its own in full.
constexpr std::size_t kMaxConcatenation = std::size_t{1} << 20;

// A value still to visit, with the key of the object member it is the value of (null for array elements and
// the root).
struct Pending {
  const std::string* key;
  const Json* value;
};

// Decimal text of a number as it would be written by hand: integers in full, floats in their shortest form,
// which is plain decimal for integral values (4111111111111111.0 gives 4111111111111111).
std::string_view numberText(const Json& number, std::array<char, 64>* buffer) {
  char* const first = buffer->data();
  char* const last = first + buffer->size();
  std::to_chars_result result{first, std::errc()};
  switch (number.type()) {
    case Json::value_t::number_integer:
      result = std::to_chars(first, last, number.get<std::int64_t>());
      break;
    case Json::value_t::number_unsigned:
      result = std::to_chars(first, last, number.get<std::uint64_t>());
      break;
    case Json::value_t::number_float:
      result = std::to_chars(first, last, number.get<double>());
      break;
    default:
      break;
  }
  if (result.ec != std::errc()) return {};
  return std::string_view(first, static_cast<std::size_t>(result.ptr - first));
}

std::string_view scanUnchecked(const Json& root, const ContentDetector& detector) {
  std::vector<Pending> stack;  // explicit, so arbitrarily deep input cannot overflow the call stack
  stack.push_back({nullptr, &root});
  std::string concatenation;
  std::size_t strings = 0;
  std::string pair;
  std::array<char, 64> numberBuffer{};

  while (!stack.empty()) {
    const Pending item = stack.back();
    stack.pop_back();
    const Json& value = *item.value;
    if (item.key != nullptr) {
      if (const auto found = detector.find(*item.key); !found.empty()) return found;
    }

    std::string_view scalar;
    bool isScalar = true;
    switch (value.type()) {
      case Json::value_t::object:
        // Pushed in reverse so that members are visited in iteration order.
        for (auto it = value.rbegin(); it != value.rend(); ++it) stack.push_back({&it.key(), &it.value()});
        isScalar = false;
        break;
      case Json::value_t::array:
        for (auto it = value.rbegin(); it != value.rend(); ++it) stack.push_back({nullptr, &*it});
        isScalar = false;
        break;
      case Json::value_t::string: {
        scalar = value.get_ref<const std::string&>();
        if (const auto found = detector.find(scalar); !found.empty()) return found;
        ++strings;
        const std::size_t room = kMaxConcatenation - concatenation.size();
        concatenation.append(scalar.data(), std::min(room, scalar.size()));
        break;
      }
      case Json::value_t::number_integer:
      case Json::value_t::number_unsigned:
      case Json::value_t::number_float:
        scalar = numberText(value, &numberBuffer);
        if (const auto found = detector.find(scalar); !found.empty()) return found;
        break;
      case Json::value_t::boolean:
        scalar = value.get<bool>() ? "true" : "false";
        break;
      case Json::value_t::null:
        scalar = "null";
        break;
      default:  // binary and discarded values carry no text
        isScalar = false;
        break;
    }

    // {"password": "..."} is seen as password=..., like the same pair written in a config file.
    if (item.key != nullptr && isScalar) {
      pair.assign(*item.key);
      pair += '=';
      pair.append(scalar.data(), scalar.size());
      if (const auto found = detector.find(pair); !found.empty()) return found;
    }
  }

  // A secret split across several strings; with a single string this is the scan already done.
  if (strings > 1) return detector.find(concatenation);
  return {};
}

}  // namespace

std::string_view scanJson(const nlohmann::json& value, const ContentDetector& detector) {
  // Never throws: a scan that cannot complete (memory exhausted, a detector that misbehaves) is reported as a
  // finding so that the condition fails closed.
  try {
    return scanUnchecked(value, detector);
  } catch (...) {
    return kScanErrorCategory;
  }
}

}  // namespace warden::policy
