#pragma once

// Principal entries of a ToolPolicy rule: a SPIFFE ID, a glob of one (spiffe://example.org/ns/*/sa/*), or the
// shorthand ns/<namespace>/sa/<serviceAccount> (either part may be a glob) that stands for
// spiffe://<trust domain>/ns/<namespace>/sa/<serviceAccount>.

#include <optional>
#include <string>
#include <string_view>

namespace warden::policy {

// An error message for an invalid entry, nullopt when valid. Wildcards may not appear in the trust domain
// unless it is exactly `*` or `**` (any trust domain).
std::optional<std::string> validatePrincipalEntry(std::string_view entry);

// Expands the shorthand to a full SPIFFE ID pattern in trustDomain; other entries are returned unchanged.
// trustDomain is the caller's job to validate (isValidTrustDomain).
std::string expandPrincipalEntry(std::string_view entry, std::string_view trustDomain);

// True for the ns/<ns>/sa/<sa> shorthand form (a valid one: an invalid shorthand is never expanded).
bool isPrincipalShorthand(std::string_view entry);

}  // namespace warden::policy
