#pragma once

// The canonical JSON text of a receipt (receipt.h), written field by field. It is exactly what
// policy::canonicalJson() gives for the receipt as a JSON object (the tests hold the two side by side), without
// building that object: a receipt line is made for every decision, and the generic path (a std::map-based JSON
// object, then a dump that decodes every byte as UTF-8) cost more than the rest of the decision.

#include <string>

#include "sidecar/receipts/receipt.h"

namespace warden::sidecar {

// `{"argsSha256":…,…,"time":…}` with the keys in canonical (byte) order; `hash` is included when withHash.
// Throws only std::bad_alloc.
std::string canonicalReceiptText(const Receipt& receipt, bool withHash);

// The writer's path, which needs both texts: the one without `hash` (what the hash is computed over), and where
// `"hash":…` belongs in it (after `decision`), so that the line is that text with the hash inserted, not a second
// serialization.
struct UnhashedReceiptText {
  std::string text;
  std::size_t hashAt = 0;
};
UnhashedReceiptText unhashedReceiptText(const Receipt& receipt);
std::string insertHash(const UnhashedReceiptText& unhashed, std::string_view hash);

}  // namespace warden::sidecar
