#include "sidecar/proxy/header_text.h"

namespace warden::sidecar {
namespace {

template <typename Buffers>
void appendBuffers(std::string& out, const Buffers& buffers) {
  for (const auto buffer : beast::buffers_range_ref(buffers)) {
    out.append(static_cast<const char*>(buffer.data()), buffer.size());
  }
}

}  // namespace

void appendHeaderText(std::string& out, const http::request_header<>& header) {
  http::fields::writer serialized{header, header.version(), header.method()};
  const auto buffers = serialized.get();
  appendBuffers(out, buffers);
}

void appendHeaderText(std::string& out, const http::response_header<>& header) {
  http::fields::writer serialized{header, header.version(), header.result_int()};
  const auto buffers = serialized.get();
  appendBuffers(out, buffers);
}

}  // namespace warden::sidecar
