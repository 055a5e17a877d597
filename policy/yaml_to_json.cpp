#include "policy/yaml_to_json.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <new>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include <yaml-cpp/anchor.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include "policy/quote.h"
#include "policy/utf8.h"

namespace warden::policy {
namespace {

using nlohmann::json;

// Nesting limit for the JSON produced, aliases included (yaml-cpp bounds only the text's own nesting).
constexpr std::size_t kMaxDepth = 256;
// Longest text quoted in an error message.
constexpr std::string_view kCoreTagPrefix = "tag:yaml.org,2002:";

// ---- messages ----------------------------------------------------------------------------------------------

std::string location(const YAML::Mark& mark) {
  return "line " + std::to_string(std::max(mark.line, 0) + 1) + ", column " +
         std::to_string(std::max(mark.column, 0) + 1);
}

std::string displayTag(const std::string& tag) {
  if (std::string_view(tag).starts_with(kCoreTagPrefix)) return "!!" + tag.substr(kCoreTagPrefix.size());
  return tag;
}

// ---- plain scalar resolution (go-yaml v2's resolve(), as used by sigs.k8s.io/yaml) ------------------------------

enum class Special { True, False, Null, NotFinite };

// The plain scalars go-yaml v2 looks up by their exact text.
const Special* lookupSpecial(std::string_view in) {
  static const std::unordered_map<std::string_view, Special> kTable = {
      {"y", Special::True},          {"Y", Special::True},          {"yes", Special::True},
      {"Yes", Special::True},        {"YES", Special::True},        {"true", Special::True},
      {"True", Special::True},       {"TRUE", Special::True},       {"on", Special::True},
      {"On", Special::True},         {"ON", Special::True},         {"n", Special::False},
      {"N", Special::False},         {"no", Special::False},        {"No", Special::False},
      {"NO", Special::False},        {"false", Special::False},     {"False", Special::False},
      {"FALSE", Special::False},     {"off", Special::False},       {"Off", Special::False},
      {"OFF", Special::False},       {"", Special::Null},           {"~", Special::Null},
      {"null", Special::Null},       {"Null", Special::Null},       {"NULL", Special::Null},
      {".nan", Special::NotFinite},  {".NaN", Special::NotFinite},  {".NAN", Special::NotFinite},
      {".inf", Special::NotFinite},  {".Inf", Special::NotFinite},  {".INF", Special::NotFinite},
      {"+.inf", Special::NotFinite}, {"+.Inf", Special::NotFinite}, {"+.INF", Special::NotFinite},
      {"-.inf", Special::NotFinite}, {"-.Inf", Special::NotFinite}, {"-.INF", Special::NotFinite},
  };
  const auto it = kTable.find(in);
  return it == kTable.end() ? nullptr : &it->second;
}

enum class IntParse { NotInteger, Ok, OutOfRange };

// Go's strconv.ParseInt(s, 0, 64), falling back to uint64 like go-yaml: optional sign, then 0x/0o/0b prefixes
// (any case), a leading 0 for octal, else decimal. Underscores were removed by the caller.
IntParse parseGoInteger(std::string_view s, json& out) {
  bool negative = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  unsigned base = 10;
  if (s.size() >= 2 && s[0] == '0') {
    const char prefix = static_cast<char>(s[1] | 0x20);
    if (prefix == 'x' || prefix == 'o' || prefix == 'b') {
      base = prefix == 'x' ? 16 : prefix == 'o' ? 8 : 2;
      s.remove_prefix(2);
    } else {
      base = 8;
      s.remove_prefix(1);
    }
  }
  if (s.empty()) return IntParse::NotInteger;
  std::uint64_t magnitude = 0;
  bool overflow = false;
  for (const char c : s) {
    unsigned digit = 0;
    if (c >= '0' && c <= '9') {
      digit = static_cast<unsigned>(c - '0');
    } else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
      digit = static_cast<unsigned>((c | 0x20) - 'a' + 10);
    } else {
      return IntParse::NotInteger;
    }
    if (digit >= base) return IntParse::NotInteger;
    if (magnitude > (std::numeric_limits<std::uint64_t>::max() - digit) / base) overflow = true;
    if (!overflow) magnitude = magnitude * base + digit;
  }
  if (overflow) return IntParse::OutOfRange;
  constexpr auto kInt64Max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (negative) {
    if (magnitude > kInt64Max + 1) return IntParse::OutOfRange;
    out = magnitude == kInt64Max + 1 ? std::numeric_limits<std::int64_t>::min() : -static_cast<std::int64_t>(magnitude);
  } else if (magnitude <= kInt64Max) {
    out = static_cast<std::int64_t>(magnitude);
  } else {
    out = magnitude;
  }
  return IntParse::Ok;
}

// go-yaml's yamlStyleFloat: ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
bool isYamlStyleFloat(std::string_view s) {
  std::size_t i = 0;
  auto digits = [&] {
    const std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i - start;
  };
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (digits() == 0) return false;
  } else {
    if (digits() == 0) return false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      digits();
    }
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  return i == s.size();
}

