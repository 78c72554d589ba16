// Strict FIFO (sched/fifo_strict.h) on a hand-computed case: a job that does not fit blocks the
// smaller ones behind it, where fifo lets them pass.
//
// One pool of 4 H100. j0: t=0, 2 accelerators, 100 s; j1: t=10, 4 accelerators, 50 s; j2: t=20,
// 1 accelerator, 30 s.
#include "sched/fifo_strict.h"

#include "gtest/gtest.h"
#include "sched_case.h"

namespace arbiter {
namespace {

using testing::SchedCase;
using testing::Span;
using testing::SpanOf;

class StrictFifoTest : public ::testing::Test {
 protected:
  StrictFifoTest() {
    c_.AddPool(c_.h100(), 4);
    const TenantId t = c_.AddTenant("t");
    c_.AddJob(t, 0, 2, 100);
    c_.AddJob(t, 10, 4, 50);
    c_.AddJob(t, 20, 1, 30);
  }
  SchedCase c_;
};

TEST_F(StrictFifoTest, TheHeadBlocksTheJobsBehindIt) {
  // j1 needs all 4 and waits for j0 (until 100); j2 would fit beside j0 but waits behind j1,
  // and starts when j1 ends.
  auto sim = c_.Run("fifo-strict");
  EXPECT_EQ(SpanOf(*sim, JobId(0)), (Span{0, 100}));
  EXPECT_EQ(SpanOf(*sim, JobId(1)), (Span{100, 150}));
  EXPECT_EQ(SpanOf(*sim, JobId(2)), (Span{150, 180}));
}

TEST_F(StrictFifoTest, FifoLetsTheSmallJobPass) {
  auto sim = c_.Run("fifo");
  EXPECT_EQ(SpanOf(*sim, JobId(0)), (Span{0, 100}));
  EXPECT_EQ(SpanOf(*sim, JobId(2)), (Span{20, 50}));
  EXPECT_EQ(SpanOf(*sim, JobId(1)), (Span{100, 150}));
}

TEST_F(StrictFifoTest, PriorityComesBeforeArrival) {
  // j2 with a higher priority is the head from its arrival: it starts at once beside j0, and j1
  // still waits for j0.
  c_.scenario().jobs[2].priority = 1;
  auto sim = c_.Run("fifo-strict");
  EXPECT_EQ(SpanOf(*sim, JobId(2)), (Span{20, 50}));
  EXPECT_EQ(SpanOf(*sim, JobId(1)), (Span{100, 150}));
}

}  // namespace
}  // namespace arbiter
