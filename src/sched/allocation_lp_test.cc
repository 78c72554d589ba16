// The allocation programs on cases small enough to solve by hand.
#include "sched/allocation_lp.h"

#include "gtest/gtest.h"

namespace arbiter {
namespace {

// Two types of one accelerator each: H100 (type 0) and A100 (type 1).
AllocationJob Job(Work work, Rate h100, Rate a100, Duration deadline_in = 0) {
  AllocationJob job;
  job.work = work;
  job.rates = {h100, a100};
  job.prices = {4'000'000, 1'000'000};  // $4 and $1 per accelerator-hour
  job.deadline_in = deadline_in;
  return job;
}

TEST(AllocationLp, MaxMinGivesEachTypeToTheJobItSuitsBest) {
  // A runs twice as fast on H100, B the same on both. Each job can have at most a full share:
  // A on H100 and B on A100 gives both their full speed (min 1); the swap would give A half.
  AllocationProblem p;
  p.capacity = {1, 1};
  p.jobs = {Job(100, 2, 1), Job(100, 1, 1)};
  absl::StatusOr<Allocation> a = SolveAllocation(p);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_NEAR(a->objective, 1.0, 1e-6);
  EXPECT_NEAR(a->x[0][0], 1.0, 1e-6);
  EXPECT_NEAR(a->x[0][1], 0.0, 1e-6);
  EXPECT_NEAR(a->x[1][0], 0.0, 1e-6);
  EXPECT_NEAR(a->x[1][1], 1.0, 1e-6);
}

TEST(AllocationLp, MaxMinSharesTimeByWeight) {
  // Three identical jobs on one H100; weights 2, 1, 1: shares 1/2, 1/4, 1/4 (each job's
  // normalised throughput over its weight is 1/4).
  AllocationProblem p;
  p.capacity = {1, 0};
  p.jobs = {Job(100, 1, 0), Job(100, 1, 0), Job(100, 1, 0)};
  p.jobs[0].weight = 2;
  absl::StatusOr<Allocation> a = SolveAllocation(p);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_NEAR(a->objective, 0.25, 1e-6);
  EXPECT_NEAR(a->x[0][0], 0.5, 1e-6);
  EXPECT_NEAR(a->x[1][0], 0.25, 1e-6);
  EXPECT_NEAR(a->x[2][0], 0.25, 1e-6);
}

TEST(AllocationLp, MaxMinNormalisesByTheEqualShareOrByTheFastestType) {
  // A runs 3 times as fast on the older A100 as on the H100 (as Gavel's recommendation models
  // are faster on a P100 than on a V100); B and C are as fast on both. One accelerator of each.
  // A belongs on the A100: B and C get the H100 and what A leaves of the A100, each z, so
  // 2z = 2 - a for A's share a of the A100, and A's normalised throughput 3a / base equals z:
  // z = 2 / (2 + base / 3).
  AllocationProblem p;
  p.capacity = {1, 1};
  p.jobs = {Job(100, 1, 3), Job(100, 1, 1), Job(100, 1, 1)};
  // Gavel's: A's base is its rate on an equal share of both types, (1 + 3) / 2 = 2, so z = 3/4
  // and A needs only a = 1/2 of the A100.
  absl::StatusOr<Allocation> a = SolveAllocation(p);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_NEAR(a->objective, 0.75, 1e-6);
  EXPECT_NEAR(a->x[0][0], 0.0, 1e-6);
  EXPECT_NEAR(a->x[0][1], 0.5, 1e-6);
  EXPECT_NEAR(a->x[1][0] + a->x[1][1], 0.75, 1e-6);
  // B and C are alike: solved as one kind of job, they get the same shares.
  EXPECT_EQ(a->x[1], a->x[2]);
  // By its fastest type (rate 3), A needs a = 2/3 of the A100 to reach z = 2/3.
  p.baseline = MaxMinBaseline::kFastestType;
  a = SolveAllocation(p);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_NEAR(a->objective, 2.0 / 3, 1e-6);
  EXPECT_NEAR(a->x[0][0], 0.0, 1e-6);
  EXPECT_NEAR(a->x[0][1], 2.0 / 3, 1e-6);
  EXPECT_NEAR(a->x[1][0] + a->x[1][1], 2.0 / 3, 1e-6);
  EXPECT_NEAR(a->x[2][0] + a->x[2][1], 2.0 / 3, 1e-6);
}

TEST(AllocationLp, AgnosticMaxMinSpreadsEachJobOverTheTypes) {
  // Heterogeneity-agnostic: A is twice as fast on H100, B twice as fast on A100, but the program
  // sees every rate as 1. One accelerator of each type, so each job gets a full share, and
  // spread by capacity that is half of each type: A's throughput is 0.5 x 2 + 0.5 x 1 = 1.5,
  // where the heterogeneity-aware program gives it the H100 alone (2).
  AllocationProblem p;
  p.capacity = {1, 1};
  p.jobs = {Job(100, 1, 1), Job(100, 1, 1)};
  p.spread = true;
  absl::StatusOr<Allocation> a = SolveAllocation(p);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_NEAR(a->objective, 1.0, 1e-6);
  for (int j = 0; j < 2; ++j) {
    EXPECT_NEAR(a->x[j][0], 0.5, 1e-6) << j;
    EXPECT_NEAR(a->x[j][1], 0.5, 1e-6) << j;
  }
  AllocationProblem aware = p;
  aware.spread = false;
  aware.jobs = {Job(100, 2, 1), Job(100, 1, 2)};
  a = SolveAllocation(aware);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_NEAR(a->x[0][0], 1.0, 1e-6);
  EXPECT_NEAR(a->x[1][1], 1.0, 1e-6);
  // Where spreading would overfill a type, the solver's allocation stays: B runs only on the
  // H100, so A must keep to the A100.
  p.jobs[1].rates = {1, 0};
  a = SolveAllocation(p);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_NEAR(a->x[0][1], 1.0, 1e-6);
  EXPECT_NEAR(a->x[1][0], 1.0, 1e-6);
}

TEST(AllocationLp, MinMakespan) {
  // A: 100 units at 2/s on H100, 1/s on A100; B: 100 units at 1/s on both. B can run at most at
  // 1/s (one full share), so the makespan is 100 s; A then needs 1/s: half the H100.
  AllocationProblem p;
  p.objective = AllocationObjective::kMinMakespan;
  p.capacity = {1, 1};
  p.jobs = {Job(100, 2, 1), Job(100, 1, 1)};
  absl::StatusOr<Allocation> a = SolveAllocation(p);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_NEAR(a->makespan, 100.0, 1e-4);
  EXPECT_NEAR(a->x[1][0] + a->x[1][1], 1.0, 1e-6);
  EXPECT_GE(2 * a->x[0][0] + a->x[0][1], 1.0 - 1e-6);
}

TEST(AllocationLp, MinCostMeetsDeadlinesOnTheExpensiveType) {
  // Both jobs cost $100 of work on A100 and $200 on H100 (4 x 50 s), so each H100 share counts
  // half. B must finish 100 units within 60 s: h/50 + a/100 >= 1/60 with h + a <= 1, so at
  // least 2/3 of the H100. The best total is 1.5: A100 fully used at weight 1, H100 at 1/2.
  AllocationProblem p;
  p.objective = AllocationObjective::kMinCost;
  p.capacity = {1, 1};
  p.jobs = {Job(100, 2, 1), Job(100, 2, 1, 60)};
  absl::StatusOr<Allocation> a = SolveAllocation(p);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_NEAR(a->objective, 1.5, 1e-6);
  EXPECT_EQ(a->deadline_slack_jobs, 0);
  EXPECT_GE(a->x[1][0] / 50 + a->x[1][1] / 100, 1.0 / 60 - 1e-9);
  // Without the deadline, B would rather run on A100 too: only one of them can have it.
  p.jobs[1].deadline_in = 0;
  a = SolveAllocation(p);
  ASSERT_TRUE(a.ok());
  EXPECT_NEAR(a->x[0][1] + a->x[1][1], 1.0, 1e-6);
  // A deadline nobody can meet (100 units in 40 s at 2/s at most) is missed, not infeasible.
  p.jobs[1].deadline_in = 40;
  a = SolveAllocation(p);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->deadline_slack_jobs, 1);
  EXPECT_NEAR(a->x[1][0], 1.0, 1e-6);
}

TEST(AllocationLp, PartitionsLargeProgramsAsPop) {
  // Six jobs on two H100 with weights 2, 1, 1, 2, 1, 1 (their A100 rates differ, so that they
  // are not solved as kinds of job, but there is no A100): the whole program gives each job a
  // share proportional to its weight, x = 1/2, 1/4, 1/4, 1/2, 1/4, 1/4 (normalised throughput
  // over weight 1/4 each). With at most 3 jobs per program, jobs {0, 2, 4} and {1, 3, 5} are
  // solved apart on one H100 each: weights 2, 1, 1 and 1, 2, 1, so the same shares, job by job.
  AllocationProblem p;
  p.capacity = {2, 0};
  for (int i = 0; i < 6; ++i) p.jobs.push_back(Job(100, 1, i + 1));
  p.jobs[0].weight = 2;
  p.jobs[3].weight = 2;
  p.max_jobs_per_program = 3;
  absl::StatusOr<Allocation> a = SolveAllocation(p);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->partitions, 2);
  EXPECT_NEAR(a->objective, 0.25, 1e-6);
  const double want[] = {0.5, 0.25, 0.25, 0.5, 0.25, 0.25};
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(a->x[i][0], want[i], 1e-6) << "job " << i;

