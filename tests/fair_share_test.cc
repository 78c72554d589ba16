// The fair-share policy ("fair", sched/fair_share.h) on hand-computed cases: the order between
// tenants, quotas and borrowing limits, preemption by priority and to reclaim quota, minimal and
// checkpoint-aware victim sets, and no ping-pong. Tenants are the provider's first party, so
// placements start at once; every job runs at rate 1 (its work is its runtime in seconds).
#include "sched/fair_share.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "sched_case.h"

namespace arbiter {
namespace {

using testing::SchedCase;
using testing::Span;
using testing::SpanOf;

const FairSharePolicy& Fair(const Simulator& sim) {
  return dynamic_cast<const FairSharePolicy&>(sim.broker().policy());
}

TEST(FairShare, TheTenantWithTheLowerShareGoesFirst) {
  // One pool of 4; tenants A and B of equal weight, so each has a nominal quota of 2. (Without
  // preemption: with it, b0 would reclaim A's borrowed a0 at once; see ReclaimsLentQuota.)
  SchedCase c;
  c.AddPool(c.h100(), 4);
  const TenantId a = c.AddTenant("A");
  const TenantId b = c.AddTenant("B");
  const JobId a0 = c.AddJob(a, 0, 4, 100);
  const JobId a1 = c.AddJob(a, 1, 2, 50);
  const JobId a2 = c.AddJob(a, 2, 2, 50);
  const JobId b0 = c.AddJob(b, 3, 2, 50);
  // At 100 a0 ends: a1 and b0 are both within quota and both tenants use nothing; a1 was
  // submitted first. Then a2 would borrow (A uses 2 of 2) while b0 is within quota: b0. At 150
  // a1 ends first (started first), and a2 takes its place.
  auto sim = c.Run("fair-no-preempt");
  EXPECT_EQ(SpanOf(*sim, a0), (Span{0, 100}));
  EXPECT_EQ(SpanOf(*sim, a1), (Span{100, 150}));
  EXPECT_EQ(SpanOf(*sim, b0), (Span{100, 150}));
  EXPECT_EQ(SpanOf(*sim, a2), (Span{150, 200}));
  EXPECT_EQ(Fair(*sim).preemptions(), 0);
  // FIFO runs A's jobs first.
  auto fifo = c.Run("fifo");
  EXPECT_EQ(SpanOf(*fifo, a2), (Span{100, 150}));
  EXPECT_EQ(SpanOf(*fifo, b0), (Span{150, 200}));
}

TEST(FairShare, WeightsSetTheDefaultQuotasAndTheShares) {
  // Pool of 8; A has weight 3 and B weight 1: nominal quotas 6 and 2.
  SchedCase c;
  c.AddPool(c.h100(), 8);
  const TenantId a = c.AddTenant("A", 3);
  const TenantId b = c.AddTenant("B", 1);
  const JobId a0 = c.AddJob(a, 0, 8, 100);
  const JobId b0 = c.AddJob(b, 1, 4, 100);
  const JobId a1 = c.AddJob(a, 2, 4, 100);
  // At 100 both borrow-free options: a1 is within A's quota (0 + 4 <= 6), b0 is not (0 + 4 > 2),
  // so a1 goes first although b0 came earlier; then b0 (borrowing) fills the rest.
  auto sim = c.Run("fair");
  EXPECT_EQ(Fair(*sim).nominal(a, c.h100()), 6);
  EXPECT_EQ(Fair(*sim).nominal(b, c.h100()), 2);
  EXPECT_EQ(SpanOf(*sim, a0), (Span{0, 100}));
  EXPECT_EQ(SpanOf(*sim, a1), (Span{100, 200}));
  EXPECT_EQ(SpanOf(*sim, b0), (Span{100, 200}));
}

TEST(FairShare, EqualQuotaStateFallsToTheLowerWeightedShare) {
  // Pool of 4 and a pool of 4 of A100 that nobody uses; A weight 2, B weight 1, explicit quotas
  // of 0, so every job borrows and the weighted dominant share decides.
  SchedCase c;
  c.AddPool(c.h100(), 4);
  const TenantId a = c.AddTenant("A", 2, {{c.h100(), 0}});
  const TenantId b = c.AddTenant("B", 1, {{c.h100(), 0}});
  c.AddJob(a, 0, 2, 100);
  c.AddJob(b, 0, 2, 100);
  const JobId b1 = c.AddJob(b, 1, 2, 100);
  const JobId a1 = c.AddJob(a, 2, 2, 100);
  // At 100 both end (a0 first). After a0: A uses 0, B 2: A's share 0 < B's 2/(4x1): a1. After
  // b0: A uses 2 -> 2/(4x2) = 1/4, B uses 0: b1.
  auto sim = c.Run("fair");
  EXPECT_EQ(SpanOf(*sim, a1), (Span{100, 200}));
  EXPECT_EQ(SpanOf(*sim, b1), (Span{100, 200}));
  // With B's share at 2/4 against A's 2/8 when only one slot frees, A goes first:
  SchedCase d;
  d.AddPool(d.h100(), 4);
  const TenantId da = d.AddTenant("A", 2, {{d.h100(), 0}});
  const TenantId db = d.AddTenant("B", 1, {{d.h100(), 0}});
  d.AddJob(da, 0, 2, 100);
  d.AddJob(db, 0, 2, 300);
  const JobId db1 = d.AddJob(db, 1, 2, 100);
  const JobId da1 = d.AddJob(da, 2, 2, 100);
  auto sim2 = d.Run("fair");
  EXPECT_EQ(SpanOf(*sim2, da1), (Span{100, 200}));
  EXPECT_EQ(SpanOf(*sim2, db1), (Span{200, 300}));
}

TEST(FairShare, BorrowingLimitHoldsJobsBackUntilTheTenantsUseDrops) {
  // Pools of 2 and 4 H100. A may use 4 and borrow nothing. a0 (2) runs on the 2-pool; a1 (4) fits
  // on the idle 4-pool but 2 + 4 > 4: it waits. When a0 ends, the 2-pool it frees cannot hold
  // a1, but A's use dropped, so the idle 4-pool is looked at again.
  SchedCase c;
  const PoolId small = c.AddPool(c.h100(), 2);
  const PoolId large = c.AddPool(c.h100(), 4);
  const TenantId a = c.AddTenant("A", 1, {{c.h100(), 4, 0}});
  const JobId a0 = c.AddJob(a, 0, 2, 100);
  const JobId a1 = c.AddJob(a, 1, 4, 50);
  auto sim = c.Run("fair");
  // a0 prefers... both pools are equally fast and priced: the lower id, the 2-pool.
  EXPECT_EQ(sim->broker().outcome(a0).pool, small);
  EXPECT_EQ(SpanOf(*sim, a0), (Span{0, 100}));
  EXPECT_EQ(sim->broker().outcome(a1).pool, large);
  EXPECT_EQ(SpanOf(*sim, a1), (Span{100, 150}));
  auto fifo = c.Run("fifo");
  EXPECT_EQ(SpanOf(*fifo, a1), (Span{1, 51}));
}

TEST(FairShare, PreemptsByPriorityLosingOnlyWorkSinceTheCheckpoint) {
  // Pool of 4. a0 (4, 100 s, checkpoint every 30 s) runs from 0; a1 (4, 50 s, priority 1)
  // arrives at 40. a0 has 30 s saved and loses 10: it restarts at 90 with 70 s left.
  SchedCase c;
  c.AddPool(c.h100(), 4);
  const TenantId a = c.AddTenant("A");
  const JobId a0 = c.AddJob(a, 0, 4, 100, 0, 30);
  const JobId a1 = c.AddJob(a, 40, 4, 50, 1);
  auto sim = c.Run("fair");
  EXPECT_EQ(SpanOf(*sim, a1), (Span{40, 90}));
  EXPECT_EQ(SpanOf(*sim, a0), (Span{0, 160}));
  EXPECT_EQ(sim->broker().outcome(a0).interruptions, 1);
  EXPECT_EQ(sim->broker().outcome(a0).lost_accelerator_seconds, 4 * 10);
  EXPECT_EQ(Fair(*sim).preemption_log(), (std::vector<std::pair<JobId, JobId>>{{a1, a0}}));
  // Without preemption a1 waits.
  auto calm = c.Run("fair-no-preempt");
  EXPECT_EQ(SpanOf(*calm, a1), (Span{100, 150}));
}

TEST(FairShare, PrefersTheVictimThatLosesLeastWork) {
  // Pool of 4. v1 (2, 100 s, checkpoint every 10 s) and v2 (2, 200 s, no checkpoint) run from 0;
  // h (2, 50 s, priority 1) comes at 25. v1 would lose 5 s x 2, v2 25 s x 2: v1 is stopped, keeps
  // 20 s of work, and resumes when h ends at 75, until 155.
  SchedCase c;
  c.AddPool(c.h100(), 4);
  const TenantId a = c.AddTenant("A");
  const JobId v1 = c.AddJob(a, 0, 2, 100, 0, 10);
  const JobId v2 = c.AddJob(a, 0, 2, 200);
  const JobId h = c.AddJob(a, 25, 2, 50, 1);
  auto sim = c.Run("fair");
  EXPECT_EQ(SpanOf(*sim, h), (Span{25, 75}));
  EXPECT_EQ(SpanOf(*sim, v1), (Span{0, 155}));
  EXPECT_EQ(SpanOf(*sim, v2), (Span{0, 200}));
  EXPECT_EQ(sim->broker().outcome(v1).lost_accelerator_seconds, 2 * 5);
  EXPECT_EQ(sim->broker().outcome(v2).interruptions, 0);
}

TEST(FairShare, VictimSetsAreMinimal) {
  // Pool of 6. x2 (4) runs from 0, x1 (2) from 5; h (4, priority 1) comes at 10. x1 loses least
  // (5 s x 2) and is taken first, but x1 alone frees 2 < 4; with x2 there is 6, and then x1 can be
  // spared: only x2 is stopped.
  SchedCase c;
  c.AddPool(c.h100(), 6);
  const TenantId a = c.AddTenant("A");
  const JobId x2 = c.AddJob(a, 0, 4, 1000);
  const JobId x1 = c.AddJob(a, 5, 2, 1000);
  const JobId h = c.AddJob(a, 10, 4, 100, 1);
  auto sim = c.Run("fair");
  EXPECT_EQ(Fair(*sim).preemption_log(), (std::vector<std::pair<JobId, JobId>>{{h, x2}}));
  EXPECT_EQ(SpanOf(*sim, h), (Span{10, 110}));
  EXPECT_EQ(sim->broker().outcome(x1).interruptions, 0);
  // x2 lost its 10 s and restarts at 110 with all 1000 s to do.
  EXPECT_EQ(SpanOf(*sim, x2), (Span{0, 1110}));
}

TEST(FairShare, ReclaimsLentQuotaFromBorrowersOnly) {
  // Pool of 4; A and B have quotas of 2. B runs b0 (within its quota) and b1 (borrowing A's idle
  // quota). A's a0 (2) comes at 10, within its quota: b1 is reclaimed, b0 is not touched.
  SchedCase c;
  c.AddPool(c.h100(), 4);
  const TenantId a = c.AddTenant("A", 1, {{c.h100(), 2}});
  const TenantId b = c.AddTenant("B", 1, {{c.h100(), 2}});
  const JobId b0 = c.AddJob(b, 0, 2, 100);
  const JobId b1 = c.AddJob(b, 1, 2, 100);
  const JobId a0 = c.AddJob(a, 10, 2, 50);
  auto sim = c.Run("fair");
  EXPECT_EQ(Fair(*sim).preemption_log(), (std::vector<std::pair<JobId, JobId>>{{a0, b1}}));
  EXPECT_EQ(SpanOf(*sim, a0), (Span{10, 60}));
  EXPECT_EQ(SpanOf(*sim, b0), (Span{0, 100}));
  // b1 lost 9 s (no checkpoint) and restarts when a0 ends.
  EXPECT_EQ(SpanOf(*sim, b1), (Span{1, 160}));
  // A job that would itself borrow reclaims nothing: a gang of 4 is beyond A's quota of 2.
  SchedCase d;
  d.AddPool(d.h100(), 4);
  const TenantId da = d.AddTenant("A", 1, {{d.h100(), 2}});
  const TenantId db = d.AddTenant("B", 1, {{d.h100(), 2}});
  d.AddJob(db, 0, 2, 100);
  d.AddJob(db, 1, 2, 100);
  const JobId big = d.AddJob(da, 10, 4, 50);
  auto sim2 = d.Run("fair");
  EXPECT_EQ(Fair(*sim2).preemptions(), 0);
  EXPECT_EQ(SpanOf(*sim2, big), (Span{101, 151}));
}

TEST(FairShare, NeverReclaimsFirstPartyWorkOnItsOwnProvider) {
  // B is the provider's own first party, A buys from it on demand (through the market). B's
  // borrowing job is not a reclaim victim for A.
  SchedCase c;
  c.AddPool(c.h100(), 4);
  const TenantId b = c.AddTenant("B", 1, {{c.h100(), 2}});
  Tenant external{"A", 1, std::nullopt};
  external.quotas = {{c.h100(), 2}};
  const TenantId a = c.fleet().AddTenant(std::move(external));
  c.fleet().AddContract({a, c.provider(), OnDemandTerms{}});
  c.AddJob(b, 0, 2, 100);
  c.AddJob(b, 1, 2, 100);
  const JobId a0 = c.AddJob(a, 10, 2, 50);
  auto sim = c.Run("fair");
  EXPECT_EQ(Fair(*sim).preemptions(), 0);
  EXPECT_EQ(sim->broker().outcome(a0).first_start, 100);
}

TEST(FairShare, NoPingPongBetweenTwoJobs) {
  // Pool of 4; A and B have quotas of 2. b0 (4) borrows while A is idle; a0 (2, within quota)
  // reclaims it at 10. a1 (2) comes at 15 and borrows the 2 left. b1 (2) comes at 20, within B's
  // quota and with no room: it reclaims from A, but only a1 is a victim: a0 was admitted within
  // quota and is never a reclaim victim, so b1 cannot undo a0's preemption. And b0, requeued, is
  // over its quota (0 + 4 > 2): it reclaims nothing. Each victim can never preempt its preemptor.
  SchedCase c;
  c.AddPool(c.h100(), 4);
  const TenantId a = c.AddTenant("A", 1, {{c.h100(), 2}});
  const TenantId b = c.AddTenant("B", 1, {{c.h100(), 2}});
  const JobId b0 = c.AddJob(b, 0, 4, 100);
  const JobId a0 = c.AddJob(a, 10, 2, 100);
  const JobId a1 = c.AddJob(a, 15, 2, 100);
  const JobId b1 = c.AddJob(b, 20, 2, 10);
  auto sim = c.Run("fair");
  const auto& log = Fair(*sim).preemption_log();
  EXPECT_EQ(log, (std::vector<std::pair<JobId, JobId>>{{a0, b0}, {b1, a1}}));
  for (const auto& [j, v] : log) {
    EXPECT_EQ(std::count(log.begin(), log.end(), std::make_pair(v, j)), 0);
  }
  EXPECT_EQ(SpanOf(*sim, a0), (Span{10, 110}));
  EXPECT_EQ(SpanOf(*sim, b1), (Span{20, 30}));
  // a1 lost its 5 s and runs again from 30, when b1 ends; b0 needs all 4, free at 130.
  EXPECT_EQ(SpanOf(*sim, a1), (Span{15, 130}));
  EXPECT_EQ(SpanOf(*sim, b0), (Span{0, 230}));
}

}  // namespace
}  // namespace arbiter