// For a yamlStyleFloat text that from_chars found out of range: whether it overflowed (its decimal exponent is
// positive) rather than underflowed.
bool overflows(std::string_view s) {
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) s.remove_prefix(1);
  const std::size_t e = s.find_first_of("eE");
  const std::string_view mantissa = s.substr(0, e);
  long long exponent = 0;
  if (e != std::string_view::npos) {
    std::string_view digits = s.substr(e + 1);
    const bool negative = !digits.empty() && digits.front() == '-';
    if (!digits.empty() && (digits.front() == '+' || digits.front() == '-')) digits.remove_prefix(1);
    for (const char c : digits) exponent = std::min(exponent * 10 + (c - '0'), 1'000'000'000LL);  // saturate
    if (negative) exponent = -exponent;
  }
  const std::size_t dot = mantissa.find('.');
  const std::string_view integer = mantissa.substr(0, dot);
  const std::size_t firstNonZero = integer.find_first_not_of('0');
  if (firstNonZero != std::string_view::npos) {
    return static_cast<long long>(integer.size() - firstNonZero) + exponent > 0;
  }
  const std::string_view fraction = dot == std::string_view::npos ? std::string_view() : mantissa.substr(dot + 1);
  const std::size_t leadingZeros = std::min(fraction.find_first_not_of('0'), fraction.size());
  return exponent - static_cast<long long>(leadingZeros) > 0;
}

// Go's strconv.ParseFloat(s, 64) on a yamlStyleFloat text: false on overflow (go-yaml then keeps the string);
// an underflow gives a (signed) zero as in Go.
bool parseGoFloat(std::string_view s, double& out) {
  const bool negative = !s.empty() && s.front() == '-';
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) s.remove_prefix(1);
  double value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value, std::chars_format::general);
  if (ec == std::errc::result_out_of_range) {
    if (overflows(s)) return false;
    value = 0;
  } else if (ec != std::errc() || end != s.data() + s.size()) {
    return false;
  }
  out = negative ? -value : value;
  return std::isfinite(out);
}

// A plain (untagged, unquoted) scalar to its JSON value, like go-yaml v2 for sigs.k8s.io/yaml, except that
// integers wider than 64 bits are an error instead of a lossy float. Returns false with `error` set on failure.
bool resolvePlain(const std::string& in, json& out, std::string& error) {
  enum class Hint { None, Lookup, Number, Dot };
  Hint hint = Hint::Lookup;  // the empty scalar is null
  if (!in.empty()) {
    const char c = in.front();
    if (c == '+' || c == '-' || (c >= '0' && c <= '9')) {
      hint = Hint::Number;
    } else if (c == '.') {
      hint = Hint::Dot;
    } else if (std::string_view("yYnNtTfFoO~").find(c) != std::string_view::npos) {
      hint = Hint::Lookup;
    } else {
      hint = Hint::None;
    }
  }
  if (hint == Hint::None) {
    out = in;
    return true;
  }
  if (const Special* special = lookupSpecial(in)) {
    switch (*special) {
      case Special::True:
        out = true;
        return true;
      case Special::False:
        out = false;
        return true;
      case Special::Null:
        out = nullptr;
        return true;
      case Special::NotFinite:
        error = "cannot represent " + quoteForMessage(in) + " in JSON (not a finite number)";
        return false;
    }
  }
  double number = 0;
  if (hint == Hint::Dot) {
    if (isYamlStyleFloat(in) && parseGoFloat(in, number)) {
      out = number;
    } else {
      out = in;
    }
    return true;
  }
  if (hint == Hint::Number) {
    std::string plain = in;
    plain.erase(std::remove(plain.begin(), plain.end(), '_'), plain.end());
    switch (parseGoInteger(plain, out)) {
      case IntParse::Ok:
        return true;
      case IntParse::OutOfRange:
        error = "integer " + quoteForMessage(in) + " does not fit in 64 bits";
        return false;
      case IntParse::NotInteger:
        break;
    }
    if (isYamlStyleFloat(plain) && parseGoFloat(plain, number)) {
      out = number;
      return true;
    }
  }
  out = in;
  return true;
}

