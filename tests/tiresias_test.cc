// Tiresias's discretised 2D-LAS (sched/tiresias.h) on hand-computed cases: demotion when the
// attained service (accelerators x seconds) crosses a queue's threshold, preemption of lower
// queues, and the starvation guard. Every job checkpoints at a preemption.
#include "sched/tiresias.h"

#include "gtest/gtest.h"
#include "sched_case.h"

namespace arbiter {
namespace {

using testing::SchedCase;
using testing::Span;
using testing::SpanOf;

const TiresiasPolicy& Tiresias(const Simulator& sim) {
  return dynamic_cast<const TiresiasPolicy&>(sim.broker().policy());
}

// Adds a job that checkpoints at each preemption.
JobId AddJob(SchedCase& c, TenantId t, Time submit, int32_t accelerators, Duration seconds) {
  const JobId job = c.AddJob(t, submit, accelerators, seconds);
  c.scenario().jobs.back().checkpoint_at_preemption = true;
  return job;
}

// One H100. j0: t=0, 5,000 s; j1: t=4,000, 100 s. With the default threshold (3,600
// accelerator-seconds) j0 moves to the second queue at 3,600, and j1, arriving in the first,
// stops it: j1 runs 4,000-4,100 and j0 its last 1,000 s from 4,100.
TEST(TiresiasTest, AJobDemotedAcrossTheThresholdGivesWayToANewOne) {
  SchedCase c;
  c.AddPool(c.h100(), 1);
  const TenantId t = c.AddTenant("t");
  const JobId j0 = AddJob(c, t, 0, 1, 5000);
  const JobId j1 = AddJob(c, t, 4000, 1, 100);
  auto sim = c.Run("tiresias");
  EXPECT_EQ(SpanOf(*sim, j1), (Span{4000, 4100}));
  EXPECT_EQ(SpanOf(*sim, j0), (Span{0, 5100}));
  EXPECT_EQ(sim->broker().outcome(j0).interruptions, 1);
  EXPECT_EQ(sim->broker().outcome(j0).lost_accelerator_seconds, 0);
  EXPECT_EQ(Tiresias(*sim).queue(j0), 1);
  EXPECT_EQ(Tiresias(*sim).queue(j1), 0);

  // Below a threshold of 5,000 both are in the first queue at 4,000, where no job stops another:
  // j1 waits for j0.
  c.scenario().policy_settings.queue_thresholds = {5000};
  sim = c.Run("tiresias");
  EXPECT_EQ(SpanOf(*sim, j0), (Span{0, 5000}));
  EXPECT_EQ(SpanOf(*sim, j1), (Span{5000, 5100}));
}

// Attained service is two-dimensional: j0 on 2 H100 reaches 3,600 accelerator-seconds at 1,800.
// j1 (one accelerator) arrives at 2,000 in the first queue and stops j0; j0 needs both
// accelerators, so it waits until j1 ends at 2,100, and runs its last 1,000 s to 3,100.
TEST(TiresiasTest, AttainedServiceCountsAccelerators) {
  SchedCase c;
  c.AddPool(c.h100(), 2);
  const TenantId t = c.AddTenant("t");
  const JobId j0 = AddJob(c, t, 0, 2, 3000);
  const JobId j1 = AddJob(c, t, 2000, 1, 100);
  auto sim = c.Run("tiresias");
  EXPECT_EQ(SpanOf(*sim, j1), (Span{2000, 2100}));
  EXPECT_EQ(SpanOf(*sim, j0), (Span{0, 3100}));
}

// One H100. j0: t=0, 10,000 s; j1: t=3,600, 20,000 s. j0 is demoted at 3,600 and j1 stops it.
// Without the guard, j1 (demoted at 7,200) stays ahead of j0 in the second queue, where no job
// stops another: j1 ends at 23,600 and j0 at 30,000. With promote_knob 1 a job that has waited as
// long as it ran goes back to the first queue with its service reset: j0 at 7,200 (ran 3,600,
// waited 3,600), which stops j1 (demoted at the same instant); j1 at 10,800, when j0 is demoted
// again; j0 at 14,400, which then ends its last 2,800 s at 17,200; j1 ends at 30,000.
TEST(TiresiasTest, TheStarvationGuardPromotesAJobThatWaitedAsLongAsItRan) {
  SchedCase c;
  c.AddPool(c.h100(), 1);
  const TenantId t = c.AddTenant("t");
  const JobId j0 = AddJob(c, t, 0, 1, 10000);
  const JobId j1 = AddJob(c, t, 3600, 1, 20000);
  c.scenario().policy_settings.promote_knob = 0;
  auto sim = c.Run("tiresias");
  EXPECT_EQ(SpanOf(*sim, j1), (Span{3600, 23600}));
  EXPECT_EQ(SpanOf(*sim, j0), (Span{0, 30000}));
  EXPECT_EQ(Tiresias(*sim).promotions(), 0);

  c.scenario().policy_settings.promote_knob = kPpmOne;
  sim = c.Run("tiresias");
  EXPECT_EQ(SpanOf(*sim, j0), (Span{0, 17200}));
  EXPECT_EQ(SpanOf(*sim, j1), (Span{3600, 30000}));
  EXPECT_EQ(Tiresias(*sim).promotions(), 3);
  EXPECT_EQ(sim->broker().outcome(j0).interruptions, 2);
  EXPECT_EQ(sim->broker().outcome(j1).interruptions, 2);
}

}  // namespace
}  // namespace arbiter
