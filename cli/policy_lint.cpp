#include <fstream>
#include <sstream>

#include "cli/exit_codes.h"
#include "cli/policy_commands.h"
#include "policy/lint.h"
#include "policy/strict_json.h"

namespace warden::cli {
namespace {

// Tool names from a tools/list result ({"tools": [...]}), a JSON-RPC response carrying one, or a plain array of
// tool objects or names.
std::optional<std::vector<std::string>> readToolNames(const std::string& path, std::ostream& err) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    err << "error: " << path << ": cannot read\n";
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto parsed = policy::parseStrictJson(text.str());
  if (!parsed.ok()) {
    err << "error: " << path << ": " << parsed.error << "\n";
    return std::nullopt;
  }
  const nlohmann::json* tools = &parsed.value;
  if (tools->is_object() && tools->contains("result")) tools = &tools->at("result");
  if (tools->is_object() && tools->contains("tools")) tools = &tools->at("tools");
  if (!tools->is_array()) {
    err << "error: " << path << ": expected a tools/list result or an array of tools\n";
    return std::nullopt;
  }
  std::vector<std::string> names;
  for (const auto& t : *tools) {
    if (t.is_string()) {
      names.push_back(t.get<std::string>());
    } else if (t.is_object() && t.contains("name") && t.at("name").is_string()) {
      names.push_back(t.at("name").get<std::string>());
    } else {
      err << "error: " << path << ": a tool without a name: " << t.dump() << "\n";
      return std::nullopt;
    }
  }
  return names;
}

}  // namespace

int runPolicyLint(const LintArgs& args, std::ostream& out, std::ostream& err) {
  auto set = loadPolicySet(args.source, err);
  if (!set) {
    out << "policies do not compile\n";
    return kExitFailed;
  }
  std::optional<std::vector<std::string>> tools;
  if (!args.toolsFile.empty()) {
    tools = readToolNames(args.toolsFile, err);
    if (!tools) return kExitDataError;
  }
  policy::LintOptions options;
  options.knownTools = tools ? &*tools : nullptr;
  const auto warnings = policy::lintPolicies(set->server, set->policies, set->options, options);
  for (const auto& w : warnings) out << "warning: " << w.toString() << "\n";
  out << "0 errors, " << warnings.size() << " warnings\n";
  return args.strict && !warnings.empty() ? kExitFailed : kExitOk;
}

}  // namespace warden::cli