// A scalar with its tag: "?" plain, "!" quoted (or non-specific), else an explicit tag.
bool resolveScalar(const std::string& tag, const std::string& value, json& out, std::string& error) {
  if (tag == "!") {
    out = value;
    return true;
  }
  if (tag == "?") return resolvePlain(value, out, error);
  const std::string_view name = std::string_view(tag).starts_with(kCoreTagPrefix)
                                    ? std::string_view(tag).substr(kCoreTagPrefix.size())
                                    : std::string_view();
  if (name == "str") {
    out = value;
    return true;
  }
  if (name != "int" && name != "float" && name != "bool" && name != "null") {
    error = "unsupported tag " + quoteForMessage(displayTag(tag));
    return false;
  }
  if (!resolvePlain(value, out, error)) return false;
  bool matches = false;
  if (name == "int") {
    matches = out.is_number_integer();
  } else if (name == "float") {
    if (out.is_number_integer()) out = out.get<double>();
    matches = out.is_number_float();
  } else if (name == "bool") {
    matches = out.is_boolean();
  } else {
    matches = out.is_null();
  }
  if (!matches) {
    error = "cannot read " + quoteForMessage(value) + " as " + displayTag(tag);
    return false;
  }
  return true;
}

// strconv.FormatFloat(v, 'g', -1, 32), which sigs.k8s.io/yaml uses to turn a float map key into text.
std::string goFloatKey(double v) {
  const auto f = static_cast<float>(v);
  if (std::isinf(f)) return f > 0 ? ".inf" : "-.inf";
  std::array<char, 64> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), f, std::chars_format::scientific);
  const std::string_view scientific(buffer.data(), static_cast<std::size_t>(result.ptr - buffer.data()));
  const std::size_t e = scientific.find('e');
  int exponent = 0;
  std::from_chars(scientific.data() + e + (scientific[e + 1] == '+' ? 2 : 1), scientific.data() + scientific.size(),
                  exponent);
  // Go switches to %e for the shortest form when the exponent is < -4 or >= 6; its %e text equals C's.
  if (exponent < -4 || exponent >= 6) return std::string(scientific);
  const bool negative = scientific.front() == '-';
  std::string digits;
  for (const char c : scientific.substr(negative ? 1 : 0, e - (negative ? 1 : 0))) {
    if (c != '.') digits += c;
  }
  const int point = exponent + 1;  // digits before the decimal point
  std::string out = negative ? "-" : "";
  if (point <= 0) {
    out += "0." + std::string(static_cast<std::size_t>(-point), '0') + digits;
  } else if (static_cast<std::size_t>(point) >= digits.size()) {
    out += digits + std::string(static_cast<std::size_t>(point) - digits.size(), '0');
  } else {
    out += digits.substr(0, static_cast<std::size_t>(point)) + "." + digits.substr(static_cast<std::size_t>(point));
  }
  return out;
}

// A map key as sigs.k8s.io/yaml writes it into JSON: strings as is, booleans and numbers as their text.
bool keyText(const json& key, std::string& out, std::string& error) {
  switch (key.type()) {
    case json::value_t::string:
      out = key.get_ref<const std::string&>();
      return true;
    case json::value_t::boolean:
      out = key.get<bool>() ? "true" : "false";
      return true;
    case json::value_t::number_integer:
      out = std::to_string(key.get<std::int64_t>());
      return true;
    case json::value_t::number_unsigned:
      out = std::to_string(key.get<std::uint64_t>());
      return true;
    case json::value_t::number_float:
      out = goFloatKey(key.get<double>());
      return true;
    case json::value_t::null:
      error = "a map key must not be null";
      return false;
    default:
      error = "a map key must be a scalar";
      return false;
  }
}

