#include "core/recovery.h"

#include <memory>
#include <string>
#include <vector>

#include "core/broker.h"
#include "gtest/gtest.h"
#include "model/testing.h"
#include "sched/registry.h"

namespace arbiter {
namespace {

using testing::AddTestPool;
using testing::TestJob;

// Provider "a": pool A (r1, $3.60/h on demand, $1.80/h spot), pool S (r1, spot only, $1.00/h),
// pool A2 (r2, $5.40/h); provider "b": pool B (r3, $3.60/h). The tenant "lab" has on-demand and
// spot contracts with a and an on-demand contract with b; "spotty" has only a spot contract
// with a. HoldPpm is set per pool by the test.
class FakeView final : public ClusterView {
 public:
  FakeView() {
    const AcceleratorTypeId h100 = fleet_.AddAcceleratorType("H100");
    const ProviderId a = fleet_.AddProvider("a");
    const ProviderId b = fleet_.AddProvider("b");
    const RegionId r1 = fleet_.AddRegion(a, "r1");
    const RegionId r2 = fleet_.AddRegion(a, "r2");
    const RegionId r3 = fleet_.AddRegion(b, "r3");
    pool_a = AddTestPool(fleet_, r1, h100, 1, 4, 3'600'000, 0, 1'800'000);
    pool_s = AddTestPool(fleet_, r1, h100, 1, 4, std::nullopt, 0, 1'000'000);
    pool_a2 = AddTestPool(fleet_, r2, h100, 1, 4, 5'400'000);
    pool_b = AddTestPool(fleet_, r3, h100, 1, 4, 3'600'000);
    lab = fleet_.AddTenant({"lab", 1, std::nullopt});
    spotty = fleet_.AddTenant({"spotty", 1, std::nullopt});
    fleet_.AddContract({lab, a, OnDemandTerms{}});
    fleet_.AddContract({lab, a, SpotTerms{}});
    fleet_.AddContract({lab, b, OnDemandTerms{}});
    fleet_.AddContract({spotty, a, SpotTerms{}});
    jobs_.push_back(TestJob("j0", lab, 0, 4, 3600, {{h100, 1}}));
    jobs_.push_back(TestJob("j1", spotty, 0, 4, 3600, {{h100, 1}}));
    hold_.assign(fleet_.pools.size(), kPpmOne);
  }

  Time now() const override { return 0; }
  const Fleet& fleet() const override { return fleet_; }
  int64_t FreeAccelerators(PoolId) const override { return 4; }
  const Job& job(JobId job) const override { return jobs_[job.index()]; }
  Work RemainingWork(JobId job) const override { return jobs_[job.index()].work; }
  std::optional<Micros> PriceFor(TenantId tenant, PoolId pool) const override {
    const std::optional<Access> access = AccessFromContracts(fleet_, tenant, pool);
    if (!access) return std::nullopt;
    return access->price_per_accel_hour;
  }
  std::optional<Micros> PurchasePrice(TenantId tenant, PoolId pool, Purchase how) const override {
    if (how == Purchase::kSpot) return SpotPriceFromContracts(fleet_, tenant, pool);
    const std::optional<Access> access = AccessFromContracts(fleet_, tenant, pool);
    if (!access || (how == Purchase::kOnDemand && access->kind == ChargeKind::kSpot)) {
      return std::nullopt;
    }
    return access->price_per_accel_hour;
  }
  std::span<const JobId> RunningOn(PoolId) const override { return {}; }
  Time RunStart(JobId) const override { return 0; }
  Work WorkAtRisk(JobId) const override { return 0; }
  Ppm HoldPpm(PoolId pool) const override { return hold_[pool.index()]; }

  PoolId pool_a, pool_s, pool_a2, pool_b;
  TenantId lab, spotty;
  std::vector<Ppm> hold_;

