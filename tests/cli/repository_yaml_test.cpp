// Every YAML file the repository ships parses, every example object validates, every deliberately invalid example
// is refused with the error it announces, and the CRDs carry what kubectl users rely on.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli_fixture.h"
#include "policy/crd_schemas.h"
#include "policy/object_loader.h"
#include "policy/yaml_to_json.h"

namespace warden::cli {
namespace {

namespace fs = std::filesystem;
using testing::sourcePath;

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<fs::path> yamlFiles(const std::string& dir) {
  std::vector<fs::path> out;
  if (!fs::exists(sourcePath(dir))) return out;
  for (const auto& e : fs::recursive_directory_iterator(sourcePath(dir))) {
    const auto ext = e.path().extension();
    // Helm templates are Go templates, not YAML; they are checked by helm lint.
    if (e.path().string().find("/templates/") != std::string::npos) continue;
    if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml")) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(RepositoryYamlTest, EveryYamlFileParses) {
  std::size_t count = 0;
  for (const char* dir : {"crds", "examples", "manifests", "charts", "e2e"}) {
    for (const auto& file : yamlFiles(dir)) {
      policy::FieldErrors errors;
      policy::yamlToJson(readFile(file), errors);
      EXPECT_TRUE(errors.empty()) << file << ": " << policy::formatErrors(errors);
      ++count;
    }
  }
  EXPECT_GE(count, 20u);
}

TEST(RepositoryYamlTest, EveryExampleObjectValidates) {
  std::size_t objects = 0;
  for (const auto& file : yamlFiles("examples")) {
    if (file.string().find("/invalid/") != std::string::npos || file.string().ends_with(".cases.yaml")) continue;
    policy::LoadedObjects out;
    policy::loadObjects(readFile(file), file.string(), out);
    EXPECT_TRUE(out.errors.empty()) << ::testing::PrintToString(out.errors);
    EXPECT_TRUE(out.skipped.empty()) << ::testing::PrintToString(out.skipped);
    EXPECT_EQ(out.servers.size() + out.policies.size(), 1u) << file;
    objects += out.servers.size() + out.policies.size();
  }
  EXPECT_GE(objects, 6u);
}

TEST(RepositoryYamlTest, InvalidExamplesAreRefusedWithTheAnnouncedError) {
  const auto files = yamlFiles("examples/invalid");
  ASSERT_GE(files.size(), 10u);
  for (const auto& file : files) {
    const std::string text = readFile(file);
    const std::string marker = "# expect: ";
    ASSERT_EQ(text.rfind(marker, 0), 0u) << file << " must start with an `# expect:` line";
    const std::string expected = text.substr(marker.size(), text.find('\n') - marker.size());
    policy::LoadedObjects out;
    policy::loadObjects(text, file.filename().string(), out);
    EXPECT_TRUE(out.servers.empty() && out.policies.empty()) << file;
    ASSERT_FALSE(out.errors.empty()) << file;
    bool found = false;
    for (const auto& e : out.errors) found = found || e.find(expected) != std::string::npos;
    EXPECT_TRUE(found) << file << "\nexpected: " << expected << "\ngot: " << ::testing::PrintToString(out.errors);
  }
}

TEST(RepositoryYamlTest, CrdsCarryNamesColumnsAndStatus) {
  struct Want {
    const char* kind;
    const char* plural;
    const char* shortName;
    std::vector<std::string> columns;
  };
  for (const auto& want : {Want{"MCPServer", "mcpservers", "mcps", {"Ready", "Policy-Version", "Policies", "Age"}},
                           Want{"ToolPolicy", "toolpolicies", "tp", {"Target", "Accepted", "Age"}}}) {
    const auto& crd = policy::crdObject(want.kind);
    EXPECT_EQ(crd.at("apiVersion"), "apiextensions.k8s.io/v1");
    EXPECT_EQ(crd.at("metadata").at("name"), std::string(want.plural) + ".mcpwarden.io");
    const auto& spec = crd.at("spec");
    EXPECT_EQ(spec.at("group"), "mcpwarden.io");
    EXPECT_EQ(spec.at("scope"), "Namespaced");
    EXPECT_EQ(spec.at("names").at("shortNames"), nlohmann::json::array({want.shortName}));
    EXPECT_EQ(spec.at("names").at("categories"), nlohmann::json::array({"mcpwarden"}));
    ASSERT_EQ(spec.at("versions").size(), 1u);
    const auto& v = spec.at("versions")[0];
    EXPECT_EQ(v.at("name"), "v1alpha1");
    EXPECT_TRUE(v.at("served").get<bool>() && v.at("storage").get<bool>());
    EXPECT_TRUE(v.at("subresources").contains("status"));
    std::vector<std::string> columns;
    for (const auto& c : v.at("additionalPrinterColumns")) columns.push_back(c.at("name"));
    EXPECT_EQ(columns, want.columns);
    EXPECT_TRUE(v.at("schema").at("openAPIV3Schema").at("properties").contains("status"));
  }
}

}  // namespace
}  // namespace warden::cli
