#pragma once

// The harness uses Asio and Beast exactly as the sidecar does: the same include order (Boost 1.74 needs <utility>
// before asio/awaitable.hpp) and the same short names (asio, beast, http, tcp, error_code, awaitWith).

#include "sidecar/common/asio.h"

namespace warden::bench {

// sidecar/common/asio.h declares nothing but those names in warden::sidecar.
using namespace warden::sidecar;

}  // namespace warden::bench
