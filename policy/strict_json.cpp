#include "policy/strict_json.h"

#include <cstddef>
#include <exception>
#include <iterator>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "policy/quote.h"

namespace warden::policy {
namespace {

using nlohmann::json;

// An input iterator over the text that publishes how far the parser has read. nlohmann's SAX events carry no
// position, so this is how a duplicate key or an over-deep bracket is located.
class TrackingIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  TrackingIterator() = default;
  TrackingIterator(const char* p, const char** readUpTo) : p_(p), readUpTo_(readUpTo) {}

  reference operator*() const { return *p_; }
  TrackingIterator& operator++() {
    ++p_;
    *readUpTo_ = p_;
    return *this;
  }
  TrackingIterator operator++(int) {
    TrackingIterator before = *this;
    ++*this;
    return before;
  }
  bool operator==(const TrackingIterator& other) const { return p_ == other.p_; }

 private:
  const char* p_ = nullptr;
  const char** readUpTo_ = nullptr;
};

// nlohmann's messages read "[json.exception.parse_error.101] parse error at line 1, column 4: syntax error while
// parsing value - invalid literal; last read: 'tru'". Keep what went wrong; the caller adds the byte offset.
// Bytes outside printable ASCII (the "last read" part may hold invalid UTF-8) are shown as \xNN so the message
// is always safe to embed in JSON.
std::string cleanParserMessage(std::string_view what) {
  if (!what.empty() && what.front() == '[') {
    const auto close = what.find("] ");
    if (close != std::string_view::npos) what.remove_prefix(close + 2);
  }
  if (what.starts_with("parse error")) {
    const auto colon = what.find(": ");
    if (colon != std::string_view::npos) what.remove_prefix(colon + 2);
  }
  if (what.starts_with("syntax error ")) what.remove_prefix(13);

  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(what.size());
  for (const char c : what) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f) {
      out += c;
    } else {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    }
  }
  return out;
}

// Builds the DOM from SAX events. Values are placed directly into their parent; each key is checked against its
// object's existing keys as it arrives, so a duplicate stops the parse at once.
class StrictDomBuilder {
 public:
  StrictDomBuilder(const char* begin, const char* const* readUpTo, std::size_t maxDepth)
      : begin_(begin), readUpTo_(readUpTo), maxDepth_(maxDepth) {}

  bool null() { return addScalar(nullptr); }
  bool boolean(bool v) { return addScalar(v); }
  bool number_integer(json::number_integer_t v) { return addScalar(v); }
  bool number_unsigned(json::number_unsigned_t v) { return addScalar(v); }
  bool number_float(json::number_float_t v, const json::string_t& /*text*/) { return addScalar(v); }
  bool string(json::string_t& v) { return addScalar(std::move(v)); }
  bool binary(json::binary_t& /*v*/) { return fail("binary values are not JSON", consumed()); }

  bool start_object(std::size_t /*elements*/) { return openContainer(json::value_t::object); }
  bool start_array(std::size_t /*elements*/) { return openContainer(json::value_t::array); }
  bool end_object() { return closeContainer(); }
  bool end_array() { return closeContainer(); }

  bool key(json::string_t& k) {
    auto& members = open_.back()->get_ref<json::object_t&>();
    // try_emplace leaves `k` untouched when the key exists, and allocates only the node the DOM keeps otherwise.
    auto [it, inserted] = members.try_emplace(std::move(k));
    if (!inserted) return fail("duplicate key " + quoteForMessage(it->first), keyStart());
    slot_ = &it->second;
    return true;
  }

  bool parse_error(std::size_t position, const std::string& /*lastToken*/, const json::exception& ex) {
    // `position` counts the characters read, the offending one included.
    return fail("syntax error", position > 0 ? position - 1 : 0, cleanParserMessage(ex.what()));
  }

  json takeValue() { return std::move(root_); }
  const std::string& error() const { return error_; }
  std::size_t errorOffset() const { return errorOffset_; }

 private:
  std::size_t consumed() const { return static_cast<std::size_t>(*readUpTo_ - begin_); }

  // At a key event the parser has just read the key's closing quote; walk back to its opening quote (the first
  // quote not escaped by an odd run of backslashes).
  std::size_t keyStart() const {
    std::size_t closing = consumed();
    if (closing == 0) return 0;
    --closing;
    for (std::size_t i = closing; i-- > 0;) {
      if (begin_[i] != '"') continue;
      std::size_t backslashes = 0;
      while (backslashes < i && begin_[i - 1 - backslashes] == '\\') ++backslashes;
      if (backslashes % 2 == 0) return i;
    }
    return closing;
  }

  // Where the next value goes: the root, the end of the open array, or the slot of the last key.
  json& nextSlot() {
    if (open_.empty()) return root_;
    json& parent = *open_.back();
    if (parent.is_array()) return parent.get_ref<json::array_t&>().emplace_back();
    return *slot_;
  }

  template <typename T>
  bool addScalar(T&& v) {
    nextSlot() = json(std::forward<T>(v));
    return true;
  }

  bool openContainer(json::value_t type) {
    if (open_.size() >= maxDepth_) {
      // The bracket that goes too deep is the last character read.
      const std::size_t at = consumed() > 0 ? consumed() - 1 : 0;
      return fail("nesting deeper than " + std::to_string(maxDepth_), at);
    }
    json& slot = nextSlot();
    slot = json(type);
    // Safe to keep: a parent is not appended to again until this child is closed, and map nodes never move.
    open_.push_back(&slot);
    return true;
  }

  bool closeContainer() {
    open_.pop_back();
    return true;
  }

  bool fail(std::string_view what, std::size_t offset, std::string_view detail = {}) {
    error_ = std::string(what) + " at byte " + std::to_string(offset);
    if (!detail.empty()) {
      error_ += ": ";
      error_ += detail;
    }
    errorOffset_ = offset;
    return false;
  }

  const char* begin_;
  const char* const* readUpTo_;
  std::size_t maxDepth_;
  json root_;
  std::vector<json*> open_;  // containers being filled, innermost last
  json* slot_ = nullptr;     // value slot of the last key in the innermost object
  std::string error_;
  std::size_t errorOffset_ = 0;
};

JsonParseResult failure(std::string error, std::size_t offset) {
  JsonParseResult result;
  result.error = std::move(error);
  result.offset = offset;
  return result;
}

}  // namespace

JsonParseResult parseStrictJson(std::string_view text, const JsonParseLimits& limits) {
  try {
    if (text.empty()) return failure("syntax error at byte 0: empty input", 0);
    const char* begin = text.data();
    const char* readUpTo = begin;
    StrictDomBuilder builder(begin, &readUpTo, limits.maxDepth);
    const bool ok =
        json::sax_parse(TrackingIterator(begin, &readUpTo), TrackingIterator(begin + text.size(), &readUpTo), &builder,
                        json::input_format_t::json, /*strict=*/true,
                        /*ignore_comments=*/false);
    if (!ok) {
      if (builder.error().empty()) return failure("syntax error at byte 0: rejected input", 0);
      return failure(builder.error(), builder.errorOffset());
    }
    JsonParseResult result;
    result.value = builder.takeValue();
    return result;
  } catch (const std::bad_alloc&) {
    return failure("out of memory", 0);  // short enough for the small-string buffer: allocates nothing
  } catch (...) {
    return failure("internal error", 0);
  }
}

}  // namespace warden::policy
