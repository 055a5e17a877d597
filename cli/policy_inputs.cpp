#include "cli/policy_inputs.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "policy/bundle_loader.h"

namespace warden::cli {
namespace {

namespace fs = std::filesystem;

bool isPolicyFile(const fs::path& p) {
  const auto ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

bool collectFiles(const std::string& path, std::vector<fs::path>& out, std::ostream& err) {
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) {
    err << "error: " << path << ": no such file or directory\n";
    return false;
  }
  if (!fs::is_directory(status)) {
    out.emplace_back(path);
    return true;
  }
  std::vector<fs::path> found;
  for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file() && isPolicyFile(it->path())) found.push_back(it->path());
  }
  if (ec) {
    err << "error: " << path << ": " << ec.message() << "\n";
    return false;
  }
  std::sort(found.begin(), found.end());
  out.insert(out.end(), found.begin(), found.end());
  return true;
}

// With no MCPServer in the input, the policies still say which server they are for: assume its defaults.
std::optional<policy::MCPServer> defaultServer(const std::vector<policy::ToolPolicy>& policies,
                                               const std::string& wanted, std::ostream& err) {
  std::set<std::pair<std::string, std::string>> targets;
  for (const auto& p : policies) {
    if (wanted.empty() || p.spec.targetName == wanted) targets.emplace(p.metadata.namespace_, p.spec.targetName);
  }
  if (targets.size() != 1) {
    err << "error: no MCPServer given and the ToolPolicies target "
        << (targets.empty() ? "no server" : "several servers") << "; pass the MCPServer with -f"
        << (targets.empty() ? "" : " or choose one with --server") << "\n";
    return std::nullopt;
  }
  policy::MCPServer server;
  server.metadata.namespace_ = targets.begin()->first;
  server.metadata.name = targets.begin()->second;
  err << "note: no MCPServer given; assuming MCPServer " << server.metadata.namespace_ << "/"
      << server.metadata.name << " with default settings (defaultAction Deny)\n";
  return server;
}

}  // namespace

std::optional<PolicySet> loadPolicySet(const PolicySource& source, std::ostream& err) {
  if (source.paths.empty()) {
    err << "error: no input: pass policy files or directories with -f\n";
    return std::nullopt;
  }
  std::vector<fs::path> files;
  bool ok = true;
  for (const auto& p : source.paths) ok = collectFiles(p, files, err) && ok;

  policy::LoadedObjects objects;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in && !in.eof()) {
      err << "error: " << file.string() << ": cannot read\n";
      ok = false;
      continue;
    }
    policy::loadObjects(text.str(), file.string(), objects);
  }
  for (const auto& s : objects.skipped) err << "note: " << s << "\n";
  for (const auto& e : objects.errors) err << "error: " << e << "\n";
  if (!ok || !objects.errors.empty()) return std::nullopt;

  PolicySet set;
  set.options.trustDomain = source.trustDomain;
  set.policies = std::move(objects.policies);
  std::vector<const policy::MCPServer*> candidates;
  for (const auto& s : objects.servers) {
    if (source.server.empty() || s.metadata.name == source.server) candidates.push_back(&s);
  }
  if (candidates.size() == 1) {
    set.server = *candidates.front();
  } else if (candidates.size() > 1) {
    err << "error: several MCPServers given; choose one with --server:";
    for (const auto* s : candidates) err << " " << s->metadata.name;
    err << "\n";
    return std::nullopt;
  } else if (!objects.servers.empty() && !source.server.empty()) {
    err << "error: no MCPServer named \"" << source.server << "\" in the input\n";
    return std::nullopt;
  } else if (auto server = defaultServer(set.policies, source.server, err)) {
    set.server = std::move(*server);
  } else {
    return std::nullopt;
  }
  return set;
}

policy::CompiledPolicyPtr compileAndLoad(const PolicySet& set, std::ostream& err) {
  const auto bundle = policy::compileBundle(set.server, set.policies, set.options);
  auto loaded = policy::loadBundle(bundle.bytes, bundle.policyVersion);
  if (!loaded.ok()) err << "error: the compiled bundle does not load: " << loaded.error << "\n";
  return loaded.policy;
}

}  // namespace warden::cli
