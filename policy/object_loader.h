#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "policy/model.h"

namespace warden::policy {

struct LoadedObjects {
  std::vector<MCPServer> servers;
  std::vector<ToolPolicy> policies;
  // "<source>:<line>: ToolPolicy demo/files-read: spec.rules[2].when[0].op: unknown operator \"Matchs\" ..."
  std::vector<std::string> errors;
  // Objects of other kinds (a Deployment next to the policies), said so that nothing is ignored silently.
  std::vector<std::string> skipped;
};

// Reads YAML (any number of documents) or JSON text (an object, an array of objects, or a List with items, as
// `kubectl get -o json` prints) and decodes every MCPServer and ToolPolicy in it. `source` names the text in
// messages (a file name). Objects with errors are left out; every error is reported.
void loadObjects(std::string_view text, std::string_view source, LoadedObjects& out);

}  // namespace warden::policy
