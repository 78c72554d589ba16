// Backfill (sched/backfill.h), EASY and conservative, on a hand-computed case against FIFO.
//
// One pool of 4; every job runs at rate 1 (work = seconds):
//   j0: t=0,  2 accelerators, 100 s        j3: t=3,  4 accelerators, 200 s
//   j1: t=1,  3 accelerators,  50 s        j4: t=60, 1 accelerator,  300 s
//   j2: t=2,  2 accelerators,  50 s        j5: t=60, 1 accelerator,  300 s
#include "sched/backfill.h"

#include "gtest/gtest.h"
#include "sched_case.h"

namespace arbiter {
namespace {

using testing::SchedCase;
using testing::Span;
using testing::SpanOf;

class BackfillTest : public ::testing::Test {
 protected:
  BackfillTest() {
    c_.AddPool(c_.h100(), 4);
    const TenantId a = c_.AddTenant("A");
    j_[0] = c_.AddJob(a, 0, 2, 100);
    j_[1] = c_.AddJob(a, 1, 3, 50);
    j_[2] = c_.AddJob(a, 2, 2, 50);
    j_[3] = c_.AddJob(a, 3, 4, 200);
    j_[4] = c_.AddJob(a, 60, 1, 300);
    j_[5] = c_.AddJob(a, 60, 1, 300);
  }

  static const BackfillPolicy& Backfill(const Simulator& sim) {
    return dynamic_cast<const BackfillPolicy&>(sim.broker().policy());
  }

  SchedCase c_;
  JobId j_[6];
};

TEST_F(BackfillTest, FifoLetsSmallJobsStarveTheGang) {
  // j2, then j4 and j5, fit beside j0 and take what j1 waits for: at 100 only 2 are free, and j1
  // starts when j4 and j5 end, at 360.
  auto sim = c_.Run("fifo");
  EXPECT_EQ(SpanOf(*sim, j_[0]), (Span{0, 100}));
  EXPECT_EQ(SpanOf(*sim, j_[2]), (Span{2, 52}));
  EXPECT_EQ(SpanOf(*sim, j_[4]), (Span{60, 360}));
  EXPECT_EQ(SpanOf(*sim, j_[5]), (Span{60, 360}));
  EXPECT_EQ(SpanOf(*sim, j_[1]), (Span{360, 410}));
  EXPECT_EQ(SpanOf(*sim, j_[3]), (Span{410, 610}));
}

TEST_F(BackfillTest, EasyProtectsOnlyTheHead) {
  // j1 is the head: reserved at 100, when j0 frees 2 (with the 2 free, 4 >= 3). j2 (ends at 52)
  // fits before it. At 60 j4 (1 for 300 s) runs across 100 but leaves 2 - 1 + 2 = 3 there for
  // j1: allowed, although it delays j3, which is not protected. j5 would leave 2 < 3: it waits.
  // When j1 starts at 100, j3 becomes the head, reserved at 360 when j4 ends; j5 (it would
  // cross 360) waits for j3, and is reserved, as the head, at 560.
  auto sim = c_.Run("backfill-easy");
  EXPECT_EQ(SpanOf(*sim, j_[2]), (Span{2, 52}));
  EXPECT_EQ(SpanOf(*sim, j_[4]), (Span{60, 360}));
  EXPECT_EQ(SpanOf(*sim, j_[1]), (Span{100, 150}));
  EXPECT_EQ(SpanOf(*sim, j_[3]), (Span{360, 560}));
  EXPECT_EQ(SpanOf(*sim, j_[5]), (Span{560, 860}));
  const BackfillPolicy& p = Backfill(*sim);
  EXPECT_EQ(p.first_reservation(j_[1]), 100);
  EXPECT_EQ(p.first_reservation(j_[3]), 360);
  EXPECT_EQ(p.first_reservation(j_[5]), 560);
  EXPECT_EQ(p.first_reservation(j_[4]), kNever);
}

TEST_F(BackfillTest, ConservativeProtectsEveryReservedJob) {
  // j1 is reserved at 100 and j3 at 150, when j1 ends (before that the pool never has 4 free
  // outside j1's reservation). j4 and j5 would leave less than j3's 4 at 150: both are reserved
  // at 350, when j3 ends, and start then.
  auto sim = c_.Run("backfill-conservative");
  EXPECT_EQ(SpanOf(*sim, j_[2]), (Span{2, 52}));
  EXPECT_EQ(SpanOf(*sim, j_[1]), (Span{100, 150}));
  EXPECT_EQ(SpanOf(*sim, j_[3]), (Span{150, 350}));
  EXPECT_EQ(SpanOf(*sim, j_[4]), (Span{350, 650}));
  EXPECT_EQ(SpanOf(*sim, j_[5]), (Span{350, 650}));
  const BackfillPolicy& p = Backfill(*sim);
  EXPECT_EQ(p.first_reservation(j_[1]), 100);
  EXPECT_EQ(p.first_reservation(j_[3]), 150);
  EXPECT_EQ(p.first_reservation(j_[4]), 350);
  EXPECT_EQ(p.first_reservation(j_[5]), 350);
  EXPECT_EQ(p.first_reservation(j_[2]), kNever);
}

TEST(Backfill, ReservesOnThePoolWhereTheHeadStartsFirst) {
  // P0 of 6 and P1 of 4. x (4, 300 s) takes P0, y (4, 100 s) P1. The head (4) could start on P0
  // at 300 or on P1 at 100: it is reserved on P1. A 2-gang of 250 s then starts at once in P0's
  // gap (no reservation there), although it would cross 100 on P1.
  SchedCase c;
  const PoolId p0 = c.AddPool(c.h100(), 6);
  const PoolId p1 = c.AddPool(c.h100(), 4);
  const TenantId a = c.AddTenant("A");
  const JobId x = c.AddJob(a, 0, 4, 300);
  const JobId y = c.AddJob(a, 0, 4, 100);
  const JobId head = c.AddJob(a, 1, 4, 50);
  const JobId gap = c.AddJob(a, 2, 2, 250);
  auto sim = c.Run("backfill-easy");
  EXPECT_EQ(sim->broker().outcome(x).pool, p0);
  EXPECT_EQ(sim->broker().outcome(y).pool, p1);
  EXPECT_EQ(sim->broker().outcome(gap).pool, p0);
  EXPECT_EQ(SpanOf(*sim, gap), (Span{2, 252}));
  EXPECT_EQ(sim->broker().outcome(head).pool, p1);
  EXPECT_EQ(SpanOf(*sim, head), (Span{100, 150}));
  EXPECT_EQ(dynamic_cast<const BackfillPolicy&>(sim->broker().policy()).first_reservation(head),
            100);
}

}  // namespace
}  // namespace arbiter
