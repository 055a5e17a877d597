#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace warden::policy {

// User-supplied text as it appears in an error message: a JSON string literal (quotes, backslashes, control bytes
// escaped; invalid UTF-8 replaced), so a hostile value cannot forge quotes or extra lines in a log, a status
// condition or a denial; shortened to `maxBytes` with "..." after the closing quote. Never throws but bad_alloc.
std::string quoteForMessage(std::string_view text, std::size_t maxBytes = 256);

}  // namespace warden::policy
