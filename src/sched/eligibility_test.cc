// Jobs' placements in the shared eligibility rule: which pools each rule allows, bought which
// way, and the preference of `ordered` candidates.
#include "sched/eligibility.h"

#include <memory>
#include <optional>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/testing.h"

namespace arbiter {
namespace {

using testing::AddTestPool;
using ::testing::ElementsAre;
using testing::TestJob;

// Pools: 0 primary/east, 1 primary/west, 2 rival/east (all H100, 1 x 8). The tenant buys on
// demand on primary's pools and only spot on rival's (its default there).
class View final : public ClusterView {
 public:
  View() {
    h100 = fleet_.AddAcceleratorType("H100");
    primary = fleet_.AddProvider("primary");
    rival = fleet_.AddProvider("rival");
    east = fleet_.AddRegion(primary, "east");
    west = fleet_.AddRegion(primary, "west");
    rival_east = fleet_.AddRegion(rival, "east");
    for (RegionId r : {east, west, rival_east}) AddTestPool(fleet_, r, h100, 1, 8, 1'000'000);
    lab = fleet_.AddTenant({"lab"});
  }

  Time now() const override { return 0; }
  const Fleet& fleet() const override { return fleet_; }
  int64_t FreeAccelerators(PoolId) const override { return 8; }
  const Job& job(JobId id) const override { return jobs[id.index()]; }
  Work RemainingWork(JobId id) const override { return jobs[id.index()].work; }
  std::optional<Micros> PriceFor(TenantId, PoolId pool) const override {
    return pool.value() == 2 ? 300'000 : 1'000'000;
  }
  std::span<const JobId> RunningOn(PoolId) const override { return {}; }
  Time RunStart(JobId) const override { return 0; }
  Work WorkAtRisk(JobId) const override { return 0; }
  std::optional<Micros> PurchasePrice(TenantId tenant, PoolId pool, Purchase how) const override {
    switch (how) {
      case Purchase::kDefault:
        return PriceFor(tenant, pool);
      case Purchase::kSpot:
        return pool.value() == 2 ? std::optional<Micros>(300'000) : std::nullopt;
      case Purchase::kOnDemand:
        return pool.value() == 2 ? std::nullopt : std::optional<Micros>(1'000'000);
    }
    return std::nullopt;
  }

  Job Placed(std::vector<PlacementRule> rules) const {
    Job job = TestJob("j", lab, 0, 8, 100, {{h100, 1}});
    auto placement = std::make_shared<Placement>();
    placement->rules = std::move(rules);
    job.placement = std::move(placement);
    return job;
  }

  AcceleratorTypeId h100;
  ProviderId primary, rival;
  RegionId east, west, rival_east;
  TenantId lab;
  std::vector<Job> jobs;

 private:
  Fleet fleet_;
};

TEST(Placement, RulesAllowPoolsByProviderAndRegion) {
  View v;
  const PoolId pe(0), pw(1), re(2);
  const Job free = TestJob("j", v.lab, 0, 8, 100, {{v.h100, 1}});
  EXPECT_THAT(EligiblePools(free, v), ElementsAre(pe, pw, re));
  EXPECT_THAT(EligiblePools(v.Placed({{v.h100, v.primary, RegionId()}}), v), ElementsAre(pe, pw));
  EXPECT_THAT(EligiblePools(v.Placed({{v.h100, v.rival, v.rival_east}}), v), ElementsAre(re));
  EXPECT_THAT(
      EligiblePools(v.Placed({{v.h100, v.primary, v.west}, {v.h100, v.rival, RegionId()}}), v),
      ElementsAre(pw, re));
  EXPECT_FALSE(CanEverRun(v.Placed({{v.h100, v.primary, v.west}}), pe, v));
  EXPECT_TRUE(CanEverRun(v.Placed({{v.h100, v.primary, v.west}}), pw, v));
}

TEST(Placement, SpotChoiceFollowsHowTheTenantBuys) {
  View v;
  const PoolId pe(0), re(2);
  const Job never = v.Placed({{v.h100, ProviderId(), RegionId(), SpotChoice::kNever}});
  const Job only = v.Placed({{v.h100, ProviderId(), RegionId(), SpotChoice::kOnly}});
  EXPECT_THAT(EligiblePools(never, v), ElementsAre(pe, PoolId(1)));  // rival's default is spot
  EXPECT_THAT(EligiblePools(only, v), ElementsAre(re));
  EXPECT_TRUE(PlacementAllows(never, pe, Purchase::kOnDemand, v));
  EXPECT_FALSE(PlacementAllows(never, pe, Purchase::kSpot, v));
  EXPECT_TRUE(PlacementAllows(only, re, Purchase::kSpot, v));
  EXPECT_FALSE(PlacementAllows(only, pe, Purchase::kOnDemand, v));
  EXPECT_FALSE(PlacementAllows(only, pe, Purchase::kDefault, v));
  EXPECT_EQ(WhyNoPool(v.Placed({{v.h100, v.primary, RegionId(), SpotChoice::kOnly}}), v),
            "no pool of H100 that tenant lab can use matches the job's resources (cloud, region, "
            "use_spot); it can use primary/east/H100, primary/west/H100, rival/east/H100");
}

TEST(Placement, OrderedPreferenceIsTheFirstCandidateThatAllowsThePool) {
  View v;
  const PoolId pe(0), pw(1), re(2);
  // Candidate 0: rival; 1: primary/west; 2: anything (also rival and primary/west again).
  const Job job = v.Placed({{v.h100, v.rival, RegionId(), SpotChoice::kAny, 0},
                            {v.h100, v.primary, v.west, SpotChoice::kAny, 1},
                            {v.h100, ProviderId(), RegionId(), SpotChoice::kAny, 2}});
  EXPECT_EQ(PreferenceOf(job, re, v), 0);
  EXPECT_EQ(PreferenceOf(job, pw, v), 1);
  EXPECT_EQ(PreferenceOf(job, pe, v), 2);
  const Job free = TestJob("j", v.lab, 0, 8, 100, {{v.h100, 1}});
  EXPECT_EQ(PreferenceOf(free, pe, v), 0);
  // The choosers take the preferred pool first, whatever its price or runtime.
  v.jobs = {job};
  const std::vector<PoolId> fits = {pe, pw, re};
  EXPECT_EQ(FastestPool(JobId(0), fits, v), re);
  const std::vector<PoolId> primary = {pe, pw};
  EXPECT_EQ(CheapestPool(JobId(0), primary, v), pw);
}

TEST(Placement, ShapesDifferByPlacement) {
  View v;
  const Job free = TestJob("j", v.lab, 0, 8, 100, {{v.h100, 1}});
  const Job a = v.Placed({{v.h100, v.primary, RegionId()}});
  const Job b = v.Placed({{v.h100, v.primary, RegionId()}});  // equal rules, another object
  const Job c = v.Placed({{v.h100, v.rival, RegionId()}});
  EXPECT_NE(ShapeOf(free), ShapeOf(a));
  EXPECT_EQ(ShapeOf(a), ShapeOf(b));
  EXPECT_NE(ShapeOf(a), ShapeOf(c));
  EXPECT_THAT(std::get<4>(ShapeOf(a)), ElementsAre(v.h100.value(), v.primary.value(), -1, 0, 0));
}

}  // namespace
}  // namespace arbiter
