// Deadline-aware spot (sched/deadline_spot.h): Uniform Progress against its greedy baseline on a
// hand-computed case, through the simulator and the capacity market.
//
// Provider A has pool P1 (8 H100) and sells spot at $1.08/h (300 micro-dollars per
// accelerator-second); its own first-party tenant fp preempts external spot work when it waits.
// Provider B (a neocloud) has pool P2 (4 H100) on demand at $3.60/h (1000). The lab buys spot
// from A and on demand from B; providers answer at once.
//   L: lab, t=0,   4 accelerators, 1000 s, deadline 2000, checkpoint every 100 s
//   F: fp,  t=250, 8 accelerators, 1500 s (takes all of P1 until 1750)
//   X: lab, t=450, 4 accelerators, 2000 s, no deadline
// Both rules start L on spot at 0 (cheapest). At 250 A stops L for F: L keeps 200 s of work and
// has 800 left; the changeover margin is 600 + 100 = 700 s, so L is critical from
// 2000 - 800 - 700 = 500, and behind uniform progress from 401 (200 x 2000 < 1000 x t).
#include "sched/deadline_spot.h"

#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "model/testing.h"
#include "sched_case.h"

namespace arbiter {
namespace {

using testing::Span;
using testing::SpanOf;
using testing::TestJob;

class DeadlineSpotTest : public ::testing::Test {
 protected:
  DeadlineSpotTest() {
    Fleet& f = scenario_.fleet;
    const AcceleratorTypeId h100 = f.AddAcceleratorType("H100");
    AgentConfig preempting;
    preempting.preempt_spot = true;
    const ProviderId a = f.AddProvider("A", preempting);
    const ProviderId b = f.AddProvider("B");
    p1_ = testing::AddTestPool(f, f.AddRegion(a, "r"), h100, 1, 8, 3'600'000, 0, 1'080'000);
    p2_ = testing::AddTestPool(f, f.AddRegion(b, "r"), h100, 1, 4, 3'600'000);
    const TenantId lab = f.AddTenant({"lab", 1, std::nullopt});
    const TenantId fp = f.AddTenant({"fp", 1, a});
    f.AddContract({lab, a, SpotTerms{}});
    f.AddContract({lab, b, OnDemandTerms{}});
    Job l = TestJob("L", lab, 0, 4, 1000, {{h100, 1}});
    l.deadline = 2000;
    l.checkpoint_interval = 100;
    scenario_.jobs = {l, TestJob("F", fp, 250, 8, 1500, {{h100, 1}}),
                      TestJob("X", lab, 450, 4, 2000, {{h100, 1}})};
    scenario_.name = "spot";
  }

  std::unique_ptr<Simulator> Run(const std::string& policy) {
    SimOptions options;
    options.policy = policy;
    absl::StatusOr<std::unique_ptr<Simulator>> sim = Simulator::Create(scenario_, options);
    EXPECT_TRUE(sim.ok()) << sim.status().message();
    EXPECT_TRUE((*sim)->Run().ok());
    return *std::move(sim);
  }
  static const DeadlineSpotPolicy& Spot(const Simulator& sim) {
    return dynamic_cast<const DeadlineSpotPolicy&>(sim.broker().policy());
  }

  Scenario scenario_;
  PoolId p1_;
  PoolId p2_;
  const JobId l_ = JobId(0);
  const JobId f_ = JobId(1);
  const JobId x_ = JobId(2);
};

TEST_F(DeadlineSpotTest, UniformProgressBuysOnDemandWhenBehind) {
  // At 401 L is behind and P2 has room: on demand there until 1201, before the deadline. X then
  // waits for P2 (P1 is F's).
  auto sim = Run("spot-up");
  const Broker& b = sim->broker();
  EXPECT_EQ(SpanOf(*sim, l_), (Span{0, 1201}));
  EXPECT_EQ(b.outcome(l_).pool, p2_);
  EXPECT_EQ(b.outcome(l_).interruptions, 1);
  EXPECT_EQ(b.outcome(l_).lost_accelerator_seconds, 4 * 50);
  // Spot 0-250: 4 x 250 x 300; on demand 401-1201: 4 x 800 x 1000.
  EXPECT_EQ(b.outcome(l_).cost, 300'000 + 3'200'000);
  EXPECT_EQ(SpanOf(*sim, f_), (Span{250, 1750}));
  EXPECT_EQ(SpanOf(*sim, x_), (Span{1201, 3201}));
  EXPECT_EQ(Spot(*sim).decisions(), (std::vector<std::pair<JobId, Purchase>>{
                                        {l_, Purchase::kSpot}, {l_, Purchase::kOnDemand}}));
}

TEST_F(DeadlineSpotTest, GreedyWaitsForTheLastMomentAndMisses) {
  // Greedy waits for spot until L is critical at 500; by then X has taken P2 (at 450), and L
  // waits until F frees P1 at 1750: spot again, it ends at 2550, after its deadline, for less.
  auto sim = Run("spot-greedy");
  const Broker& b = sim->broker();
  EXPECT_EQ(SpanOf(*sim, x_), (Span{450, 2450}));
  EXPECT_EQ(SpanOf(*sim, l_), (Span{0, 2550}));
  EXPECT_EQ(b.outcome(l_).pool, p1_);
  EXPECT_EQ(b.outcome(l_).cost, 300'000 + 4 * 800 * 300);
  EXPECT_EQ(b.run_kind(f_), ChargeKind::kInternal);
  EXPECT_EQ(Spot(*sim).decisions(), (std::vector<std::pair<JobId, Purchase>>{
                                        {l_, Purchase::kSpot}, {l_, Purchase::kSpot}}));
}

}  // namespace
}  // namespace arbiter
