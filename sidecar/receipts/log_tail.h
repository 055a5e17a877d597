#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace warden::sidecar {

// The end of a receipt log, which is all a writer needs to resume the chain.
struct LogTail {
  std::optional<std::string> lastLine;  // the last complete line without its "\n"; nullopt if the file has none
  std::string torn;                     // the bytes after the last "\n" (empty when the file ends with "\n")
};

// Reads the tail of the file `fd` of `size` bytes backwards, in chunks, so the cost does not grow with the log.
// Fails (nullopt with *error) on a read error, or when the last line or the torn bytes are longer than
// kMaxReceiptLineBytes (no writer produces that: the file is not a receipt log or is damaged). Never throws but
// std::bad_alloc. Thread safety: a free function; uses pread() only, so it does not move the file offset.
std::optional<LogTail> readLogTail(int fd, std::uint64_t size, std::string* error);

}  // namespace warden::sidecar
