#pragma once

// The one way the sidecar includes Asio and Beast. Boost 1.74's asio/awaitable.hpp uses std::exchange without
// including <utility>, so it must come first.
#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace warden::sidecar {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using error_code = boost::system::error_code;

// Completion token for coroutines that returns errors in `ec` instead of throwing: the data path never throws.
inline auto awaitWith(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

}  // namespace warden::sidecar
