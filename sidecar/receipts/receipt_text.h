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

}  // namespace warden::sidecar
