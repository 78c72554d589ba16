// Each built-in policy on one small case whose start times, end times and costs are computed by
// hand below.
//
// Fleet: provider p, region r; pool A = 1 node x 4 H100 at $3.60/h (1000 micro-dollars per
// accelerator-second), pool B = 1 node x 4 A100 at $1.44/h (400 per accelerator-second).
// Jobs (work units; rate 2/s on H100, 1/s on A100):
//   j0: t=0,  4 accelerators, work 200 (100 s on A, 200 s on B)
//   j1: t=10, 2 accelerators, work 100 (50 s on A, 100 s on B)
//   j2: t=20, 4 accelerators, work 80  (40 s on A, 80 s on B)
//   j3: t=30, 4 accelerators, work 20  (10 s on A, 20 s on B)
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "model/testing.h"
#include "sim/simulator.h"

namespace arbiter {
namespace {

using testing::AddTestPool;
using testing::TestJob;

struct Expected {
  const char* pool;  // "A" or "B"
  Time start;
  Time end;
  Micros cost;
};

class PoliciesTest : public ::testing::Test {
 protected:
  PoliciesTest() {
    Fleet& f = scenario_.fleet;
    const AcceleratorTypeId h100 = f.AddAcceleratorType("H100");
    const AcceleratorTypeId a100 = f.AddAcceleratorType("A100");
    const RegionId r = f.AddRegion(f.AddProvider("p"), "r");
    AddTestPool(f, r, h100, 1, 4, 3'600'000);
    AddTestPool(f, r, a100, 1, 4, 1'440'000);
    const TenantId lab = f.AddTenant({"lab", 1, std::nullopt});
    f.AddContract({lab, ProviderId(0), OnDemandTerms{}});
    const std::pair<Time, std::pair<int32_t, Work>> specs[] = {
        {0, {4, 200}}, {10, {2, 100}}, {20, {4, 80}}, {30, {4, 20}}};
    int i = 0;
    for (const auto& [submit, gang_work] : specs) {
      scenario_.jobs.push_back(TestJob("j" + std::to_string(i++), lab, submit, gang_work.first,
                                       gang_work.second, {{h100, 2}, {a100, 1}}));
    }
  }

  void Check(const std::string& policy, const std::vector<Expected>& expected) {
    SimOptions options;
    options.policy = policy;
    absl::StatusOr<std::unique_ptr<Simulator>> sim = Simulator::Create(scenario_, options);
    ASSERT_TRUE(sim.ok()) << sim.status().message();
    ASSERT_TRUE((*sim)->Run().ok());
    const Broker& b = (*sim)->broker();
    Micros total = 0;
    for (size_t i = 0; i < expected.size(); ++i) {
      const JobOutcome& o = b.outcome(JobId::FromIndex(i));
      const Expected& e = expected[i];
      EXPECT_EQ(o.state, JobState::kFinished) << policy << " j" << i;
      EXPECT_EQ(o.pool, PoolId(e.pool[0] == 'A' ? 0 : 1)) << policy << " j" << i;
      EXPECT_EQ(o.first_start, e.start) << policy << " j" << i;
      EXPECT_EQ(o.end, e.end) << policy << " j" << i;
      EXPECT_EQ(o.cost, e.cost) << policy << " j" << i;
      total += e.cost;
    }
    EXPECT_EQ(b.ledger().total(), total) << policy;
  }

