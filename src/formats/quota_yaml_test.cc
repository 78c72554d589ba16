// Tenants' quotas in the scenario YAML (Tenant::quotas, used by sched/fair_share.h).
#include <string>

#include "formats/scenario_yaml.h"
#include "gtest/gtest.h"

namespace arbiter {
namespace {

std::string Yaml(const std::string& tenants) {
  return R"y(name: q
accelerator_types: [H100, A100]
providers:
  - name: cloud
    regions:
      - name: east
        pools:
          - {type: H100, nodes: 2, accelerators_per_node: 8, price: {on_demand: 4}}
tenants:
)y" + tenants +
         R"y(
contracts:
  - {tenant: lab, provider: cloud, kind: on_demand}
workloads: []
)y";
}

TEST(TenantQuotas, NominalAndBorrowingLimitByType) {
  absl::StatusOr<Scenario> s =
      ParseScenario("q.yaml",
                    Yaml("  - {name: lab, weight: 2, quota: {H100: 12, A100: 0}, "
                         "borrowing_limit: {H100: 4}}\n  - {name: other}"),
                    {});
  ASSERT_TRUE(s.ok()) << s.status().message();
  const Tenant& lab = s->fleet.tenants[0];
  ASSERT_EQ(lab.quotas.size(), 2u);
  EXPECT_EQ(lab.quotas[0].type, AcceleratorTypeId(0));
  EXPECT_EQ(lab.quotas[0].nominal, 12);
  EXPECT_EQ(lab.quotas[0].borrowing_limit, 4);
  EXPECT_EQ(lab.quotas[1].type, AcceleratorTypeId(1));
  EXPECT_EQ(lab.quotas[1].nominal, 0);
  EXPECT_EQ(lab.quotas[1].borrowing_limit, -1);
  EXPECT_TRUE(s->fleet.tenants[1].quotas.empty());
}

TEST(TenantQuotas, ErrorsNameTheField) {
  const auto message = [](const std::string& tenants) {
    absl::StatusOr<Scenario> s = ParseScenario("q.yaml", Yaml(tenants), {});
    return s.ok() ? std::string("ok") : std::string(s.status().message());
  };
  EXPECT_NE(message("  - {name: lab, quota: {TPU: 4}}").find("unknown accelerator type"),
            std::string::npos);
  EXPECT_NE(message("  - {name: lab, quota: {H100: -1}}").find("quota.H100"), std::string::npos);
  EXPECT_NE(message("  - {name: lab, borrowing_limit: {H100: 1}}").find("without a quota"),
            std::string::npos);
  EXPECT_NE(message("  - {name: lab, quota: {H100: 1}, borrowing_limit: {A100: 1}}")
                .find("no quota of this type"),
            std::string::npos);
}

}  // namespace
}  // namespace arbiter
