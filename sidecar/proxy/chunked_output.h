#pragma once

#include <string>
#include <string_view>

#include "sidecar/common/asio.h"
#include "sidecar/proxy/client_stream.h"

namespace warden::sidecar {

// The agent-bound bytes of a chunked response, gathered so that what is ready leaves in one TLS record and one
// write: the header, the pieces of the answer read so far, the last chunk. A small answer that is complete when its
// header arrives costs one write instead of three. The relay flushes before it waits for the MCP server again, so
// nothing that is ready is held back while the server is silent (streams stay streams).
class ChunkedOutput {
 public:
  // The response header, with Transfer-Encoding: chunked set here.
  void header(http::response<http::empty_body>& header);
  void chunk(std::string_view bytes);  // nothing for empty bytes (an empty chunk would end the body)
  void last();                         // the final, empty chunk

  bool empty() const { return pending_.empty(); }
  // Writes what is pending under the write deadline. ec set when the agent is gone. Never throws.
  asio::awaitable<void> flush(ClientStream& client, error_code& ec);

 private:
  std::string pending_;
};

}  // namespace warden::sidecar
