// Prompt-injection detector: phrases that try to replace the model's instructions, chat-template and pseudo-XML
// tags used to smuggle instructions, and invisible Unicode characters that hide text from the human reader.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "policy/detectors/content_detector.h"
#include "policy/detectors/pattern_detector.h"

namespace warden::policy {
namespace {

using detail::Candidate;
using detail::PatternDetector;
using detail::PatternRule;

constexpr std::string_view kInstructionOverride = "instruction_override";
constexpr std::string_view kHiddenInstructionTag = "hidden_instruction_tag";
constexpr std::string_view kInvisibleControl = "invisible_control";

// ---- phrase patterns ----

// Between two words of a phrase: any run of whitespace, punctuation, symbols, Unicode spaces and the General
// Punctuation block (dashes, quotes, zero-width and bidi characters), so `ignore---all   "previous"` and
// `IGNORE_ALL_PREVIOUS` match like the plain phrase.
constexpr std::string_view kGap =
    R"((?:[\s\x{00A0}\x{00AB}\x{00BB}\x{2000}-\x{206F}\x{3000}-\x{3003}\x{FEFF}!-/:-@\[-`{-~]+))";

constexpr std::string_view kStart = R"((?:^|[^a-z0-9]))";
constexpr std::string_view kInstructions =
    "(?:instructions?|rules|prompts?|directives?|directions|guidelines|commands|guardrails|constraints|context)";
constexpr std::string_view kEarlier =
    "(?:previous|prior|above|earlier|preceding|foregoing|former|original|initial|system|safety|developer)";
constexpr std::string_view kDeterminer = "(?:the|your|my|these|those)";

// Expands a phrase template into a case-insensitive pattern that does not start inside a longer word: `~` is a
// gap, {INSTR}, {EARLIER} and {DET} are the word lists above.
std::string phrase(std::string_view templ) {
  struct Placeholder {
    std::string_view name;
    std::string_view text;
  };
  static const Placeholder kPlaceholders[] = {
      {"~", kGap}, {"{INSTR}", kInstructions}, {"{EARLIER}", kEarlier}, {"{DET}", kDeterminer}};
  std::string out = "(?i)" + std::string(kStart);
  for (std::size_t i = 0; i < templ.size();) {
    bool replaced = false;
    for (const auto& p : kPlaceholders) {
      if (templ.substr(i, p.name.size()) == p.name) {
        out += p.text;
        i += p.name.size();
        replaced = true;
        break;
      }
    }
    if (!replaced) out += templ[i++];
  }
  return out;
}

// The phrases of instruction_override, one alternation per verb.
std::vector<std::string> overridePhrases() {
  return {
      // ignore all previous instructions / ignore the above rules / ignore all instructions
      phrase("ignore~(?:(?:all|any|every)~(?:(?:of~)?{DET}~)?(?:{EARLIER}~)?|(?:{DET}~)?{EARLIER}~)(?:\\w+~)?{INSTR}"),
      // disregard all prior ... / disregard the previous instructions / disregard the above / disregard your rules
      phrase("disregard~(?:(?:all|any|every)~(?:(?:of~)?{DET}~)?{EARLIER}\\b|(?:{DET}~)?{EARLIER}~(?:\\w+~)?{INSTR}"
             "|(?:(?:all|any)~(?:of~)?)?(?:the~)?above\\b|(?:your|all|any)~(?:\\w+~)?{INSTR})"),
      // forget everything you know / forget all previous instructions / forget your rules
      phrase("forget~(?:(?:everything|all|anything)~(?:you\\b|that~you\\b|(?:of~)?(?:{DET}~)?(?:{EARLIER}|{INSTR}))"
             "|your~(?:{EARLIER}~)?(?:\\w+~)?{INSTR}|(?:the~)?{EARLIER}~(?:\\w+~)?{INSTR})"),
      // you are now an unrestricted AI / you are now in developer mode / you are now DAN (role or mode
      // reassignment; "you are now in the queue" or "you are now a member" are ordinary notifications)
      phrase("you~(?:are|re)~now~(?:(?:a|an)~(?:\\w+~){0,3}?(?:ai|assistant|model|bot|chatbot|agent|persona|"
             "character|pirate|hacker|jailbreak|dan)\\b|in~(?:\\w+~){0,2}?mode\\b|(?:dan|unrestricted|unfiltered|"
             "jailbroken|free~of)\\b)"),
      // new instructions:
      phrase("(?:new|updated|revised|real|actual|true)~(?:system~)?instructions?[\\s\\x{00A0}]*:"),
      // override your system prompt / override the safety guidelines
      phrase("override~(?:(?:your|the|all|any)~)?(?:(?:previous|prior)~)?(?:system|safety|security|content)~"
             "(?:\\w+~)?(?:prompts?|instructions?|rules|guidelines|guardrails|filters?|protocols?|polic(?:y|ies)|"
             "restrictions|measures)"),
      // do not tell the user / without telling the user / hide this from the user
      phrase("(?:do~not|don~?t|never)~(?:(?:tell|inform|notify|alert)~(?:the~)?user\\b|let~(?:the~)?user~know\\b|"
             "(?:mention|reveal|disclose|say)~(?:\\w+~){0,3}?to~(?:the~)?user\\b)"),
      phrase("without~(?:telling|informing|notifying|alerting)~(?:the~)?user\\b"),
      phrase("(?:hide|conceal|keep)~(?:this|it|that)~(?:\\w+~)?from~(?:the~)?user\\b"),
  };
}

std::string alternation(const std::vector<std::string>& patterns) {
  std::string out;
  for (const auto& p : patterns) {
    if (!out.empty()) out += '|';
    out += "(?:" + p + ")";
  }
  return out;
}

// Words that, inside an HTML comment, address a model rather than a human maintainer.
std::string commentAddressesModel() {
  return phrase("(?:assistant|llm|language~model|ai~(?:agent|model|assistant)|system~prompt|secretly|"
                "instructions?~(?:for|to)~(?:the~)?(?:ai|assistant|model|agent|llm))\\b");
}

// ---- invisible characters ----

// Decodes the UTF-8 code point starting at text[i] (its length in *length); -1 when invalid or out of range.
long decodeAt(std::string_view text, std::size_t i, std::size_t* length) {
  *length = 1;
  if (i >= text.size()) return -1;
  const auto b0 = static_cast<unsigned char>(text[i]);
  std::size_t n = 0;
  long cp = 0;
  if (b0 < 0x80) return b0;
  if ((b0 & 0xE0) == 0xC0) {
    n = 2;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 3;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 4;
    cp = b0 & 0x07;
  } else {
    return -1;
  }
  if (i + n > text.size()) return -1;
  for (std::size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(text[i + k]);
    if ((b & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (b & 0x3F);
  }
  *length = n;
  return cp;
}

// The code point that ends just before text[i]; -1 when there is none.
long decodeBefore(std::string_view text, std::size_t i) {
  if (i == 0 || i > text.size()) return -1;
  std::size_t start = i - 1;
  while (start > 0 && i - start < 4 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
  std::size_t length = 0;
  const long cp = decodeAt(text, start, &length);
  return start + length == i ? cp : -1;
}

bool inRange(long cp, long lo, long hi) { return cp >= lo && cp <= hi; }

// Pictographs that join into one emoji with U+200D (family, profession and flag sequences).
bool isEmojiPart(long cp) {
  return inRange(cp, 0x1F000, 0x1FAFF) || inRange(cp, 0x2190, 0x21FF) || inRange(cp, 0x2300, 0x23FF) ||
         inRange(cp, 0x2600, 0x27BF) || inRange(cp, 0x2B00, 0x2BFF) || cp == 0xFE0F;
}

// Letters of scripts whose spelling needs ZWNJ/ZWJ: Arabic and Persian, Syriac, Thaana, N'Ko, the Indic
// scripts, Myanmar, Khmer, Mongolian, and the Arabic presentation forms.
bool isJoiningScriptLetter(long cp) {
  return inRange(cp, 0x0600, 0x07FF) || inRange(cp, 0x0860, 0x08FF) || inRange(cp, 0x0900, 0x0DFF) ||
         inRange(cp, 0x1000, 0x109F) || inRange(cp, 0x1780, 0x18AF) || inRange(cp, 0xA8E0, 0xA8FF) ||
         inRange(cp, 0xFB50, 0xFDFF) || inRange(cp, 0xFE70, 0xFEFE);
}

// The matched character is invisible; only ZWNJ/ZWJ where ordinary text needs them is let through. Group 1
// is one of the three subdivision flags (England, Scotland, Wales), the only standard use of tag characters.
bool confirmInvisible(const Candidate& c) {
  if (c.groups[0].data() != nullptr) return false;
  std::size_t length = 0;
  const long cp = decodeAt(c.text, c.begin(), &length);
  if (cp != 0x200C && cp != 0x200D) return true;
  const long before = decodeBefore(c.text, c.begin());
  const long after = decodeAt(c.text, c.end(), &length);
  if (isJoiningScriptLetter(before) && isJoiningScriptLetter(after)) return false;
  if (cp == 0x200D && isEmojiPart(before) && isEmojiPart(after)) return false;
  return true;
}

// Every rule, in category order (injectionCategories()): the first category present wins. The HTML comment
// check needs its own patterns, compiled once here and shared with the check.
std::vector<PatternRule> injectionRules(std::shared_ptr<const re2::RE2> overrideRe,
                                        std::shared_ptr<const re2::RE2> modelWordsRe) {
  std::vector<PatternRule> rules;
  for (auto& p : overridePhrases()) rules.push_back({kInstructionOverride, std::move(p), {}});

  // Pseudo-XML instruction blocks, possibly with attributes: <IMPORTANT>, <system>, </system>, <instructions>.
  // (Plural only: List<Instruction> is a generic type, not a tag.)
  rules.push_back({kHiddenInstructionTag,
                   R"((?i)<[ \t]*/?[ \t]*(?:important|system|instructions|system[_-]?prompt)(?:[ \t][^<>\n]*)?>)",
                   {}});
  // Chat-template control tokens: [INST] [/INST], <<SYS>>, <|im_start|>, <|system|>, Llama 3 header tokens.
  rules.push_back({kHiddenInstructionTag,
                   R"((?i)\[[ \t]*/?[ \t]*INST[ \t]*\]|<<[ \t]*/?[ \t]*SYS[ \t]*>>|)"
                   R"(<\|[ \t]*(?:im_start|im_end|im_sep|system|user|assistant|endoftext|begin_of_text|end_of_text|)"
                   R"(start_header_id|end_header_id|eot_id)[ \t]*\|>)",
                   {}});
  // An HTML comment (hidden when rendered) that carries instructions for the model. An unterminated comment
  // runs to the end, as it does in a browser.
  rules.push_back({kHiddenInstructionTag, R"((?s)<!--.*?(?:-->|\z))",
                   [overrideRe, modelWordsRe](const Candidate& c) {
                     std::string_view body = c.match.substr(4);
                     if (body.size() >= 3 && body.substr(body.size() - 3) == "-->") body.remove_suffix(3);
                     const re2::StringPiece piece(body.data(), body.size());
                     return re2::RE2::PartialMatch(piece, *overrideRe) || re2::RE2::PartialMatch(piece, *modelWordsRe);
                   }});

  // Zero-width characters, bidi embeddings/overrides/isolates, invisible operators, BOM, and the tag block
  // (U+E0000-U+E007F, which spells ASCII invisibly). Group 1 consumes a standard subdivision flag first.
  rules.push_back({kInvisibleControl,
                   R"((\x{1F3F4}\x{E0067}\x{E0062}(?:\x{E0065}\x{E006E}\x{E0067}|\x{E0073}\x{E0063}\x{E0074}|)"
                   R"(\x{E0077}\x{E006C}\x{E0073})\x{E007F})|)"
                   R"([\x{200B}-\x{200F}\x{202A}-\x{202E}\x{2060}-\x{2064}\x{2066}-\x{2069}\x{FEFF}\x{E0000}-\x{E007F}])",
                   confirmInvisible});
  return rules;
}

}  // namespace

const std::vector<std::string>& injectionCategories() {
  static const std::vector<std::string> kCategories = {
      std::string(kInstructionOverride), std::string(kHiddenInstructionTag), std::string(kInvisibleControl)};
  return kCategories;
}

ContentDetectorPtr makeInjectionDetector(const std::vector<std::string>& categories, std::string* error) {
  std::vector<bool> enabled;
  if (!detail::selectCategories("injection", injectionCategories(), categories, &enabled, error)) return nullptr;

  re2::RE2::Options options;
  options.set_log_errors(false);
  auto overrideRe = std::make_shared<const re2::RE2>(alternation(overridePhrases()), options);
  auto modelWordsRe = std::make_shared<const re2::RE2>(commentAddressesModel(), options);
  if (!overrideRe->ok() || !modelWordsRe->ok()) {
    if (error != nullptr) *error = "internal error: injection comment patterns do not compile";
    return nullptr;
  }
  auto rules = detail::enabledRules(injectionRules(std::move(overrideRe), std::move(modelWordsRe)),
                                    injectionCategories(), enabled);
  return PatternDetector::create(std::move(rules), PatternDetector::Encoding::kUtf8, error);
}

}  // namespace warden::policy
