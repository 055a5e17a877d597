#pragma once

#include "sidecar/common/asio.h"

namespace warden::sidecar {

// An agent's connection: TLS over TCP.
using ClientStream = beast::ssl_stream<beast::tcp_stream>;

}  // namespace warden::sidecar
