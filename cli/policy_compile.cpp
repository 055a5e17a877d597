#include "cli/exit_codes.h"
#include "cli/policy_commands.h"
#include "policy/compiler.h"

namespace warden::cli {

int runPolicyCompile(const PolicySource& source, std::ostream& out, std::ostream& err) {
  auto set = loadPolicySet(source, err);
  if (!set) return kExitDataError;
  const auto bundle = policy::compileBundle(set->server, set->policies, set->options);
  if (bundle.policies.empty()) {
    err << "warning: no ToolPolicy targets MCPServer " << set->server.metadata.namespace_ << "/"
        << set->server.metadata.name << ": every gated call will get the default action\n";
  }
  // The bundle's bytes exactly, as the ConfigMap carries them; the version goes to stderr.
  out << bundle.bytes;
  err << "policyVersion " << bundle.policyVersion << " (" << bundle.policies.size() << " policies)\n";
  return kExitOk;
}

}  // namespace warden::cli
