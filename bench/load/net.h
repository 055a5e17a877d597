#pragma once

// Asio and Beast for the load harness, included the way the sidecar includes them (Boost 1.74 needs <utility>
// before asio/awaitable.hpp; sidecar/common/asio.h handles that), with the harness's own short names.

#include "sidecar/common/asio.h"

namespace warden::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using error_code = boost::system::error_code;
using sidecar::awaitWith;

}  // namespace warden::bench
