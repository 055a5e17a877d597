#pragma once

// Whole-file reads and atomic writes for credentials (SVIDs, keys, bundles, the dev CA). Free functions without
// shared state: safe from any thread.

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace warden::sidecar {

// The contents of the regular file at `path` (symlinks followed), at most `maxBytes`; nullopt with *error
// ("cannot read /x/svid.pem: No such file or directory", "/x/svid.pem is larger than 1048576 bytes").
std::optional<std::string> readFileBounded(const std::string& path, std::size_t maxBytes, std::string* error);

// Writes `content` to a new file next to `path` with permissions exactly `mode` (umask aside: fchmod), flushes it
// and renames it over `path`, so a reader sees the old file or the new one, never half of one.
bool writeFileAtomically(const std::string& path, std::string_view content, mode_t mode, std::string* error);

}  // namespace warden::sidecar