 private:
  Fleet fleet_;
  std::vector<Job> jobs_;
};

std::unique_ptr<RecoveryPolicy> Make(const std::string& name) {
  absl::StatusOr<std::unique_ptr<RecoveryPolicy>> policy = MakeRecoveryPolicy(name);
  EXPECT_TRUE(policy.ok()) << policy.status().message();
  return policy.ok() ? *std::move(policy) : nullptr;
}

std::vector<std::pair<PoolId, Purchase>> Candidates(const RecoveryPlan& plan) {
  std::vector<std::pair<PoolId, Purchase>> out;
  for (const RecoveryCandidate& c : plan.candidates) out.push_back({c.pool, c.how});
  return out;
}

TEST(RecoveryPolicies, RegistryNamesThemAndRejectsUnknownNames) {
  std::vector<std::string> names;
  for (const RecoveryInfo& info : ListRecoveryPolicies()) names.push_back(info.name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"any-pool", "on-demand", "other-provider", "same-pool"}));
  absl::StatusOr<std::unique_ptr<RecoveryPolicy>> bad = MakeRecoveryPolicy("nearest");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "unknown recovery policy 'nearest'; expected one of any-pool, on-demand, "
            "other-provider, same-pool");
}

TEST(RecoveryPolicies, AnyPoolLeavesTheJobToTheSchedulingPolicy) {
  FakeView view;
  const RecoveryPlan plan = Make("any-pool")->Plan({JobId(0), view.pool_a, ProviderId(0)}, view);
  EXPECT_TRUE(plan.to_policy);
  EXPECT_TRUE(plan.candidates.empty());
}

TEST(RecoveryPolicies, SamePoolWaitsForItsPoolBoughtTheSameWay) {
  FakeView view;
  const auto policy = Make("same-pool");
  RecoveryPlan plan = policy->Plan({JobId(0), view.pool_a, ProviderId(0), false}, view);
  EXPECT_FALSE(plan.to_policy);
  EXPECT_EQ(Candidates(plan),
            (std::vector<std::pair<PoolId, Purchase>>{{view.pool_a, Purchase::kDefault}}));
  // A spot run on A (bought as spot by a deadline policy) is bought as spot again.
  plan = policy->Plan({JobId(0), view.pool_a, ProviderId(0), true}, view);
  EXPECT_EQ(Candidates(plan),
            (std::vector<std::pair<PoolId, Purchase>>{{view.pool_a, Purchase::kSpot}}));
}

TEST(RecoveryPolicies, OtherProviderAvoidsTheProviderThatKilledTheJob) {
  FakeView view;
  const auto policy = Make("other-provider");
  // Killed on a's pool A: only b's pool B is left.
  RecoveryPlan plan = policy->Plan({JobId(0), view.pool_a, ProviderId(0)}, view);
  EXPECT_FALSE(plan.to_policy);
  EXPECT_EQ(Candidates(plan),
            (std::vector<std::pair<PoolId, Purchase>>{{view.pool_b, Purchase::kDefault}}));
  // Killed on b: a's pools by the cost of the remaining hour on 4 accelerators: S $4.00 (its
  // spot price), A $14.40, A2 $21.60.
  plan = policy->Plan({JobId(0), view.pool_b, ProviderId(1)}, view);
  EXPECT_EQ(Candidates(plan),
            (std::vector<std::pair<PoolId, Purchase>>{{view.pool_s, Purchase::kDefault},
                                                      {view.pool_a, Purchase::kDefault},
                                                      {view.pool_a2, Purchase::kDefault}}));
  // The only provider of "spotty" is a: nothing else to go to, so the scheduling policy decides.
  plan = policy->Plan({JobId(1), view.pool_s, ProviderId(0), true}, view);
  EXPECT_TRUE(plan.to_policy);
}