  // A gang larger than a partition's share of a type keeps the type: each partition gets at
  // least its largest gang. Job 1 (gang 2) would fit nowhere on a share of 1; partition {1, 3, 5}
  // gets 2 H100. Max-min there (weights 1, 2, 1): 2 x1 = z, x3 / 2 = z, x5 = z and
  // 2 x1 + x3 + x5 = 4z <= 2, so z = 1/2: x = 1/4, 1, 1/2.
  p.jobs[1].gang = 2;
  a = SolveAllocation(p);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_NEAR(a->x[1][0], 0.25, 1e-6);
  EXPECT_NEAR(a->x[3][0], 1.0, 1e-6);
  EXPECT_NEAR(a->x[5][0], 0.5, 1e-6);
  p.max_jobs_per_program = 0;  // the whole program has no such limit
  EXPECT_EQ(SolveAllocation(p)->partitions, 1);
  // Six identical jobs are one kind of job: one program however small the limit, and the same
  // shares as the whole program's (the 2 H100 in six equal parts).
  for (AllocationJob& job : p.jobs) job = Job(100, 1, 0);
  p.max_jobs_per_program = 3;
  a = SolveAllocation(p);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->partitions, 1);
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(a->x[i][0], 1.0 / 3, 1e-6) << "job " << i;
}

