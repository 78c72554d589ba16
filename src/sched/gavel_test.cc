// The pool choices of GavelPolicy (sched/gavel.h) on hand-built fleets, driven through a plain
// in-memory view: where a job that arrives between rounds starts, and which pending job a pool
// that frees capacity takes. The policy finds both without scanning every pool and job (ranked
// pools, the round lists' pending sets); the expected pools below are those of the plain rules
// (debug builds also assert each choice against the plain scan).
#include "sched/gavel.h"

#include <optional>
#include <vector>

#include "gtest/gtest.h"
#include "model/testing.h"

namespace arbiter {
namespace {

using testing::AddTestPool;
using testing::TestJob;

// A fleet whose free capacity and prices the test sets; a placement starts at once.
class FakeCluster final : public ClusterView, public Placer {
 public:
  FakeCluster() {
    h100 = fleet_.AddAcceleratorType("H100");
    a100 = fleet_.AddAcceleratorType("A100");
    v100 = fleet_.AddAcceleratorType("V100");
    const ProviderId provider = fleet_.AddProvider("p");
    region_ = fleet_.AddRegion(provider, "r");
    lab = fleet_.AddTenant({"lab", 1, std::nullopt});
    holder = fleet_.AddTenant({"holder", 1, std::nullopt});
  }

  // A pool of `accelerators` (on one node) with `free` of them free, at `price` per
  // accelerator-hour for every tenant; a holding pool is the holder's only.
  PoolId AddPool(AcceleratorTypeId type, int32_t accelerators, int64_t free, Micros price,
                 bool holding = false) {
    const PoolId pool = AddTestPool(fleet_, region_, type, 1, accelerators, price);
    if (holding) fleet_.pools[pool.index()].holding = ContractId(0);
    free_.push_back(free);
    return pool;
  }
  JobId AddJob(Job job) {
    jobs_.push_back(std::move(job));
    pool_of_.emplace_back();
    return JobId::FromIndex(jobs_.size() - 1);
  }

  void set_policy(Policy* policy) { policy_ = policy; }
  void set_now(Time now) { now_ = now; }
  void set_free(PoolId pool, int64_t free) { free_[pool.index()] = free; }
  // The job becomes pending; then a pass with `grown`.
  void Arrive(JobId job, std::vector<PoolId> grown = {}) {
    policy_->OnPending(job, *this);
    policy_->Schedule(*this, grown, *this);
  }
  // The job's run ends; then a pass with its pool grown.
  void Finish(JobId job) {
    const PoolId pool = pool_of_[job.index()];
    free_[pool.index()] += jobs_[job.index()].accelerators;
    policy_->OnReleased(job);
    const PoolId grown[] = {pool};
    policy_->Schedule(*this, grown, *this);
  }
  PoolId pool_of(JobId job) const { return pool_of_[job.index()]; }

  Time now() const override { return now_; }
  const Fleet& fleet() const override { return fleet_; }
  int64_t FreeAccelerators(PoolId pool) const override { return free_[pool.index()]; }
  const Job& job(JobId job) const override { return jobs_[job.index()]; }
  Work RemainingWork(JobId job) const override { return jobs_[job.index()].work; }
  std::optional<Micros> PriceFor(TenantId tenant, PoolId pool) const override {
    const Pool& p = fleet_.pool(pool);
    if (p.holding && tenant != holder) return std::nullopt;
    return p.on_demand_price;
  }
  std::span<const JobId> RunningOn(PoolId /*pool*/) const override { return {}; }
  Time RunStart(JobId /*job*/) const override { return 0; }
  Work WorkAtRisk(JobId /*job*/) const override { return 0; }

  bool Place(JobId job, PoolId pool) override {
    const int32_t gang = jobs_[job.index()].accelerators;
    if (pool_of_[job.index()].valid() || free_[pool.index()] < gang) return false;
    free_[pool.index()] -= gang;
    pool_of_[job.index()] = pool;
    return true;
  }
  bool Preempt(JobId /*job*/, std::string_view /*reason*/) override { return false; }

