#include "sidecar/proxy/idle_connections.h"

namespace warden::sidecar {

void IdleConnections::drain() {
  draining_ = true;
  // Cancelling completes each read with an error on a later turn of the loop; the sessions remove themselves then.
  for (auto* connection : idle_) connection->cancel();
}

}  // namespace warden::sidecar