TEST(RecoveryPolicies, OnDemandFallsBackFromSpotAndRanksEqualCostsByHold) {
  FakeView view;
  const auto policy = Make("on-demand");
  // S sells only spot: dropped. A and B cost the same ($14.40); A2 costs more.
  RecoveryPlan plan = policy->Plan({JobId(0), view.pool_s, ProviderId(0), true}, view);
  EXPECT_FALSE(plan.to_policy);
  EXPECT_EQ(Candidates(plan),
            (std::vector<std::pair<PoolId, Purchase>>{{view.pool_a, Purchase::kOnDemand},
                                                      {view.pool_b, Purchase::kOnDemand},
                                                      {view.pool_a2, Purchase::kOnDemand}}));
  // A learned to hold less often than B: B goes first among the equal costs.
  view.hold_[view.pool_a.index()] = 400'000;
  view.hold_[view.pool_b.index()] = 750'000;
  plan = policy->Plan({JobId(0), view.pool_s, ProviderId(0), true}, view);
  EXPECT_EQ(Candidates(plan),
            (std::vector<std::pair<PoolId, Purchase>>{{view.pool_b, Purchase::kOnDemand},
                                                      {view.pool_a, Purchase::kOnDemand},
                                                      {view.pool_a2, Purchase::kOnDemand}}));
  // "spotty" can buy nothing on demand: the scheduling policy decides.
  EXPECT_TRUE(policy->Plan({JobId(1), view.pool_s, ProviderId(0), true}, view).to_policy);
}

// --- The core's side: recovery placement, back-off and learning -------------------------------

// One provider "p" with pools A and B of 1 node x 4 H100 at $3.60/h; the tenant is p's first
// party, so placements start at once. Jobs: 4 accelerators, 200 s of work at rate 1.
class CoreRecoveryTest : public ::testing::Test {
 protected:
  CoreRecoveryTest() {
    h100_ = fleet_.AddAcceleratorType("H100");
    const ProviderId p = fleet_.AddProvider("p");
    const RegionId r = fleet_.AddRegion(p, "r");
    pool_a_ = AddTestPool(fleet_, r, h100_, 1, 4, 3'600'000);
    pool_b_ = AddTestPool(fleet_, r, h100_, 1, 4, 3'600'000);
    lab_ = fleet_.AddTenant({"lab", 1, p});
  }

  void Make(const std::string& recovery, RecoveryOptions options = {},
            const std::string& policy = "fifo") {
    BrokerOptions broker_options;
    broker_options.recovery = std::move(options);
    broker_ = std::make_unique<Broker>(fleet_, *MakePolicy(policy, {}), broker_options,
                                       *MakeRecoveryPolicy(recovery));
  }

  Job LabJob(std::string name, Time submit) {
    return TestJob(std::move(name), lab_, submit, 4, 200, {{h100_, 1}});
  }

  std::vector<Command> Handle(Time now, Event event) {
    std::vector<Command> out;
    const absl::Status s = broker_->Handle(now, std::move(event), out);
    EXPECT_TRUE(s.ok()) << s.message();
    return out;
  }

  static std::vector<StartJob> Starts(const std::vector<Command>& out) {
    std::vector<StartJob> starts;
    for (const Command& c : out) {
      if (const auto* s = std::get_if<StartJob>(&c)) starts.push_back(*s);
    }
    return starts;
  }

  Fleet fleet_;
  AcceleratorTypeId h100_;
  PoolId pool_a_, pool_b_;
  TenantId lab_;
  std::unique_ptr<Broker> broker_;
};

TEST_F(CoreRecoveryTest, SamePoolWaitsForItsPoolWhereAnyPoolMovesOn) {
  for (const std::string recovery : {"same-pool", "any-pool"}) {
    SCOPED_TRACE(recovery);
    Make(recovery);
    Handle(0, JobSubmitted{JobId(0), LabJob("j0", 0)});
    ASSERT_EQ(broker_->outcome(JobId(0)).pool, pool_a_);
    // A's node is taken back at t=50, and the job with it.
    Handle(50, CapacityChanged{pool_a_, 0});
    std::vector<StartJob> starts = Starts(Handle(50, JobKilled{JobId(0), "revoked", false, true}));
    if (recovery == "any-pool") {
      ASSERT_EQ(starts.size(), 1u);
      EXPECT_EQ(starts[0].pool, pool_b_);
      continue;
    }
    EXPECT_TRUE(starts.empty());  // B is free, but the job waits for A
    EXPECT_EQ(broker_->recovering().size(), 1u);
    starts = Starts(Handle(120, CapacityChanged{pool_a_, 1}));
    ASSERT_EQ(starts.size(), 1u);
    EXPECT_EQ(starts[0].pool, pool_a_);
    EXPECT_EQ(starts[0].remaining, 200);  // no checkpoint: all the work again
    EXPECT_TRUE(broker_->recovering().empty());
    // Back to normal: its finish releases A to the scheduling policy's jobs.
    Handle(130, JobSubmitted{JobId(1), LabJob("j1", 130)});
    EXPECT_EQ(broker_->outcome(JobId(1)).pool, pool_b_);
    Handle(320, JobFinished{JobId(0)});
    EXPECT_EQ(broker_->outcome(JobId(0)).state, JobState::kFinished);
    EXPECT_EQ(broker_->outcome(JobId(0)).useful_accelerator_seconds, 4 * 200);
  }
}