  AcceleratorTypeId h100, a100, v100;
  TenantId lab, holder;

 private:
  Fleet fleet_;
  RegionId region_;
  std::vector<Job> jobs_;
  std::vector<int64_t> free_;
  std::vector<PoolId> pool_of_;
  Policy* policy_ = nullptr;
  Time now_ = 0;
};

// Starts the first round at time 0 with one V100 job on the V100 pool `pool`, so that jobs that
// arrive later (at time 1) have no share in it and start wherever they fit.
void StartFirstRound(FakeCluster& c, PoolId pool) {
  const JobId first = c.AddJob(TestJob("first", c.lab, 0, 1, 3600, {{c.v100, 1}}));
  c.Arrive(first);
  ASSERT_EQ(c.pool_of(first), pool);
  c.set_now(1);
}

// gavel-maxmin (and gavel-makespan): the fastest pool with room, then the cheaper, then the
// lower id; holding pools before any other.
TEST(GavelChoiceTest, ArrivalTakesTheFastestThenCheapestPoolWithRoom) {
  FakeCluster c;
  c.AddPool(c.h100, 4, 0, 4'000'000);  // p0, full
  const PoolId p1 = c.AddPool(c.h100, 4, 1, 3'000'000);
  const PoolId p2 = c.AddPool(c.h100, 4, 2, 3'000'000);
  const PoolId p3 = c.AddPool(c.h100, 4, 0, 2'000'000);  // full: the cheapest H100 when it has room
  const PoolId p4 = c.AddPool(c.a100, 8, 8, 1'000'000);
  const PoolId p5 = c.AddPool(c.a100, 8, 8, 9'000'000, /*holding=*/true);
  const PoolId v = c.AddPool(c.v100, 1, 1, 1'000'000);
  GavelPolicy policy(GavelPolicy::Objective::kMaxMinFairness);
  c.set_policy(&policy);
  StartFirstRound(c, v);
  // Twice as fast on H100 as on A100.
  const auto job = [&c](TenantId tenant, int32_t gang, Rate a100_rate) {
    return c.AddJob(TestJob("j", tenant, 1, gang, 7200, {{c.h100, 2}, {c.a100, a100_rate}}));
  };
  // H100 by price: p3 ($2, full), p1 and p2 ($3: the lower id first), p0 ($4, full).
  const JobId j1 = job(c.lab, 1, 1);
  c.Arrive(j1);
  EXPECT_EQ(c.pool_of(j1), p1);
  const JobId j2 = job(c.lab, 1, 1);
  c.Arrive(j2);
  EXPECT_EQ(c.pool_of(j2), p2);
  // Two accelerators fit on no H100 pool now (p2 has one left): the A100 the lab may use.
  const JobId j3 = job(c.lab, 2, 1);
  c.Arrive(j3);
  EXPECT_EQ(c.pool_of(j3), p4);
  // Work elsewhere ends on p3: once the pass is told that p3 grew, it is the cheapest H100 again.
  c.set_free(p3, 4);
  const JobId j4 = job(c.lab, 1, 1);
  c.Arrive(j4, {p3});
  EXPECT_EQ(c.pool_of(j4), p3);
  // As fast on A100 as on H100: the cheaper per hour, p4 ($1) before p3 ($2).
  const JobId j5 = c.AddJob(TestJob("j5", c.lab, 1, 1, 7200, {{c.h100, 1}, {c.a100, 1}}));
  c.Arrive(j5);
  EXPECT_EQ(c.pool_of(j5), p4);
  // The holder's work goes to its holding pool first, slower and dearer as it is.
  const JobId j6 = job(c.holder, 1, 1);
  c.Arrive(j6);
  EXPECT_EQ(c.pool_of(j6), p5);
}

// gavel-cost: the cheapest whole run (price x accelerators x runtime, rounded to the
// micro-dollar), then the shorter runtime, then the lower price per hour, then the lower id.
TEST(GavelChoiceTest, ArrivalTakesTheCheapestRunThenFasterThenCheaperPerHour) {
  FakeCluster c;
  // One second on H100 costs 1,000 micro-dollars on both H100 pools (3,600,001 / 3,600 rounds
  // down); two seconds on the A100 cost 1,000 too.
  const PoolId q0 = c.AddPool(c.h100, 1, 1, 3'600'001);
  const PoolId q1 = c.AddPool(c.h100, 1, 1, 3'600'000);
  const PoolId q2 = c.AddPool(c.a100, 1, 1, 1'800'000);
  const PoolId v = c.AddPool(c.v100, 1, 1, 1'000'000);
  GavelPolicy policy(GavelPolicy::Objective::kMinCost);
  c.set_policy(&policy);
  StartFirstRound(c, v);
  const auto job = [&c] {
    return c.AddJob(TestJob("k", c.lab, 1, 1, 2, {{c.h100, 2}, {c.a100, 1}}));
  };
  // Equal costs everywhere: H100 (1 s) before A100 (2 s); on H100 the lower price, q1, though
  // q0 has the lower id.
  const JobId k1 = job();
  c.Arrive(k1);
  EXPECT_EQ(c.pool_of(k1), q1);
  const JobId k2 = job();
  c.Arrive(k2);
  EXPECT_EQ(c.pool_of(k2), q0);
  const JobId k3 = job();
  c.Arrive(k3);
  EXPECT_EQ(c.pool_of(k3), q2);
  // Nothing left: the next waits.
  const JobId k4 = job();
  c.Arrive(k4);
  EXPECT_FALSE(c.pool_of(k4).valid());
}

// Between rounds a pool that frees capacity takes the round's pending jobs of its type, those it
// wants there first, then the others in priority order; jobs that have started since the round
// are passed over.
TEST(GavelChoiceTest, FreedPoolTakesTheRoundsNextPendingJob) {
  FakeCluster c;
  const PoolId r0 = c.AddPool(c.h100, 1, 1, 1'000'000);
  const PoolId r1 = c.AddPool(c.h100, 1, 1, 1'000'000);
  GavelPolicy policy(GavelPolicy::Objective::kMaxMinFairness);
  c.set_policy(&policy);
  std::vector<JobId> jobs;
  for (const char* name : {"a", "b", "d"}) {
    jobs.push_back(c.AddJob(TestJob(name, c.lab, 0, 1, 3600, {{c.h100, 1}})));
    policy.OnPending(jobs.back(), c);
  }
  // The round: three equal jobs, two accelerators, so each gets 2/3 of an H100 and none has run:
  // the round wants two of them there (the LP's last digits decide which) and one waits. The
  // pools fill in id order, each with the first wanted job still pending; the third gets nothing
  // (no pool has room left).
  policy.Schedule(c, {}, c);
  EXPECT_EQ(policy.rounds(), 1);
  JobId on_r0, on_r1, waiting;
  for (JobId job : jobs) {
    EXPECT_NEAR(policy.share(job, c.h100), 2.0 / 3, 1e-6);
    const PoolId pool = c.pool_of(job);
    (pool == r0 ? on_r0 : pool == r1 ? on_r1 : waiting) = job;
  }
  ASSERT_TRUE(on_r0.valid() && on_r1.valid() && waiting.valid());
  // r0's job ends: r0 goes to the one still pending.
  c.set_now(10);
  c.Finish(on_r0);
  EXPECT_EQ(c.pool_of(waiting), r0);
}

// Work conservation between rounds: a job that arrived after the round (so it is in none of the
// round's lists) and found no room takes the pool that frees first, not the next round's.
TEST(GavelChoiceTest, FreedPoolTakesAJobThatArrivedAfterTheRound) {
  for (const GavelPolicy::Objective objective :
       {GavelPolicy::Objective::kMaxMinFairness, GavelPolicy::Objective::kMinCost,
        GavelPolicy::Objective::kFifo}) {
    FakeCluster c;
    const PoolId h = c.AddPool(c.h100, 1, 1, 1'000'000);
    GavelPolicy policy(objective);
    c.set_policy(&policy);
    const JobId j0 = c.AddJob(TestJob("j0", c.lab, 0, 1, 3600, {{c.h100, 1}}));
    c.Arrive(j0);  // the round at 0 gives it the H100
    ASSERT_EQ(c.pool_of(j0), h);
    c.set_now(1);
    const JobId j1 = c.AddJob(TestJob("j1", c.lab, 1, 1, 3600, {{c.h100, 1}}));
    c.Arrive(j1);
    EXPECT_FALSE(c.pool_of(j1).valid());
    c.set_now(100);
    c.Finish(j0);
    EXPECT_EQ(c.pool_of(j1), h) << policy.name();
    EXPECT_EQ(policy.rounds(), 1);
  }
}

// gavel-fifo: in arrival order, each job is given the fastest type with room, and the order stops
// at the first job that fits nowhere (no job passes a waiting older one).
TEST(GavelFifoTest, EachJobInTurnTakesItsFastestTypeWithRoom) {
  FakeCluster c;
  const PoolId h = c.AddPool(c.h100, 1, 1, 4'000'000);
  const PoolId a = c.AddPool(c.a100, 1, 1, 1'000'000);
  GavelPolicy policy(GavelPolicy::Objective::kFifo);
  c.set_policy(&policy);
  std::vector<JobId> jobs;
  for (const char* name : {"j0", "j1", "j2"}) {
    jobs.push_back(c.AddJob(TestJob(name, c.lab, 0, 1, 3600, {{c.h100, 2}, {c.a100, 1}})));
    policy.OnPending(jobs.back(), c);
  }
  policy.Schedule(c, {}, c);
  // j0 gets the H100 (twice as fast), j1 what is left, the A100; j2 nothing.
  EXPECT_EQ(policy.share(jobs[0], c.h100), 1.0);
  EXPECT_EQ(policy.share(jobs[0], c.a100), 0.0);
  EXPECT_EQ(policy.share(jobs[1], c.h100), 0.0);
  EXPECT_EQ(policy.share(jobs[1], c.a100), 1.0);
  EXPECT_EQ(policy.share(jobs[2], c.h100), 0.0);
  EXPECT_EQ(policy.share(jobs[2], c.a100), 0.0);
  EXPECT_EQ(c.pool_of(jobs[0]), h);
  EXPECT_EQ(c.pool_of(jobs[1]), a);
  EXPECT_FALSE(c.pool_of(jobs[2]).valid());
}

// gavel-fifo-agnostic: a type with room at random (the same for the same seed), and a job keeps
// the type it runs on at later rounds, though a faster one has room.
TEST(GavelFifoTest, AgnosticJobsKeepTheTypeTheyWereGiven) {
  std::vector<AcceleratorTypeId> first_types;
  for (uint64_t seed : {0, 1, 2, 3, 4, 5, 6, 7}) {
    FakeCluster c;
    c.AddPool(c.h100, 2, 2, 4'000'000);
    c.AddPool(c.a100, 2, 2, 1'000'000);
    GavelPolicy::Options options;
    options.agnostic = true;
    options.seed = seed;
    GavelPolicy policy(GavelPolicy::Objective::kFifo, options);
    c.set_policy(&policy);
    const JobId j0 = c.AddJob(TestJob("j0", c.lab, 0, 1, 36000, {{c.h100, 2}, {c.a100, 1}}));
    c.Arrive(j0);
    ASSERT_TRUE(c.pool_of(j0).valid());
    const AcceleratorTypeId type = c.fleet().pool(c.pool_of(j0)).type;
    EXPECT_EQ(policy.share(j0, type), 1.0);
    first_types.push_back(type);
    // The next round (an hour later) gives it the same type again.
    c.set_now(3600);
    policy.Schedule(c, {}, c);
    EXPECT_EQ(policy.rounds(), 2);
    EXPECT_EQ(policy.share(j0, type), 1.0) << "seed " << seed;
  }
  // Speed-blind: some seeds put it on the slower A100.
  EXPECT_NE(std::count(first_types.begin(), first_types.end(), first_types.front()),
            static_cast<std::ptrdiff_t>(first_types.size()));
}

}  // namespace
}  // namespace arbiter
