#pragma once

#include <string>

#include "sidecar/common/asio.h"

namespace warden::sidecar {

// Appends an HTTP/1.1 header block (start line, fields, empty line) as it goes on the wire, so that header and body
// can leave in one write: Beast's message serializer costs more than the rest of forwarding a small request, and
// over TLS every write is a record of its own.
void appendHeaderText(std::string& out, const http::request_header<>& header);
void appendHeaderText(std::string& out, const http::response_header<>& header);

}  // namespace warden::sidecar
