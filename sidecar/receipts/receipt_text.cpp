#include "sidecar/receipts/receipt_text.h"

#include <charconv>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "policy/canonical_json.h"

namespace warden::sidecar {
namespace {

// Printable ASCII other than '"' and '\' is written as is by the canonical form: almost every receipt string
// (hashes, SPIFFE IDs, methods, tool names, times) is only that.
bool plainAscii(std::string_view s) {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7e || c == '"' || c == '\\') return false;
  }
  return true;
}

void appendString(std::string& out, std::string_view s) {
  if (plainAscii(s)) {
    out += '"';
    out += s;
    out += '"';
    return;
  }
  // Escapes, UTF-8 and invalid bytes exactly as the canonical form writes them.
  out += policy::canonicalJson(nlohmann::json(std::string(s)));
}

void appendField(std::string& out, std::string_view key, std::string_view value) {
  out += ",\"";
  out += key;
  out += "\":";
  appendString(out, value);
}

}  // namespace

UnhashedReceiptText unhashedReceiptText(const Receipt& r) {
  UnhashedReceiptText result;
  std::string& out = result.text;
  out.reserve(640 + r.reason.size() + r.principal.size() + r.target.size());
  // Keys in byte order: argsSha256 decision hash method policyVersion prev principal reason rules seq server session
  // target time.
  out += "{\"argsSha256\":";
  appendString(out, r.argsSha256);
  appendField(out, "decision", r.decision);
  result.hashAt = out.size();
  appendField(out, "method", r.method);
  appendField(out, "policyVersion", r.policyVersion);
  appendField(out, "prev", r.prev);
  appendField(out, "principal", r.principal);
  appendField(out, "reason", r.reason);
  out += ",\"rules\":[";
  for (std::size_t i = 0; i < r.rules.size(); ++i) {
    if (i > 0) out += ',';
    appendString(out, r.rules[i]);
  }
  out += "],\"seq\":";
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, r.seq).ptr;
  out.append(digits, end);
  appendField(out, "server", r.server);
  appendField(out, "session", r.session);
  appendField(out, "target", r.target);
  appendField(out, "time", r.time);
  out += '}';
  return result;
}

std::string insertHash(const UnhashedReceiptText& unhashed, std::string_view hash) {
  std::string field;
  appendField(field, "hash", hash);
  std::string out;
  out.reserve(unhashed.text.size() + field.size());
  out.append(unhashed.text, 0, unhashed.hashAt);
  out += field;
  out.append(unhashed.text, unhashed.hashAt);
  return out;
}

std::string canonicalReceiptText(const Receipt& r, bool withHash) {
  UnhashedReceiptText unhashed = unhashedReceiptText(r);
  if (!withHash) return std::move(unhashed.text);
  return insertHash(unhashed, r.hash);
}

}  // namespace warden::sidecar
