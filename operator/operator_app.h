#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "operator/config/operator_config.h"

namespace warden::op {

// The warden-operator process: the Kubernetes client, the controller manager, leader election and the admin
// port, started in that order and stopped in reverse.
class OperatorApp {
 public:
  explicit OperatorApp(OperatorConfig config);
  ~OperatorApp();
  OperatorApp(const OperatorApp&) = delete;
  OperatorApp& operator=(const OperatorApp&) = delete;

  // False with *error when the operator cannot run (no usable API configuration, admin port taken, ...).
  bool start(std::string* error);
  void stop();
  std::uint16_t adminPort() const;

 private:
  struct Parts;
  OperatorConfig config_;
  std::unique_ptr<Parts> parts_;
};

}  // namespace warden::op
