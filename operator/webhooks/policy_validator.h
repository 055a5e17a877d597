#pragma once

// The decision of the validating webhook /validate for ToolPolicy and MCPServer objects: allowed, or denied with
// every error of the policy library's decoder, the same checks `wardenctl policy lint` runs, each as
// "<field path>: <problem>" (`spec.rules[0].when[0].op: unknown operator "Matchs"`). An object that does not
// compile never reaches the operator.

#include "operator/webhooks/admission_review.h"

namespace warden::op {

// CREATE and UPDATE are checked; other operations, subresources and objects being deleted (so that finalizers can
// always be removed) are allowed. A request for any other kind is denied (400): the webhook configuration is wrong.
// Invalid objects are denied with code 422. Never throws (but std::bad_alloc).
AdmissionResponse validatePolicyObject(const AdmissionRequest& request);

}  // namespace warden::op