TEST_F(CoreRecoveryTest, ARecoveringJobWhoseStartsKeepFailingGoesBackToThePolicy) {
  Make("same-pool");
  Handle(0, JobSubmitted{JobId(0), LabJob("j0", 0)});
  Handle(0, JobSubmitted{JobId(1), LabJob("j1", 0)});
  ASSERT_EQ(broker_->outcome(JobId(1)).pool, pool_b_);
  // j0 dies on A; same-pool starts it on A again at once, but A cannot take it (capacity the
  // core does not see): the start fails, and the retry 60 s later fails too, twice.
  std::vector<StartJob> starts = Starts(Handle(50, JobKilled{JobId(0), "node failed"}));
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].pool, pool_a_);
  const uint64_t retry = (uint64_t{1} << 56) | 0;
  for (Time t : {50, 110, 170}) {
    Handle(t, JobStartFailed{JobId(0), "no room"});
    if (t == 170) break;
    starts = Starts(Handle(t + 60, TimerFired{retry}));
    ASSERT_EQ(starts.size(), 1u) << t;
    EXPECT_EQ(starts[0].pool, pool_a_) << t;
  }
  // j1 ends and j2 takes A. At the third retry j0 is the scheduling policy's again: it starts on
  // B, where same-pool would have waited for A.
  Handle(200, JobFinished{JobId(1)});
  Handle(200, JobSubmitted{JobId(2), LabJob("j2", 200)});
  ASSERT_EQ(broker_->outcome(JobId(2)).pool, pool_a_);
  starts = Starts(Handle(230, TimerFired{retry}));
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].job, JobId(0));
  EXPECT_EQ(starts[0].pool, pool_b_);
  EXPECT_TRUE(broker_->recovering().empty());
}

TEST_F(CoreRecoveryTest, ARunTheRecoveryPolicyPlacedCountsAgainstTheTenantsQuota) {
  // The lab may use 4 H100 at a time (nominal 4, no borrowing); the fleet has 8.
  fleet_.tenants[lab_.index()].quotas = {{h100_, 4, 0}};
  Make("same-pool", {}, "fair");
  Handle(0, JobSubmitted{JobId(0), LabJob("j0", 0)});
  ASSERT_EQ(broker_->outcome(JobId(0)).pool, pool_a_);
  // j0 is killed at 50 and same-pool restarts it on A at once, outside the fair policy's queue.
  ASSERT_EQ(Starts(Handle(50, JobKilled{JobId(0), "node failed"})).size(), 1u);
  EXPECT_EQ(broker_->outcome(JobId(0)).pool, pool_a_);
  // j1 arrives at 60: B is free, but the lab's quota is used by j0's restarted run.
  EXPECT_TRUE(Starts(Handle(60, JobSubmitted{JobId(1), LabJob("j1", 60)})).empty());
  // j0 finishes at 250 (200 s of work again, no checkpoint): its quota goes to j1.
  const std::vector<StartJob> starts = Starts(Handle(250, JobFinished{JobId(0)}));
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].job, JobId(1));
}

