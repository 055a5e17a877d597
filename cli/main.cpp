// wardenctl: the mcp-warden command line. Commands are thin wrappers over the run* functions of cli/.
#include <atomic>
#include <csignal>
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/dev_ca_command.h"
#include "cli/dev_workload_api_command.h"
#include "cli/exit_codes.h"
#include "cli/policy_commands.h"
#include "cli/receipts_command.h"

namespace {

using warden::cli::PolicySource;

// Set by SIGINT/SIGTERM for the long-running command (dev workload-api): a lock-free atomic is what a signal
// handler may touch, and a handler cannot be given anything but a global.
std::atomic<bool> gStop{false};
static_assert(std::atomic<bool>::is_always_lock_free);

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
  CLI::App app{"wardenctl: compile, lint and test mcp-warden policies; verify receipts; local dev identities"};
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

  auto* receiptsCmd = app.add_subcommand("receipts", "Work with receipt logs");
  receiptsCmd->require_subcommand(1);
  warden::cli::ReceiptsVerifyArgs verifyArgs;
  auto* verify = receiptsCmd->add_subcommand(
      "verify", "Check a receipt log's hash chain: OK, or the first edited, deleted, reordered or truncated receipt");
  verify->add_option("file", verifyArgs.file, "The receipt log (JSON lines)")->required()->check(CLI::ExistingFile);
  verify->add_option("--expect-head", verifyArgs.expectHead,
                     "The head hash the sidecar logged: the chain must end exactly there");
  verify->add_option("--expect-count", verifyArgs.expectCount, "The number of receipts the chain must hold");

  auto* devCmd = app.add_subcommand("dev", "Local development identities: a dev CA and a dev SPIFFE Workload API");
  devCmd->require_subcommand(1);
  warden::cli::DevCaArgs caArgs;
  auto* ca = devCmd->add_subcommand("ca", "Create (or reuse) a local trust domain in --dir and mint SVIDs");
  ca->add_option("--dir", caArgs.dir, "Directory of the CA (ca.pem, ca_key.pem) and the SVIDs (<name>/)")->required();
  ca->add_option("--trust-domain", caArgs.trustDomain, "Trust domain of a new CA (must match an existing one)");
  ca->add_option("--svid", caArgs.svids, "name=spiffe://<trust domain>/<path>: write <dir>/<name>/svid.pem, "
                                         "svid_key.pem, bundle.pem (repeatable)");
  ca->add_option("--dns-name", caArgs.dnsNames, "DNS SAN for every SVID (localhost and 127.0.0.1 are always added)");
  ca->add_option("--ttl", caArgs.ttl, "SVID lifetime")->capture_default_str();

  warden::cli::DevWorkloadApiArgs wlArgs;
  auto* wl = devCmd->add_subcommand("workload-api",
                                    "Serve the SPIFFE Workload API on a unix socket, issuing short-lived SVIDs from "
                                    "the dev CA and rotating them at half their lifetime");
  wl->add_option("--ca-dir", wlArgs.caDir, "The dev CA's directory (wardenctl dev ca --dir)")->required();
  wl->add_option("--socket", wlArgs.socket, "Unix socket path to serve on")->required();
  wl->add_option("--spiffe-id", wlArgs.spiffeId, "The identity every caller gets")->required();
  wl->add_option("--dns", wlArgs.dnsNames, "DNS SANs besides localhost and 127.0.0.1");
  wl->add_option("--ttl", wlArgs.ttl, "SVID lifetime")->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : warden::cli::kExitUsage;
  }

  if (compile->parsed()) return warden::cli::runPolicyCompile(compileSource, std::cout, std::cerr);
  if (lint->parsed()) return warden::cli::runPolicyLint(lintArgs, std::cout, std::cerr);
  if (test->parsed()) return warden::cli::runPolicyTest(testArgs, std::cout, std::cerr);
  if (verify->parsed()) return warden::cli::runReceiptsVerify(verifyArgs, std::cout, std::cerr);
  if (ca->parsed()) return warden::cli::runDevCa(caArgs, std::cout, std::cerr);
  if (wl->parsed()) {
    std::signal(SIGINT, [](int) { gStop = true; });
    std::signal(SIGTERM, [](int) { gStop = true; });
    return warden::cli::runDevWorkloadApi(wlArgs, std::cout, std::cerr, gStop);
  }
  return warden::cli::kExitUsage;
}
