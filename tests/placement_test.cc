// Jobs' placement (model/job.h: a live job spec's cloud, region, any_of / ordered and use_spot)
// through the simulator: every policy keeps each job on the pools its placement allows; the
// policies that choose among pools with room take the job's `ordered` candidates in order; and
// use_spot holds for the policies that buy spot themselves.
//
// Fleet (one H100 node of 8 per pool):  P_E primary/east $3/h, P_W primary/west $2/h,
// R_E rival/east $1/h on demand, $0.50/h spot; tenant lab. Where lab holds each pool's node
// under a commitment (Holdings()), every placement starts a job at once, as the policy chose;
// bought through the market (on-demand and spot contracts) the placement also decides which
// providers are asked and for which pools (core/market_desk.cc, LimitToPlacement).
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/testing.h"
#include "sched/registry.h"
#include "sim/simulator.h"

namespace arbiter {
namespace {

using testing::AddTestPool;
using testing::TestJob;

class PlacementTest : public ::testing::Test {
 protected:
  PlacementTest() {
    Fleet& f = scenario_.fleet;
    scenario_.name = "placement";
    h100_ = f.AddAcceleratorType("H100");
    primary_ = f.AddProvider("primary");
    rival_ = f.AddProvider("rival");
    east_ = f.AddRegion(primary_, "east");
    west_ = f.AddRegion(primary_, "west");
    rival_east_ = f.AddRegion(rival_, "east");
    pe_ = AddTestPool(f, east_, h100_, 1, 8, 3'000'000);
    pw_ = AddTestPool(f, west_, h100_, 1, 8, 2'000'000);
    re_ = AddTestPool(f, rival_east_, h100_, 1, 8, 1'000'000, 0, 500'000);
    lab_ = f.AddTenant({"lab"});
  }

  void OnDemandWithBoth() {
    scenario_.fleet.AddContract({lab_, primary_, OnDemandTerms{}});
    scenario_.fleet.AddContract({lab_, rival_, OnDemandTerms{}});
  }

  // lab holds each pool's node for the whole run at the pool's price: its holding pools (carved
  // out of P_E, P_W and R_E, market/holdings.h) are its only access, and direct.
  void Holdings() {
    const std::pair<ProviderId, RegionId> where[] = {
        {primary_, east_}, {primary_, west_}, {rival_, rival_east_}};
    const Micros prices[] = {3'000'000, 2'000'000, 1'000'000};
    for (int i = 0; i < 3; ++i) {
      scenario_.fleet.AddContract(
          {lab_, where[i].first,
           CommitmentTerms{h100_, where[i].second, 8, 0, 1'000'000, prices[i]}});
    }
  }

  // The pool of the fleet file a run used: its own, or the parent of the holding pool it ran on.
  static PoolId Physical(const Simulator& sim, PoolId pool) {
    if (!pool.valid()) return pool;
    const Pool& p = sim.scenario().fleet.pool(pool);
    return p.parent ? *p.parent : pool;
  }

  // A one-node job of 8 H100 running `seconds`, allowed where `rules` say (none: anywhere).
  JobId Add(Time submit, Duration seconds, std::vector<PlacementRule> rules,
            Time deadline = kNever) {
    Job job = TestJob("j" + std::to_string(scenario_.jobs.size()), lab_, submit, 8, seconds,
                      {{h100_, 1}});
    job.deadline = deadline;
    if (!rules.empty()) {
      auto placement = std::make_shared<Placement>();
      placement->rules = std::move(rules);
      job.placement = std::move(placement);
    }
    scenario_.jobs.push_back(std::move(job));
    return JobId::FromIndex(scenario_.jobs.size() - 1);
  }

  std::unique_ptr<Simulator> Run(const std::string& policy) {
    SimOptions options;
    options.policy = policy;
    absl::StatusOr<std::unique_ptr<Simulator>> sim = Simulator::Create(scenario_, options);
    EXPECT_TRUE(sim.ok()) << sim.status().message();
    if (!sim.ok()) return nullptr;
    EXPECT_TRUE((*sim)->Run().ok());
    return *std::move(sim);
  }

  // How the job's runs were bought (the kinds of its charges).
  static std::set<ChargeKind> KindsOf(const Simulator& sim, JobId job) {
    std::set<ChargeKind> kinds;
    for (const Charge& c : sim.broker().ledger().charges()) {
      if (c.job == job) kinds.insert(c.kind);
    }
    return kinds;
  }

  Scenario scenario_;
  AcceleratorTypeId h100_;
  ProviderId primary_, rival_;
  RegionId east_, west_, rival_east_;
  PoolId pe_, pw_, re_;
  TenantId lab_;
};

TEST_F(PlacementTest, EveryPolicyRunsEachJobOnlyWhereItsPlacementAllows) {
  Holdings();
  const std::vector<PlacementRule> only_primary = {{h100_, primary_, RegionId()}};
  const std::vector<PlacementRule> any_east = {{h100_, primary_, east_},
                                               {h100_, rival_, rival_east_}};
  const std::vector<PlacementRule> only_rival = {{h100_, rival_, RegionId()}};
  const std::vector<PlacementRule> primary_west = {{h100_, primary_, west_}};
  const std::vector<std::vector<PlacementRule>> kinds = {only_primary, any_east, only_rival,
                                                         primary_west};
  const std::vector<std::set<PoolId>> allowed = {{pe_, pw_}, {pe_, re_}, {re_}, {pw_}};
  for (int i = 0; i < 12; ++i) Add(10 * (i / 4), 300 + 100 * (i % 3), kinds[i % 4]);
  for (const PolicyInfo& policy : ListPolicies()) {
    std::unique_ptr<Simulator> sim = Run(policy.name);
    ASSERT_NE(sim, nullptr) << policy.name;
    for (size_t j = 0; j < scenario_.jobs.size(); ++j) {
      const JobOutcome& o = sim->broker().outcome(JobId::FromIndex(j));
      EXPECT_EQ(o.state, JobState::kFinished) << policy.name << " j" << j;
      EXPECT_TRUE(allowed[j % 4].contains(Physical(*sim, o.pool)))
          << policy.name << " j" << j << " ran on " << sim->scenario().fleet.pool(o.pool).name;
    }
  }
}

TEST_F(PlacementTest, OrderedTakesTheFirstCandidateWithRoomThenTheNext) {
  Holdings();
  // j0, j1: primary/east first, then rival. j2: rival first, then anywhere on primary.
  const std::vector<PlacementRule> east_then_rival = {
      {h100_, primary_, east_, SpotChoice::kAny, 0},
      {h100_, rival_, RegionId(), SpotChoice::kAny, 1}};
  const JobId j0 = Add(0, 100, east_then_rival);
  const JobId j1 = Add(10, 100, east_then_rival);
  const JobId j2 = Add(20, 100,
                       {{h100_, rival_, RegionId(), SpotChoice::kAny, 0},
                        {h100_, primary_, RegionId(), SpotChoice::kAny, 1}});
  // Cheapest and fastest alike would put j0 on rival's node ($1/h): its order puts it on
  // primary/east.
  for (const char* policy : {"fifo", "sjf", "cost-greedy", "fair", "fair-no-preempt",
                             "backfill-easy", "backfill-conservative"}) {
    std::unique_ptr<Simulator> sim = Run(policy);
    ASSERT_NE(sim, nullptr) << policy;
    const Broker& b = sim->broker();
    EXPECT_EQ(Physical(*sim, b.outcome(j0).pool), pe_) << policy;
    EXPECT_EQ(b.outcome(j0).first_start, 0) << policy;
    // primary/east is busy: the next candidate.
    EXPECT_EQ(Physical(*sim, b.outcome(j1).pool), re_) << policy;
    EXPECT_EQ(b.outcome(j1).first_start, 10) << policy;
    // rival is busy: primary, where it has room.
    EXPECT_EQ(Physical(*sim, b.outcome(j2).pool), pw_) << policy;
    EXPECT_EQ(b.outcome(j2).first_start, 20) << policy;
    EXPECT_EQ(b.outcome(j2).end, 120) << policy;
  }
}

TEST_F(PlacementTest, BoughtThroughTheMarketEveryPolicyRunsEachJobOnlyWhereItsPlacementAllows) {
  // Only the providers with an allowed pool are asked, and they avoid the pools it does not allow.
  OnDemandWithBoth();
  const std::vector<PlacementRule> only_primary = {{h100_, primary_, RegionId()}};
  const std::vector<PlacementRule> any_east = {{h100_, primary_, east_},
                                               {h100_, rival_, rival_east_}};
  const std::vector<PlacementRule> only_rival = {{h100_, rival_, RegionId()}};
  const std::vector<PlacementRule> primary_west = {{h100_, primary_, west_}};
  const std::vector<std::vector<PlacementRule>> kinds = {only_primary, any_east, only_rival,
                                                         primary_west};
  const std::vector<std::set<PoolId>> allowed = {{pe_, pw_}, {pe_, re_}, {re_}, {pw_}};
  for (int i = 0; i < 12; ++i) Add(10 * (i / 4), 300 + 100 * (i % 3), kinds[i % 4]);
  for (const PolicyInfo& policy : ListPolicies()) {
    std::unique_ptr<Simulator> sim = Run(policy.name);
    ASSERT_NE(sim, nullptr) << policy.name;
    for (size_t j = 0; j < scenario_.jobs.size(); ++j) {
      const JobOutcome& o = sim->broker().outcome(JobId::FromIndex(j));
      EXPECT_EQ(o.state, JobState::kFinished) << policy.name << " j" << j;
      EXPECT_TRUE(allowed[j % 4].contains(o.pool))
          << policy.name << " j" << j << " ran on " << sim->scenario().fleet.pool(o.pool).name;
    }
  }
}

TEST_F(PlacementTest, BoughtThroughTheMarketOrderedAsksOnlyForTheChosenCandidate) {
  // The exchange would award j0 to rival's cheaper offer; only primary is asked, for P_E.
  OnDemandWithBoth();
  const std::vector<PlacementRule> east_then_rival = {
      {h100_, primary_, east_, SpotChoice::kAny, 0},
      {h100_, rival_, RegionId(), SpotChoice::kAny, 1}};
  const JobId j0 = Add(0, 100, east_then_rival);
  const JobId j1 = Add(10, 100, east_then_rival);
  const JobId j2 = Add(20, 100,
                       {{h100_, rival_, RegionId(), SpotChoice::kAny, 0},
                        {h100_, primary_, RegionId(), SpotChoice::kAny, 1}});
  for (const char* policy : {"fifo", "sjf", "cost-greedy", "fair", "fair-no-preempt",
                             "backfill-easy", "backfill-conservative"}) {
    std::unique_ptr<Simulator> sim = Run(policy);
    ASSERT_NE(sim, nullptr) << policy;
    const Broker& b = sim->broker();
    EXPECT_EQ(b.outcome(j0).pool, pe_) << policy;
    EXPECT_EQ(b.outcome(j0).first_start, 0) << policy;
    EXPECT_EQ(b.outcome(j1).pool, re_) << policy;
    EXPECT_EQ(b.outcome(j1).first_start, 10) << policy;
    EXPECT_EQ(b.outcome(j2).pool, pw_) << policy;
    EXPECT_EQ(b.outcome(j2).first_start, 20) << policy;
    // 8 accelerators x 100 s at $3, $1 and $2 an hour.
    EXPECT_EQ(b.outcome(j0).cost, 666'667) << policy;
    EXPECT_EQ(b.outcome(j1).cost, 222'222) << policy;
    EXPECT_EQ(b.outcome(j2).cost, 444'444) << policy;
  }
}

TEST_F(PlacementTest, UseSpotChoosesTheWayOfBuying) {
  // lab buys on demand from primary and spot from rival (its only contract there).
  scenario_.fleet.AddContract({lab_, primary_, OnDemandTerms{}});
  scenario_.fleet.AddContract({lab_, rival_, SpotTerms{}});
  const JobId never = Add(0, 100, {{h100_, ProviderId(), RegionId(), SpotChoice::kNever}});
  const JobId only = Add(0, 100, {{h100_, ProviderId(), RegionId(), SpotChoice::kOnly}});
  const JobId any = Add(200, 100, {});
  std::unique_ptr<Simulator> sim = Run("cost-greedy");
  ASSERT_NE(sim, nullptr);
  const Broker& b = sim->broker();
  EXPECT_EQ(b.outcome(never).pool, pw_);  // not rival, where lab buys spot
  EXPECT_EQ(KindsOf(*sim, never), std::set<ChargeKind>{ChargeKind::kOnDemand});
  EXPECT_EQ(b.outcome(only).pool, re_);
  EXPECT_EQ(KindsOf(*sim, only), std::set<ChargeKind>{ChargeKind::kSpot});
  EXPECT_EQ(b.outcome(any).pool, re_);  // the cheapest, without a placement
}

TEST_F(PlacementTest, UseSpotFalseHoldsForPoliciesThatBuySpotThemselves) {
  // On rival lab may buy either way; spot-greedy buys spot for jobs whose deadline allows it.
  scenario_.fleet.AddContract({lab_, rival_, OnDemandTerms{}});
  scenario_.fleet.AddContract({lab_, rival_, SpotTerms{}});
  const JobId never = Add(0, 100, {{h100_, rival_, RegionId(), SpotChoice::kNever}}, 100'000);
  const JobId free = Add(1000, 100, {}, 100'000);
  for (const char* policy : {"spot-greedy", "spot-up"}) {
    std::unique_ptr<Simulator> sim = Run(policy);
    ASSERT_NE(sim, nullptr) << policy;
    EXPECT_EQ(sim->broker().outcome(never).state, JobState::kFinished) << policy;
    EXPECT_EQ(KindsOf(*sim, never), std::set<ChargeKind>{ChargeKind::kOnDemand}) << policy;
    EXPECT_EQ(KindsOf(*sim, free), std::set<ChargeKind>{ChargeKind::kSpot}) << policy;
  }
}

TEST_F(PlacementTest, AJobNoAllowedPoolCanRunIsRejectedWithTheReason) {
  OnDemandWithBoth();
  const JobId job = Add(0, 100, {{h100_, ProviderId(), RegionId(), SpotChoice::kOnly}});
  std::unique_ptr<Simulator> sim = Run("fifo");
  ASSERT_NE(sim, nullptr);
  const JobOutcome& o = sim->broker().outcome(job);
  EXPECT_EQ(o.state, JobState::kRejected);
  EXPECT_EQ(o.reason,
            "no pool of H100 that tenant lab can use matches the job's resources (cloud, region, "
            "use_spot); it can use primary/east/H100, primary/west/H100, rival/east/H100");
}

}  // namespace
}  // namespace arbiter
