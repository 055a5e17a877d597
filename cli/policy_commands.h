#pragma once

// `wardenctl policy compile | lint | test`: each returns the process exit code (see exit_codes.h) and writes
// results to `out`, diagnostics to `err`, so tests can run them in-process.

#include <ostream>
#include <string>

#include "cli/policy_inputs.h"

namespace warden::cli {

int runPolicyCompile(const PolicySource& source, std::ostream& out, std::ostream& err);

struct LintArgs {
  PolicySource source;
  std::string toolsFile;  // --tools: a tools/list result (or array of tools / names) to check patterns against
  bool strict = false;    // --strict: warnings fail the run too
};
int runPolicyLint(const LintArgs& args, std::ostream& out, std::ostream& err);

struct TestArgs {
  PolicySource source;
  std::string principal;  // SPIFFE ID or ns/<ns>/sa/<sa>
  std::string method;     // default from the target flag: tools/call, resources/read, prompts/get
  std::string tool, uri, prompt;
  std::string args;       // JSON object
  std::string at;         // RFC 3339; default now
  std::string casesFile;  // --cases: run a table of cases instead of one request
};
int runPolicyTest(const TestArgs& args, std::ostream& out, std::ostream& err);

}  // namespace warden::cli
