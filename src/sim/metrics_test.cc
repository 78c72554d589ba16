#include "sim/metrics.h"

#include <memory>
#include <vector>

#include "gtest/gtest.h"
#include "model/testing.h"
#include "sim/simulator.h"

namespace arbiter {
namespace {

using testing::AddTestPool;
using testing::TestJob;

// One provider "p": a pool of 2 nodes x 4 accelerators listed at $3.60/h on demand (1000
// micro-dollars per accelerator-second) and $1.80/h spot (500). Three tenants: "lab" on demand,
// "bargain" on spot only, and p's own first-party "p-models" (internal, at the $3.60 list price).
// Each charge is accelerators x runtime x price, whenever the market lets the job start.
TEST(Summarize, SplitsEachTenantsCostByKindOfCharge) {
  Scenario scenario;
  Fleet& fleet = scenario.fleet;
  const AcceleratorTypeId type = fleet.AddAcceleratorType("H100");
  const ProviderId p = fleet.AddProvider("p");
  AddTestPool(fleet, fleet.AddRegion(p, "r"), type, 2, 4, 3'600'000, 0, 1'800'000);
  const TenantId lab = fleet.AddTenant({"lab", 1, std::nullopt});
  const TenantId bargain = fleet.AddTenant({"bargain", 1, std::nullopt});
  const TenantId models = fleet.AddTenant({"p-models", 1, p});
  fleet.AddContract({lab, p, OnDemandTerms{}});
  fleet.AddContract({bargain, p, SpotTerms{}});
  scenario.name = "kinds";
  scenario.jobs = {TestJob("j0", lab, 0, 2, 200, {{type, 2}}),      // 100 s
                   TestJob("j1", models, 0, 2, 50, {{type, 1}}),    // 50 s
                   TestJob("j2", bargain, 0, 4, 10, {{type, 1}})};  // 10 s
  absl::StatusOr<std::unique_ptr<Simulator>> sim = Simulator::Create(scenario, SimOptions{});
  ASSERT_TRUE(sim.ok()) << sim.status().message();
  ASSERT_TRUE((*sim)->Run().ok());
  const Broker& broker = (*sim)->broker();
  for (int j = 0; j < 3; ++j) EXPECT_EQ(broker.outcome(JobId(j)).state, JobState::kFinished);
  const RunSummary s =
      Summarize((*sim)->scenario(), broker, {"fifo", 0, (*sim)->end_time(), (*sim)->events()});
  ASSERT_EQ(s.tenants.size(), 3u);
  const CostByKind& l = s.tenants[lab.index()].cost_by_kind;
  EXPECT_EQ(l.on_demand, 2 * 100 * 1000);
  EXPECT_EQ(l.spot + l.committed + l.reserved + l.internal + l.egress, 0);
  const CostByKind& b = s.tenants[bargain.index()].cost_by_kind;
  EXPECT_EQ(b.spot, 4 * 10 * 500);
  EXPECT_EQ(b.on_demand + b.committed + b.reserved + b.internal + b.egress, 0);
  const CostByKind& m = s.tenants[models.index()].cost_by_kind;
  EXPECT_EQ(m.internal, 2 * 50 * 1000);
  EXPECT_EQ(m.on_demand + m.spot + m.committed + m.reserved + m.egress, 0);
  for (const TenantSpend& t : s.tenants) {
    const CostByKind& k = t.cost_by_kind;
    EXPECT_EQ(k.on_demand + k.spot + k.committed + k.reserved + k.internal + k.egress, t.cost);
  }
}

}  // namespace
}  // namespace arbiter
