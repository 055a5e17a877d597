#include "operator/kube/resource_type.h"

#include <gtest/gtest.h>

namespace warden::op {
namespace {

TEST(ResourceTypeTest, Paths) {
  EXPECT_EQ(resources::configMaps().collectionPath("tools"), "/api/v1/namespaces/tools/configmaps");
  EXPECT_EQ(resources::configMaps().collectionPath(""), "/api/v1/configmaps");
  EXPECT_EQ(resources::mcpServers().objectPath("tools", "files"),
            "/apis/mcpwarden.io/v1alpha1/namespaces/tools/mcpservers/files");
  EXPECT_EQ(resources::customResourceDefinitions().objectPath("ignored", "mcpservers.mcpwarden.io"),
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/mcpservers.mcpwarden.io");
  EXPECT_EQ(resources::leases().apiVersion(), "coordination.k8s.io/v1");
  EXPECT_EQ(resources::services().apiVersion(), "v1");
}

}  // namespace
}  // namespace warden::op
