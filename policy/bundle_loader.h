#pragma once

#include <string>
#include <string_view>

#include "policy/compiled_policy.h"

namespace warden::policy {

struct BundleLoadResult {
  CompiledPolicyPtr policy;  // null on error
  std::string error;         // says what is wrong, e.g. `tools[3].when[0].values[0]: invalid regular expression: ...`

  bool ok() const { return policy != nullptr; }
};

// Reads a bundle made by compileBundle into an evaluator-ready policy. A corrupt bundle is refused whole:
// malformed JSON, duplicate keys, unknown or missing fields, an unsupported bundleFormat, bytes that are not the
// canonical form (so the policy version always names exactly what is enforced), or any invalid rule.
// `expectedVersion`, when given, must equal the sha256 of the bytes. Never throws.
BundleLoadResult loadBundle(std::string_view bytes, std::string_view expectedVersion = {});

}  // namespace warden::policy