TEST(AllocationLp, AMemoRemembersTheProgramByItsKindsOfJob) {
  AllocationProblem p;
  p.capacity = {1, 1};
  p.jobs = {Job(100, 1, 3), Job(100, 1, 1), Job(100, 1, 1)};
  AllocationMemo memo;
  absl::StatusOr<Allocation> first = SolveAllocation(p, &memo);
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_FALSE(first->remembered);
  // The same kinds and counts, in another order and with other remaining work (which max-min
  // does not depend on): remembered, and each job's shares are its kind's.
  AllocationProblem q = p;
  q.jobs = {Job(50, 1, 1), Job(70, 1, 3), Job(100, 1, 1)};
  absl::StatusOr<Allocation> again = SolveAllocation(q, &memo);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->remembered);
  EXPECT_EQ(again->x[1], first->x[0]);
  EXPECT_EQ(again->x[0], first->x[1]);
  EXPECT_EQ(again->x[2], first->x[2]);
  // One more job of a kind: a program of its own.
  q.jobs.push_back(Job(100, 1, 1));
  absl::StatusOr<Allocation> other = SolveAllocation(q, &memo);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->remembered);
  EXPECT_NEAR(other->x[3][0] + other->x[3][1], other->objective, 1e-6);
}

TEST(AllocationLp, RejectsInconsistentProblems) {
  AllocationProblem p;
  EXPECT_FALSE(SolveAllocation(p).ok());
  p.capacity = {1, 1};
  p.jobs = {Job(100, 0, 0)};
  EXPECT_EQ(SolveAllocation(p).status().message(),
            "allocation: job 0 fits on no type with capacity");
}

}  // namespace
}  // namespace arbiter
