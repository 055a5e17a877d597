// The shipped examples must compile, lint clean and pass their own cases file.
#include <gtest/gtest.h>

#include <sstream>

#include "cli/exit_codes.h"
#include "cli/policy_commands.h"
#include "cli_fixture.h"
#include "policy/bundle_loader.h"

namespace warden::cli {
namespace {

using testing::sourcePath;

PolicySource examples() {
  PolicySource s;
  s.paths = {sourcePath("examples/files-server")};
  return s;
}

TEST(ExamplesTest, CasesFilePasses) {
  TestArgs args;
  args.source = examples();
  args.casesFile = sourcePath("examples/files-server.cases.yaml");
  std::ostringstream out, err;
  EXPECT_EQ(runPolicyTest(args, out, err), kExitOk) << out.str() << err.str();
  EXPECT_NE(out.str().find("26 passed, 0 failed"), std::string::npos) << out.str();
}

TEST(ExamplesTest, LintIsClean) {
  LintArgs args;
  args.source = examples();
  args.strict = true;
  std::ostringstream out, err;
  EXPECT_EQ(runPolicyLint(args, out, err), kExitOk) << out.str() << err.str();
  EXPECT_EQ(out.str(), "0 errors, 0 warnings\n");
}

TEST(ExamplesTest, CompilesToALoadableBundle) {
  std::ostringstream out, err;
  ASSERT_EQ(runPolicyCompile(examples(), out, err), kExitOk) << err.str();
  auto loaded = policy::loadBundle(out.str());
  ASSERT_TRUE(loaded.ok()) << loaded.error;
  EXPECT_EQ(loaded.policy->policies().size(), 5u);
  EXPECT_NE(err.str().find("policyVersion " + loaded.policy->policyVersion()), std::string::npos) << err.str();
}

}  // namespace
}  // namespace warden::cli
