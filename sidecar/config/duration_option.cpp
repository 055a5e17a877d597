#include "sidecar/config/duration_option.h"

#include <CLI/CLI.hpp>

#include "policy/duration.h"

namespace warden::sidecar {

void addDurationOption(CLI::App& app, const std::string& name, const std::string& env, std::chrono::milliseconds& out,
                       const std::string& help) {
  app.add_option_function<std::string>(
         name,
         [&out, name](const std::string& text) {
           std::string error;
           auto d = policy::parseDuration(text, &error);
           if (!d) throw CLI::ValidationError(name, error);
           out = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
         },
         help + " (default " + std::to_string(out.count()) + "ms)")
      ->envname(env)
      ->type_name("DURATION");
}

}  // namespace warden::sidecar
