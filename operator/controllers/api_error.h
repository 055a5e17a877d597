#pragma once

#include <string>

#include "operator/kube/kube_client.h"

namespace warden::op {

// "<what>: HTTP 409: <the API's message>" or "<what>: no answer from the API server: <transport error>", for
// ReconcileResult.error and logs.
std::string describeApiFailure(const std::string& what, const ApiResult& result);

}  // namespace warden::op
