#include "sim/bounds.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "model/testing.h"
#include "sim/metrics.h"
#include "sim/simulator.h"

namespace arbiter {
namespace {

using testing::AddTestPool;
using testing::TestJob;

constexpr Micros kDollar = 1'000'000;

// One provider with a pool of 1 x 8 H100 ($4/h on demand, $2/h spot) and a pool of 1 x 8 A100
// ($2/h on demand). The lab buys on demand at list price and spot at half price.
class BoundsTest : public ::testing::Test {
 protected:
  BoundsTest() {
    Fleet& f = scenario_.fleet;
    h100_ = f.AddAcceleratorType("H100");
    a100_ = f.AddAcceleratorType("A100");
    provider_ = f.AddProvider("p");
    const RegionId region = f.AddRegion(provider_, "r");
    h100_pool_ = AddTestPool(f, region, h100_, 1, 8, 4 * kDollar, 0, 2 * kDollar);
    a100_pool_ = AddTestPool(f, region, a100_, 1, 8, 2 * kDollar);
    lab_ = f.AddTenant({"lab"});
    f.AddContract({lab_, provider_, OnDemandTerms{0}});
    f.AddContract({lab_, provider_, SpotTerms{500'000}});
    scenario_.name = "bounds";
  }

  void AddJob(Time submit, int32_t accelerators, Work work,
              std::initializer_list<Throughput> throughputs) {
    scenario_.jobs.push_back(TestJob("j" + std::to_string(scenario_.jobs.size()), lab_, submit,
                                     accelerators, work, throughputs));
  }

  Scenario scenario_;
  AcceleratorTypeId h100_;
  AcceleratorTypeId a100_;
  ProviderId provider_;
  PoolId h100_pool_;
  PoolId a100_pool_;
  TenantId lab_;
};

TEST_F(BoundsTest, PriceFloorIsTheLowestPriceAContractAllows) {
  Fleet& f = scenario_.fleet;
  // H100: on demand $4, spot $2 x (1 - 0.5) = $1. A100 sells no spot: $2.
  EXPECT_EQ(PriceFloor(f, lab_, h100_pool_), 1 * kDollar);
  EXPECT_EQ(PriceFloor(f, lab_, a100_pool_), 2 * kDollar);
  // A tenant without contracts cannot use them.
  const TenantId other = f.AddTenant({"other"});
  EXPECT_EQ(PriceFloor(f, other, h100_pool_), std::nullopt);
  // The provider's own tenant pays the internal price: the committed price, else on demand.
  const TenantId own = f.AddTenant({"own", 1, provider_});
  f.pools[h100_pool_.index()].committed_price = 3 * kDollar;
  EXPECT_EQ(PriceFloor(f, own, h100_pool_), 3 * kDollar);
  EXPECT_EQ(PriceFloor(f, own, a100_pool_), 2 * kDollar);
  // A provider that matches quotes may go down to its cost basis ($3 on H100; 0 on A100, which
  // has no committed price).
  f.providers[provider_.index()].agent.match_quotes = true;
  EXPECT_EQ(PriceFloor(f, lab_, h100_pool_), 1 * kDollar);
  EXPECT_EQ(PriceFloor(f, lab_, a100_pool_), 0);
}

TEST_F(BoundsTest, FloorsAndBoundsByHand) {
  // j0: 8 accelerators, 7200 units at 2/s on H100 (3600 s) or 1/s on A100 (7200 s).
  //   Cost on H100: 8 x 3600 s x $1/h = $8; on A100: 8 x 7200 s x $2/h = $32. Floor $8.
  AddJob(0, 8, 7200, {{h100_, 2}, {a100_, 1}});
  // j1: a gang of 16 fits in no pool (max gang 8): not counted.
  AddJob(0, 16, 100, {{h100_, 1}});
  // j2, j3, j4 at t=900: 8 H100 for 1000 s each ($1/h: 8 x 1000 / 3600 = $2.222222).
  AddJob(900, 8, 1000, {{h100_, 1}});
  AddJob(900, 8, 1000, {{h100_, 1}});
  AddJob(900, 8, 1000, {{h100_, 1}});
  const std::vector<JobFloor> floors = JobFloors(scenario_);
  ASSERT_EQ(floors.size(), 5u);
  EXPECT_TRUE(floors[0].counted);
  EXPECT_EQ(floors[0].runtime, 3600);
  EXPECT_EQ(floors[0].usage_cost, 8 * kDollar);
  EXPECT_EQ(floors[0].max_capacity, 16);  // both pools can run it
  EXPECT_FALSE(floors[1].counted);
  EXPECT_EQ(floors[2].runtime, 1000);
  EXPECT_EQ(floors[2].usage_cost, 2'222'222);  // 8 x 1000 x 1e6 / 3600, rounded down
  EXPECT_EQ(floors[2].max_capacity, 8);

  const RunBounds b = ComputeBounds(scenario_, floors);
  EXPECT_EQ(b.jobs, 4);
  EXPECT_DOUBLE_EQ(b.mean_jct, (3600.0 + 3 * 1000.0) / 4);
  // Each job alone: j0 ends by 3600 at the earliest, j2..j4 by 1900. Area over the 16
  // accelerators: from 0, (8 x 3600 + 3 x 8 x 1000) / 16 = 3300; from 900, 900 + 24000 / 16 =
  // 2400. The bound is 3600.
  EXPECT_EQ(b.makespan, 3600);
  EXPECT_EQ(b.cost, 8 * kDollar + 3 * 2'222'222);
  EXPECT_FALSE(b.makespan_ratio.has_value());
}

TEST_F(BoundsTest, AreaBoundCountsOnlyWorkSubmittedLater) {
  // A short job at 0, then four gangs of 8 x 1000 s at 900 that only the H100 pool can run; the
  // A100 pool counts in the fleet's capacity (16) all the same. Each alone ends by 1900; the area
  // from 0 gives (800 + 32000) / 16 = 2050; from 900, 900 + 32000 / 16 = 2900.
  AddJob(0, 8, 100, {{h100_, 1}});
  for (int i = 0; i < 4; ++i) AddJob(900, 8, 1000, {{h100_, 1}});
  const RunBounds b = ComputeBounds(scenario_, JobFloors(scenario_));
  EXPECT_EQ(b.makespan, 2900);
}

TEST_F(BoundsTest, HoldingsAreBilledWhateverThePolicy) {
  Fleet& f = scenario_.fleet;
  f.pools[h100_pool_.index()].nodes = 3;
  f.pools[h100_pool_.index()].max_gang = 8;
  // A commitment of 8 H100 over [0, 100000) at $0.50/h, and a reservation of 8 H100 over
  // [0, 7200) at $1/h; each becomes a holding pool of one node.
  f.AddContract({lab_, provider_, CommitmentTerms{h100_, std::nullopt, 8, 0, 100000, 500'000}});
  f.AddContract({lab_, provider_, ReservationTerms{h100_, std::nullopt, 8, 0, 7200, kDollar}});
  AddJob(0, 8, 3600, {{h100_, 1}});
  SimOptions options;
  options.policy = "fifo";
  absl::StatusOr<std::unique_ptr<Simulator>> sim = Simulator::Create(scenario_, options);
  ASSERT_TRUE(sim.ok()) << sim.status().message();
  const Scenario& run = (*sim)->scenario();
  const std::vector<JobFloor> floors = JobFloors(run);
  // On a holding pool the job pays nothing per use.
  EXPECT_EQ(floors[0].usage_cost, 0);
  EXPECT_EQ(floors[0].runtime, 3600);
  const RunBounds b = ComputeBounds(run, floors);
  EXPECT_EQ(b.makespan, 3600);
  // The reservation in full: 8 x 2 h x $1 = $16; the commitment up to the earliest possible end
  // (3600): 8 x 1 h x $0.50 = $4.
  EXPECT_EQ(b.cost, 20 * kDollar);

  ASSERT_TRUE((*sim)->Run().ok());
  RunSummary s = Summarize(run, (*sim)->broker(), {"fifo", 0, (*sim)->end_time(), 0});
  // The job runs on a holding pool at once, [0, 3600): makespan and JCT meet their bounds. The
  // run goes on to the end of the commitment's window (a scheduled change of capacity), so the
  // commitment is billed to 100000: 8 x 100000 s x $0.50/h = $111.111111, plus the reservation's
  // $16, against the bound's $20.
  EXPECT_EQ(s.makespan, 3600);
  EXPECT_EQ(s.end, 100000);
  EXPECT_EQ(s.total_cost, 127'111'111);
  ASSERT_TRUE(s.bounds.cost_ratio.has_value());
  EXPECT_DOUBLE_EQ(*s.bounds.cost_ratio, 127'111'111.0 / 20'000'000);
  EXPECT_DOUBLE_EQ(*s.bounds.makespan_ratio, 1.0);
  EXPECT_DOUBLE_EQ(*s.bounds.mean_jct_ratio, 1.0);
}

TEST_F(BoundsTest, RatiosOfARunThatQueues) {
  // Two gangs of 8 at 0 that only H100 runs, 3600 s each: one waits for the other.
  AddJob(0, 8, 3600, {{h100_, 1}});
  AddJob(0, 8, 3600, {{h100_, 1}});
  SimOptions options;
  options.policy = "fifo";
  absl::StatusOr<std::unique_ptr<Simulator>> sim = Simulator::Create(scenario_, options);
  ASSERT_TRUE(sim.ok()) << sim.status().message();
  ASSERT_TRUE((*sim)->Run().ok());
  const RunSummary s =
      Summarize((*sim)->scenario(), (*sim)->broker(), {"fifo", 0, (*sim)->end_time(), 0});
  ASSERT_EQ(s.finished, 2);
  // Bounds: makespan max(3600, 2 x 8 x 3600 / 16 = 3600) = 3600; mean JCT 3600; cost 2 x 8 h x
  // $1 (spot at half price) = $16. The run: fifo buys on demand ($4/h), the second job starts
  // when the first ends: JCTs 3600 and 7200, makespan 7200, cost 2 x 8 h x $4 = $64.
  EXPECT_EQ(s.bounds.makespan, 3600);
  EXPECT_EQ(s.bounds.cost, 16 * kDollar);
  EXPECT_EQ(s.makespan, 7200);
  EXPECT_EQ(s.total_cost, 64 * kDollar);
  ASSERT_TRUE(s.bounds.makespan_ratio.has_value());
  EXPECT_DOUBLE_EQ(*s.bounds.makespan_ratio, 2.0);
  EXPECT_DOUBLE_EQ(*s.bounds.mean_jct_ratio, 1.5);
  EXPECT_DOUBLE_EQ(*s.bounds.cost_ratio, 4.0);
}

TEST_F(BoundsTest, NoRatiosWhenARunStopsEarly) {
  AddJob(0, 8, 3600, {{h100_, 1}});
  AddJob(0, 8, 3600, {{h100_, 1}});
  SimOptions options;
  options.policy = "fifo";
  options.horizon = 5000;  // the second job is still running
  absl::StatusOr<std::unique_ptr<Simulator>> sim = Simulator::Create(scenario_, options);
  ASSERT_TRUE(sim.ok()) << sim.status().message();
  ASSERT_TRUE((*sim)->Run().ok());
  const RunSummary s =
      Summarize((*sim)->scenario(), (*sim)->broker(), {"fifo", 0, (*sim)->end_time(), 0});
  EXPECT_EQ(s.finished, 1);
  EXPECT_EQ(s.bounds.jobs, 2);
  EXPECT_EQ(s.bounds.makespan, 3600);
  EXPECT_FALSE(s.bounds.makespan_ratio.has_value());
  EXPECT_FALSE(s.bounds.mean_jct_ratio.has_value());
  EXPECT_FALSE(s.bounds.cost_ratio.has_value());
}

TEST_F(BoundsTest, EqualShareTimes) {
  AddJob(0, 8, 1000, {{h100_, 1}});    // N = 2 at 0: a 4-accelerator share for a gang of 8: 2000
  AddJob(0, 4, 1000, {{h100_, 1}});    // 4 <= 8 / 2: full speed, 1000
  AddJob(500, 4, 100, {{h100_, 1}});   // N = 3 at 500: 8/3 for 4: 100 x 1.5 = 150
  AddJob(2000, 8, 10, {{h100_, 1}});   // the others are done by 2000: N = 1, 10
  AddJob(2000, 16, 10, {{h100_, 1}});  // fits nowhere: 0
  const std::vector<double> t = EqualShareTimes(scenario_, JobFloors(scenario_));
  ASSERT_EQ(t.size(), 5u);
  EXPECT_DOUBLE_EQ(t[0], 2000);
  EXPECT_DOUBLE_EQ(t[1], 1000);
  EXPECT_DOUBLE_EQ(t[2], 150);
  EXPECT_DOUBLE_EQ(t[3], 10);
  EXPECT_DOUBLE_EQ(t[4], 0);
}

}  // namespace
}  // namespace arbiter
