// wardenctl: the mcp-warden command line. Commands are thin wrappers over cli/*_commands.h.
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/exit_codes.h"
#include "cli/policy_commands.h"

namespace {

using warden::cli::PolicySource;

void addSourceOptions(CLI::App* cmd, PolicySource& source) {
  cmd->add_option("-f,--filename", source.paths, "Policy files or directories (YAML or JSON; repeatable)")
      ->required()
      ->check(CLI::ExistingPath);
  cmd->add_option("--server", source.server, "The MCPServer to compile for (default: the only one given)");
  cmd->add_option("--trust-domain", source.trustDomain,
                  "Trust domain for ns/<ns>/sa/<sa> principals when the MCPServer names no identity")
      ->capture_default_str();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"wardenctl: compile, lint and test mcp-warden policies"};
  app.require_subcommand(1);
  auto* policyCmd = app.add_subcommand("policy", "Work with ToolPolicy and MCPServer files offline");
  policyCmd->require_subcommand(1);

  PolicySource compileSource;
  auto* compile = policyCmd->add_subcommand("compile", "Print the policy bundle for an MCPServer on stdout");
  addSourceOptions(compile, compileSource);

  warden::cli::LintArgs lintArgs;
  auto* lint = policyCmd->add_subcommand("lint", "Report errors, and rules that can never match");
  addSourceOptions(lint, lintArgs.source);
  lint->add_option("--tools", lintArgs.toolsFile, "A tools/list result: warn about patterns matching no tool")
      ->check(CLI::ExistingFile);
  lint->add_flag("--strict", lintArgs.strict, "Exit 1 on warnings too");

  warden::cli::TestArgs testArgs;
  auto* test = policyCmd->add_subcommand(
      "test", "Decide one request (exit 0 allow, 1 deny, 2 review) or run a cases file (--cases)");
  addSourceOptions(test, testArgs.source);
  test->add_option("--principal", testArgs.principal, "Caller SPIFFE ID or ns/<ns>/sa/<sa>");
  test->add_option("--tool", testArgs.tool, "Tool name (tools/call)");
  test->add_option("--uri", testArgs.uri, "Resource URI (resources/read)");
  test->add_option("--prompt", testArgs.prompt, "Prompt name (prompts/get)");
  test->add_option("--method", testArgs.method, "JSON-RPC method (default from the target)");
  test->add_option("--args", testArgs.args, "Arguments as a JSON object");
  test->add_option("--at", testArgs.at, "Time of the request, RFC 3339 (default now)");
  test->add_option("--cases", testArgs.casesFile, "A cases file: run every case, print N passed, N failed")
      ->check(CLI::ExistingFile);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : warden::cli::kExitUsage;
  }

  if (compile->parsed()) return warden::cli::runPolicyCompile(compileSource, std::cout, std::cerr);
  if (lint->parsed()) return warden::cli::runPolicyLint(lintArgs, std::cout, std::cerr);
  if (test->parsed()) return warden::cli::runPolicyTest(testArgs, std::cout, std::cerr);
  return warden::cli::kExitUsage;
}