  Scenario scenario_;
};

TEST_F(PoliciesTest, Fifo) {
  // j0 takes the faster pool A; j1 finds only B with room; j2 and j3 wait. When A frees at 100,
  // j2 (earlier) takes it; when B frees at 110, j3 takes B.
  Check("fifo", {{"A", 0, 100, 4 * 100 * 1000},
                 {"B", 10, 110, 2 * 100 * 400},
                 {"A", 100, 140, 4 * 40 * 1000},
                 {"B", 110, 130, 4 * 20 * 400}});
}

TEST_F(PoliciesTest, StrictFifo) {
  // As fifo: j2 waits at the head from 20 (no pool has 4 free), and j3 behind it could not have
  // started before either (it needs 4 too).
  Check("fifo-strict", {{"A", 0, 100, 4 * 100 * 1000},
                        {"B", 10, 110, 2 * 100 * 400},
                        {"A", 100, 140, 4 * 40 * 1000},
                        {"B", 110, 130, 4 * 20 * 400}});
}

TEST_F(PoliciesTest, ShortestRemainingTimeFirst) {
  // Time left at the H100 rate: j0 100, j1 50, j2 40, j3 10. j2 and j3 arrive with less time
  // left than the running j0 and j1, but these never checkpoint, so stopping them would lose
  // their work: nothing is preempted, and the order is sjf's (j3 before j2 at 100; j2 takes A
  // at 110, offered once j3 has finished there).
  Check("srtf", {{"A", 0, 100, 400'000},
                 {"B", 10, 110, 80'000},
                 {"A", 110, 150, 4 * 40 * 1000},
                 {"A", 100, 110, 4 * 10 * 1000}});
}

TEST_F(PoliciesTest, Tiresias) {
  // Attained service stays below the first threshold (j0's 4 x 100 = 400 accelerator-seconds
  // < 3600): every job stays in the first queue, in arrival order, as fifo.
  Check("tiresias", {{"A", 0, 100, 4 * 100 * 1000},
                     {"B", 10, 110, 2 * 100 * 400},
                     {"A", 100, 140, 4 * 40 * 1000},
                     {"B", 110, 130, 4 * 20 * 400}});
}

TEST_F(PoliciesTest, FifoHonoursPriority) {
  scenario_.jobs[3].priority = 1;
  // At 100 j3 goes first on A (100-110). At 110 both j1 (B) and j3 (A) finish; j1's finish comes
  // first and j2 asks for B, the only pool with room at that moment. The provider answers after
  // every finish at that instant (event_queue.h), when A is free too, and offers the faster A.
  Check("fifo", {{"A", 0, 100, 400'000},
                 {"B", 10, 110, 80'000},
                 {"A", 110, 150, 4 * 40 * 1000},
                 {"A", 100, 110, 4 * 10 * 1000}});
}

TEST_F(PoliciesTest, ShortestJobFirst) {
  // At 100, on A, j3 (10 s) goes before j2 (40 s). At 110 j1's finish frees B first and j2 asks
  // for it; the provider answers once j3 has also finished and offers the faster A.
  Check("sjf", {{"A", 0, 100, 400'000},
                {"B", 10, 110, 80'000},
                {"A", 110, 150, 4 * 40 * 1000},
                {"A", 100, 110, 4 * 10 * 1000}});
}

TEST_F(PoliciesTest, CostGreedy) {
  // j0 costs 4x100x1000 = 400,000 on A but 4x200x400 = 320,000 on B: it takes B. j1 then finds
  // only A (100,000). j2 and j3 wait for A and take it in turn at 60 and 100.
  Check("cost-greedy", {{"B", 0, 200, 320'000},
                        {"A", 10, 60, 2 * 50 * 1000},
                        {"A", 60, 100, 160'000},
                        {"A", 100, 110, 40'000}});
}

TEST_F(PoliciesTest, DiscountIsApplied) {
  // A 25% discount on every price: 750 and 300 micro-dollars per accelerator-second.
  std::get<OnDemandTerms>(scenario_.fleet.contracts[0].terms).discount = 250'000;
  Check("fifo", {{"A", 0, 100, 4 * 100 * 750},
                 {"B", 10, 110, 2 * 100 * 300},
                 {"A", 100, 140, 4 * 40 * 750},
                 {"B", 110, 130, 4 * 20 * 300}});
}

}  // namespace
}  // namespace arbiter