// ---- event handler -----------------------------------------------------------------------------------------

// Builds one JSON value per document from yaml-cpp's parse events. A document with an error is dropped (its first
// error is reported) and the next document is read as usual.
class JsonBuilder final : public YAML::EventHandler {
 public:
  JsonBuilder(std::vector<YamlDocument>& documents, FieldErrors& errors) : documents_(documents), errors_(errors) {}

  void OnDocumentStart(const YAML::Mark& /*mark*/) override {
    frames_.clear();
    anchors_.clear();
    root_ = nullptr;
    line_ = 0;
    failed_ = false;
    decodeCount_ = 0;
    aliasCount_ = 0;
  }

  void OnDocumentEnd() override {
    // Empty documents (a lone `---`, only comments, a bare null) are skipped, as kubectl does.
    if (!failed_ && !root_.is_null()) documents_.push_back(YamlDocument{std::move(root_), line_});
    frames_.clear();
    anchors_.clear();
  }

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (failed_) return;
    noteNode(mark);
    addLeaf(json(nullptr), anchor, mark);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    if (failed_) return;
    noteNode(mark);
    if (!isValidUtf8(value)) return fail(mark, "invalid UTF-8");
    if (tag == "?" && value == "<<" && expectingKey()) {
      return fail(mark, "merge keys (<<) are not supported");
    }
    json resolved;
    std::string error;
    if (!resolveScalar(tag, value, resolved, error)) return fail(mark, error);
    addLeaf(std::move(resolved), anchor, mark);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (failed_) return;
    noteNode(mark);
    const auto it = anchors_.find(anchor);
    // yaml-cpp registers an anchor before its node's content, so an alias inside the node it names arrives
    // before that node is complete.
    if (it == anchors_.end()) return fail(mark, "an alias must not refer to a node that contains it");
    const Anchored& target = it->second;
    if (frames_.size() + target.height > kMaxDepth) return fail(mark, nestingMessage());
    decodeCount_ += target.nodes;
    aliasCount_ += target.nodes;
    if (excessiveAliasing()) return fail(mark, "document contains excessive aliasing");
    place(json(target.value), target.nodes, target.height, mark);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value /*style*/) override {
    openCollection(mark, tag, anchor, /*isMap=*/false);
  }

  void OnSequenceEnd() override { closeCollection(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value /*style*/) override {
    openCollection(mark, tag, anchor, /*isMap=*/true);
  }

  void OnMapEnd() override { closeCollection(); }

  // Whether the document being read has had an error.
  bool failed() const { return failed_; }

 private:
  struct Anchored {
    json value;
    std::size_t nodes = 0;   // nodes in the value, for the aliasing limit
    std::size_t height = 0;  // nesting levels in the value, for the depth limit
  };

  struct Frame {
    json value;  // the array or object being filled
    YAML::anchor_t anchor = YAML::NullAnchor;
    YAML::Mark mark;
    bool isMap = false;
    bool haveKey = false;  // a key awaits its value
    std::string key;
    std::size_t nodes = 1;
    std::size_t height = 1;
  };

  static std::string nestingMessage() { return "nesting deeper than " + std::to_string(kMaxDepth); }

  bool expectingKey() const { return !frames_.empty() && frames_.back().isMap && !frames_.back().haveKey; }

  // Counts a node, and takes the document's line from its root node.
  void noteNode(const YAML::Mark& mark) {
    if (frames_.empty()) line_ = std::max(mark.line, 0) + 1;
    ++decodeCount_;
  }

  void addLeaf(json value, YAML::anchor_t anchor, const YAML::Mark& mark) {
    if (anchor != YAML::NullAnchor) anchors_[anchor] = Anchored{value, 1, 0};
    place(std::move(value), 1, 0, mark);
  }

  void openCollection(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor, bool isMap) {
    if (failed_) return;
    noteNode(mark);
    if (expectingKey()) return fail(mark, "a map key must be a scalar");
    const std::string_view expected = isMap ? "tag:yaml.org,2002:map" : "tag:yaml.org,2002:seq";
    if (tag != "?" && tag != "!" && tag != expected) return fail(mark, "unsupported tag " + quoteForMessage(displayTag(tag)));
    if (frames_.size() >= kMaxDepth) return fail(mark, nestingMessage());
    Frame frame;
    frame.value = isMap ? json::object() : json::array();
    frame.anchor = anchor;
    frame.mark = mark;
    frame.isMap = isMap;
    frames_.push_back(std::move(frame));
  }

  void closeCollection() {
    if (failed_) return;
    Frame frame = std::move(frames_.back());
    frames_.pop_back();
    if (frame.anchor != YAML::NullAnchor) anchors_[frame.anchor] = Anchored{frame.value, frame.nodes, frame.height};
    place(std::move(frame.value), frame.nodes, frame.height, frame.mark);
  }

  // Puts a finished node into its parent: the document root, the next array item, a map key or a map value.
  void place(json value, std::size_t nodes, std::size_t height, const YAML::Mark& mark) {
    if (frames_.empty()) {
      root_ = std::move(value);
      if (excessiveAliasing()) fail(mark, "document contains excessive aliasing");
      return;
    }
    Frame& parent = frames_.back();
    parent.nodes += nodes;
    parent.height = std::max(parent.height, height + 1);
    if (!parent.isMap) {
      parent.value.push_back(std::move(value));
      return;
    }
    if (!parent.haveKey) {
      std::string key;
      std::string error;
      if (!keyText(value, key, error)) return fail(mark, error);
      if (parent.value.contains(key)) return fail(mark, "duplicate key " + quoteForMessage(key));
      parent.key = std::move(key);
      parent.haveKey = true;
      return;
    }
    parent.value.emplace(std::move(parent.key), std::move(value));
    parent.haveKey = false;
  }

  // go-yaml's defence against alias bombs ("billion laughs"): the share of a document's nodes that come from
  // aliases may be 99% up to 400,000 nodes, falling linearly to 10% at 4,000,000.
  bool excessiveAliasing() const {
    if (aliasCount_ <= 100 || decodeCount_ <= 1000) return false;
    constexpr double kLow = 400'000;
    constexpr double kHigh = 4'000'000;
    const auto decoded = static_cast<double>(decodeCount_);
    double allowed = 0.99;
    if (decoded >= kHigh) {
      allowed = 0.10;
    } else if (decoded > kLow) {
      allowed = 0.99 - 0.89 * (decoded - kLow) / (kHigh - kLow);
    }
    return static_cast<double>(aliasCount_) / decoded > allowed;
  }

  void fail(const YAML::Mark& mark, std::string message) {
    errors_.push_back(FieldError{location(mark), std::move(message)});
    failed_ = true;
    frames_.clear();
    anchors_.clear();
    root_ = nullptr;
  }

  std::vector<YamlDocument>& documents_;
  FieldErrors& errors_;
  std::vector<Frame> frames_;  // collections being filled, innermost last
  std::unordered_map<YAML::anchor_t, Anchored> anchors_;
  json root_;
  int line_ = 0;
  bool failed_ = false;  // the current document had an error: ignore its remaining events
  std::size_t decodeCount_ = 0;
  std::size_t aliasCount_ = 0;
};

}  // namespace

std::vector<YamlDocument> yamlToJson(std::string_view text, FieldErrors& errors) {
  std::vector<YamlDocument> documents;
  JsonBuilder builder(documents, errors);
  try {
    std::istringstream input{std::string(text)};
    YAML::Parser parser(input);
    // Document by document, so the documents before a syntax error are still returned.
    while (parser.HandleNextDocument(builder)) {
    }
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp's own (higher) limit; the builder usually reported the nesting already.
    if (!builder.failed()) errors.push_back(FieldError{location(e.mark), "nesting too deep"});
  } catch (const YAML::ParserException& e) {
    errors.push_back(FieldError{location(e.mark), e.msg});
  } catch (const std::bad_alloc&) {
    errors.push_back(FieldError{"", "out of memory"});
  } catch (const std::exception& e) {
    errors.push_back(FieldError{"", std::string("cannot read YAML: ") + e.what()});
  }
  return documents;
}

}  // namespace warden::policy
