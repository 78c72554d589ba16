// Preemptive shortest-remaining-time first (sched/srtf.h) on hand-computed cases.
//
// One H100. j0: t=0, 100 s; j1: t=10, 20 s. At 10, j0 has 90 s left and j1 20 s: j1 stops j0 if
// stopping j0 loses no work.
#include "sched/srtf.h"

#include "gtest/gtest.h"
#include "sched_case.h"

namespace arbiter {
namespace {

using testing::SchedCase;
using testing::Span;
using testing::SpanOf;

class SrtfTest : public ::testing::Test {
 protected:
  SrtfTest() {
    c_.AddPool(c_.h100(), 1);
    const TenantId t = c_.AddTenant("t");
    c_.AddJob(t, 0, 1, 100);
    c_.AddJob(t, 10, 1, 20);
  }
  Job& j0() { return c_.scenario().jobs[0]; }
  SchedCase c_;
};

TEST_F(SrtfTest, AShorterArrivalStopsAJobThatCheckpointsAtPreemption) {
  j0().checkpoint_at_preemption = true;
  auto sim = c_.Run("srtf");
  EXPECT_EQ(SpanOf(*sim, JobId(1)), (Span{10, 30}));
  // j0 keeps its 10 s of progress and runs its other 90 s from 30.
  EXPECT_EQ(SpanOf(*sim, JobId(0)), (Span{0, 120}));
  const JobOutcome& o = sim->broker().outcome(JobId(0));
  EXPECT_EQ(o.interruptions, 1);
  EXPECT_EQ(o.lost_accelerator_seconds, 0);
  EXPECT_EQ(dynamic_cast<const SrtfPolicy&>(sim->broker().policy()).preemptions(), 1);
}

TEST_F(SrtfTest, ARestoreTimeDelaysTheResumedJob) {
  j0().checkpoint_at_preemption = true;
  j0().restore = 5;
  auto sim = c_.Run("srtf");
  EXPECT_EQ(SpanOf(*sim, JobId(0)), (Span{0, 125}));
}

TEST_F(SrtfTest, AJobAtAPeriodicCheckpointIsStoppedToo) {
  j0().checkpoint_interval = 10;  // at 10 it has just saved its progress
  auto sim = c_.Run("srtf");
  EXPECT_EQ(SpanOf(*sim, JobId(1)), (Span{10, 30}));
  EXPECT_EQ(SpanOf(*sim, JobId(0)), (Span{0, 120}));
  EXPECT_EQ(sim->broker().outcome(JobId(0)).lost_accelerator_seconds, 0);
}

TEST_F(SrtfTest, AJobThatWouldLoseWorkIsNotStopped) {
  j0().checkpoint_interval = 15;  // 10 s of progress since its last checkpoint
  auto sim = c_.Run("srtf");
  EXPECT_EQ(SpanOf(*sim, JobId(0)), (Span{0, 100}));
  EXPECT_EQ(SpanOf(*sim, JobId(1)), (Span{100, 120}));
}

}  // namespace
}  // namespace arbiter
