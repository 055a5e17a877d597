#pragma once

#include <chrono>
#include <string>

namespace CLI {
class App;
}

namespace warden::sidecar {

// A duration option: Kubernetes-style text ("10s", "1m", "250ms") on the command line and in the environment
// variable `env`; an unreadable value is a CLI validation error naming the option. Shared by both binaries.
void addDurationOption(CLI::App& app, const std::string& name, const std::string& env, std::chrono::milliseconds& out,
                       const std::string& help);

}  // namespace warden::sidecar