TEST_F(CoreRecoveryTest, BackOffDoublesPerFailureUpToTheCapAndAFinishResetsIt) {
  RecoveryOptions options;
  options.backoff = 100;
  options.max_backoff = 300;
  options.learn = true;
  Make("any-pool", options);
  Handle(0, JobSubmitted{JobId(0), LabJob("j0", 0)});
  ASSERT_EQ(broker_->outcome(JobId(0)).pool, pool_a_);
  // The launch on A fails: A is avoided for 100 s; the job retries after 60 s, on B.
  std::vector<Command> out = Handle(0, JobStartFailed{JobId(0), "no room"});
  EXPECT_EQ(broker_->learning(pool_a_).avoid_until, 100);
  bool timer = false;
  for (const Command& c : out) {
    if (const auto* t = std::get_if<SetTimer>(&c); t && t->at == 100) timer = true;
  }
  EXPECT_TRUE(timer) << "a timer for the end of A's back-off";
  std::vector<StartJob> starts = Starts(Handle(60, TimerFired{(uint64_t{1} << 56) | 0}));
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].pool, pool_b_);
  // A second job arrives while A is backed off and B is busy: it waits until A's back-off ends.
  EXPECT_TRUE(Starts(Handle(70, JobSubmitted{JobId(1), LabJob("j1", 70)})).empty());
  starts = Starts(Handle(100, TimerFired{(uint64_t{6} << 56) | 0}));
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].pool, pool_a_);
  // Three more failures of A in a row: 200 s, then 300 s (the cap), then 300 s again.
  Handle(100, JobStartFailed{JobId(1), "no room"});
  EXPECT_EQ(broker_->learning(pool_a_).avoid_until, 300);
  EXPECT_EQ(broker_->learning(pool_a_).streak, 2);
  Handle(260, JobFinished{JobId(0)});  // j0 on B; B's count (0) stays 0
  EXPECT_EQ(broker_->learning(pool_b_).streak, 0);
  Handle(300, TimerFired{(uint64_t{6} << 56) | 0});  // j1 is still waiting for its retry
  Handle(300, TimerFired{(uint64_t{1} << 56) | 1});  // its retry: A again
  ASSERT_EQ(broker_->outcome(JobId(1)).pool, pool_a_);
  Handle(300, JobStartFailed{JobId(1), "no room"});
  EXPECT_EQ(broker_->learning(pool_a_).avoid_until, 600);
  Handle(600, TimerFired{(uint64_t{1} << 56) | 1});
  ASSERT_EQ(broker_->outcome(JobId(1)).state, JobState::kRunning);
  ASSERT_EQ(broker_->outcome(JobId(1)).pool, pool_a_);
  Handle(600, JobStartFailed{JobId(1), "no room"});
  EXPECT_EQ(broker_->learning(pool_a_).avoid_until, 900);
  EXPECT_EQ(broker_->learning(pool_a_).streak, 4);
  // A learned: 4 launches, 4 failures, so (0 + 1) / (4 + 2); B: 1 launch that holds: 2/3.
  EXPECT_EQ(broker_->HoldPpm(pool_a_), 166'666);
  EXPECT_EQ(broker_->HoldPpm(pool_b_), 666'666);
  // A run that finishes on A resets A's count.
  Handle(900, TimerFired{(uint64_t{6} << 56) | 0});
  Handle(900, TimerFired{(uint64_t{1} << 56) | 1});
  ASSERT_EQ(broker_->outcome(JobId(1)).state, JobState::kRunning);
  Handle(1100, JobFinished{JobId(1)});
  EXPECT_EQ(broker_->learning(pool_a_).streak, 0);
}

TEST_F(CoreRecoveryTest, WithoutLearningEveryPoolHoldsAndNoBackOff) {
  Make("any-pool");
  Handle(0, JobSubmitted{JobId(0), LabJob("j0", 0)});
  Handle(0, JobStartFailed{JobId(0), "no room"});
  EXPECT_EQ(broker_->learning(pool_a_).launch_failures, 1);
  EXPECT_EQ(broker_->learning(pool_a_).avoid_until, 0);
  EXPECT_EQ(broker_->HoldPpm(pool_a_), kPpmOne);
}

}  // namespace
}  // namespace arbiter
