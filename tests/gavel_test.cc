// Heterogeneity-aware rounds (sched/gavel.h) on a hand-computed case.
//
// Pools: one H100 and one A100 accelerator (H100 first). Both jobs checkpoint every 100 s.
//   B: t=0, 100,000 units at 10/s on H100 (10,000 s) and 9/s on A100 (11,112 s)
//   A: t=1,  20,000 units at  2/s on H100 (10,000 s) and 1/s on A100 (20,000 s)
// B arrives first and takes the H100 (its fastest); A gets the A100. FIFO leaves it so: A ends at
// 20,001. The minimum-makespan program wants them swapped, with A on the H100 (A's best runtime
// is the makespan). Jobs move only after running for a round (3600 s), so at the round at 3600 A
// (started at 1) may not move yet, and B has nowhere to go: nothing stops. At 7200 B has 28,000
// units left (3,112 s on A100) and A 12,801 (6,401 s on H100). B is at a checkpoint (72 x 100 s)
// and stops at once; A at its next checkpoint, 7201. The H100 B frees is promised to A and stays
// free for that second; then B takes the A100 and A the H100.
#include "sched/gavel.h"

#include "gtest/gtest.h"
#include "sched_case.h"

namespace arbiter {
namespace {

using testing::SchedCase;
using testing::Span;
using testing::SpanOf;
using testing::TestJob;

class GavelTest : public ::testing::Test {
 protected:
  GavelTest() {
    h100_ = c_.AddPool(c_.h100(), 1);
    a100_ = c_.AddPool(c_.a100(), 1);
    const TenantId t = c_.AddTenant("A");
    Job b = TestJob("B", t, 0, 1, 100'000, {{c_.h100(), 10}, {c_.a100(), 9}});
    b.checkpoint_interval = 100;
    Job a = TestJob("A", t, 1, 1, 20'000, {{c_.h100(), 2}, {c_.a100(), 1}});
    a.checkpoint_interval = 100;
    c_.scenario().jobs = {b, a};
  }

  SchedCase c_;
  PoolId h100_;
  PoolId a100_;
  const JobId b_ = JobId(0);
  const JobId a_ = JobId(1);
};

TEST_F(GavelTest, FifoKeepsTheFirstComeOnTheFastType) {
  auto sim = c_.Run("fifo");
  EXPECT_EQ(SpanOf(*sim, b_), (Span{0, 10'000}));
  EXPECT_EQ(SpanOf(*sim, a_), (Span{1, 20'001}));
}

TEST_F(GavelTest, MinMakespanSwapsTypesAtACheckpoint) {
  auto sim = c_.Run("gavel-makespan");
  const Broker& b = sim->broker();
  // B: 72,000 units on H100 by 7200, then 28,000 at 9/s from 7201: ceil(3,111.1) = 3,112 s.
  EXPECT_EQ(SpanOf(*sim, b_), (Span{0, 7201 + 3'112}));
  EXPECT_EQ(b.outcome(b_).pool, a100_);
  // A: 7,200 units on A100 by 7201 (saved at its checkpoint), then 12,800 at 2/s: 6,400 s.
  EXPECT_EQ(SpanOf(*sim, a_), (Span{1, 7201 + 6'400}));
  EXPECT_EQ(b.outcome(a_).pool, h100_);
  // Stops at checkpoints lose nothing.
  EXPECT_EQ(b.outcome(a_).lost_accelerator_seconds, 0);
  EXPECT_EQ(b.outcome(b_).lost_accelerator_seconds, 0);
  EXPECT_EQ(b.outcome(a_).interruptions, 1);
  EXPECT_EQ(b.outcome(b_).interruptions, 1);
  const auto& gavel = dynamic_cast<const GavelPolicy&>(b.policy());
  EXPECT_GE(gavel.rounds(), 3);
}

TEST_F(GavelTest, MaxMinGivesEachJobTheTypeThatSuitsIt) {
  // Max-min fairness on normalised throughput also wants A mostly on the H100 (its 1/2 on A100
  // would be the minimum), with the same swap.
  auto sim = c_.Run("gavel-maxmin");
  EXPECT_EQ(sim->broker().outcome(a_).pool, h100_);
  EXPECT_EQ(SpanOf(*sim, a_), (Span{1, 7201 + 6'400}));
}

// Gavel's rounds share a type in time: two equal jobs on one H100 (300 s each, checkpointing at
// each preemption) get half of it each, and 100-second rounds alternate them by the share each
// has had so far (the current run included): A runs 0-100, B 100-200, A 200-300 (A has had 1/2,
// B 1/2: the lower id first), B 300-400, A 400-500 (done), then B alone 500-600.
TEST(GavelRoundsTest, EqualJobsTakeTurnsRoundByRound) {
  SchedCase c;
  c.AddPool(c.h100(), 1);
  const TenantId t = c.AddTenant("t");
  const JobId a = c.AddJob(t, 0, 1, 300);
  const JobId b = c.AddJob(t, 0, 1, 300);
  for (Job& job : c.scenario().jobs) job.checkpoint_at_preemption = true;
  c.scenario().policy_settings.round = 100;
  auto sim = c.Run("gavel-maxmin");
  EXPECT_EQ(SpanOf(*sim, a), (Span{0, 500}));
  EXPECT_EQ(SpanOf(*sim, b), (Span{100, 600}));
  EXPECT_EQ(sim->broker().outcome(a).interruptions, 2);
  EXPECT_EQ(sim->broker().outcome(b).interruptions, 2);
  EXPECT_EQ(sim->broker().outcome(a).lost_accelerator_seconds, 0);
  // Jobs that cannot be moved (no checkpoints) run to their end once started.
  for (Job& job : c.scenario().jobs) job.checkpoint_at_preemption = false;
  sim = c.Run("gavel-maxmin");
  EXPECT_EQ(SpanOf(*sim, a), (Span{0, 300}));
  EXPECT_EQ(SpanOf(*sim, b), (Span{300, 600}));
}

}  // namespace
}  // namespace arbiter
