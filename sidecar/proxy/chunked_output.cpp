#include "sidecar/proxy/chunked_output.h"

#include <array>
#include <charconv>

#include "sidecar/proxy/header_text.h"
#include "sidecar/proxy/http_responses.h"

namespace warden::sidecar {

void ChunkedOutput::header(http::response<http::empty_body>& header) {
  header.chunked(true);
  appendHeaderText(pending_, header.base());
}

void ChunkedOutput::chunk(std::string_view bytes) {
  if (bytes.empty()) return;
  std::array<char, 20> size;
  const auto end = std::to_chars(size.data(), size.data() + size.size(), bytes.size(), 16).ptr;
  pending_.append(size.data(), end);
  pending_ += "\r\n";
  pending_ += bytes;
  pending_ += "\r\n";
}

void ChunkedOutput::last() { pending_ += "0\r\n\r\n"; }

asio::awaitable<void> ChunkedOutput::flush(ClientStream& client, error_code& ec) {
  ec.clear();
  if (pending_.empty()) co_return;
  co_await timedWrite(client, [&](error_code& e) { return asio::async_write(client, asio::buffer(pending_), awaitWith(e)); },
                      ec);
  pending_.clear();
}

}  // namespace warden::sidecar
