#include "core/restarts.h"

#include "gtest/gtest.h"
#include "model/testing.h"

namespace arbiter {
namespace {

using testing::AddTestPool;
using testing::TestJob;

// Two providers with one H100 pool each; egress out of "a" costs $0.10 per GB.
class RestartsTest : public ::testing::Test {
 protected:
  RestartsTest() {
    h100_ = fleet_.AddAcceleratorType("H100");
    const ProviderId a = fleet_.AddProvider("a");
    const ProviderId b = fleet_.AddProvider("b");
    pool_a_ = AddTestPool(fleet_, fleet_.AddRegion(a, "r"), h100_, 1, 8, 3'600'000);
    pool_b_ = AddTestPool(fleet_, fleet_.AddRegion(b, "r"), h100_, 1, 8, 3'600'000);
    lab_ = fleet_.AddTenant({"lab", 1, std::nullopt});
    options_.restart_setup = 30;
    options_.recovery.transfer_bytes_per_second = 1'000'000'000;
    options_.recovery.egress_per_gb = {100'000};
  }

  Fleet fleet_;
  AcceleratorTypeId h100_;
  PoolId pool_a_, pool_b_;
  TenantId lab_;
  BrokerOptions options_;
};

TEST_F(RestartsTest, AMigrationWaitsForItsTransferAndPaysTheEgressOfTheProviderItLeaves) {
  JobTable jobs(fleet_);
  Billing billing(fleet_);
  Restarts restarts(fleet_, options_, nullptr, jobs, billing);
  Job spec = TestJob("j", lab_, 0, 8, 1000, {{h100_, 1}});
  spec.checkpoint_interval = 100;
  spec.checkpoint_bytes = 2'500'000'000;  // 2.5 GB: 3 s to move, $0.25 of egress out of a
  const JobId job = jobs.Add(spec);
  billing.AddJob();
  restarts.AddJob();
  jobs.Admit(job);
  // Nothing saved yet: a first start anywhere restores nothing and moves nothing.
  EXPECT_EQ(restarts.RestoreTime(job, pool_b_), 0);
  restarts.Migrate(job, pool_a_, 0);
  // A run on a ends at t=250 with 200 s checkpointed (work 200), 50 s lost.
  jobs.SetState(job, JobState::kRunning);
  jobs.run(job).rate = 1;
  restarts.Interrupted(job, pool_a_, jobs.Interrupted(job, 250), 3'600'000);
  jobs.SetState(job, JobState::kPending);
  EXPECT_EQ(jobs.run(job).done, 200);
  EXPECT_EQ(jobs.outcome(job).interruptions, 1);
  EXPECT_EQ(jobs.outcome(job).lost_accelerator_seconds, 8 * 50);
  EXPECT_EQ(jobs.outcome(job).lost_cost, 8 * 50 * 1000);
  EXPECT_EQ(restarts.figures(ProviderId(0)).interruptions, 1);
  EXPECT_EQ(restarts.figures(ProviderId(0)).useful_accelerator_seconds, 8 * 200);
  // Restarting on a: restore only. On b: restore plus the transfer, and the egress is charged.
  EXPECT_EQ(restarts.RestoreTime(job, pool_a_), 30);
  EXPECT_EQ(restarts.RestoreTime(job, pool_b_), 33);
  restarts.Migrate(job, pool_b_, 250);
  EXPECT_EQ(jobs.outcome(job).migrations, 1);
  EXPECT_EQ(jobs.outcome(job).egress_cost, 250'000);
  EXPECT_EQ(jobs.outcome(job).cost, 250'000);
  EXPECT_EQ(restarts.figures(ProviderId(0)).migrations_out, 1);
  EXPECT_EQ(billing.ledger().total(), 250'000);
  // The checkpoint is on b now: another start on b moves nothing.
  EXPECT_EQ(restarts.TransferTime(job, pool_b_), 0);
}

TEST_F(RestartsTest, ARecoveringJobGoesBackToTheSchedulingPolicyAfterThreeFailures) {
  JobTable jobs(fleet_);
  Billing billing(fleet_);
  Restarts restarts(fleet_, options_, *MakeRecoveryPolicy("same-pool"), jobs, billing);
  const JobId job = jobs.Add(TestJob("j", lab_, 0, 8, 1000, {{h100_, 1}}));
  restarts.AddJob();
  EXPECT_EQ(restarts.policy_name(), "same-pool");
  // Not pinned: handed straight back.
  EXPECT_FALSE(restarts.Requeue(job, /*failed=*/true));
  EXPECT_FALSE(restarts.TakeJoined());
  // Pinned by hand, as Recovering would after a kill (tested through the broker in
  // recovery_test.cc): two failures keep it, the third gives it up.
  class View : public ClusterView {
   public:
    explicit View(const Fleet& f) : fleet_(f) {}
    Time now() const override { return 0; }
    const Fleet& fleet() const override { return fleet_; }
    int64_t FreeAccelerators(PoolId) const override { return 0; }
    const Job& job(JobId) const override { return job_; }
    Work RemainingWork(JobId) const override { return 1; }
    std::optional<Micros> PriceFor(TenantId, PoolId) const override { return 1; }
    std::span<const JobId> RunningOn(PoolId) const override { return {}; }
    Time RunStart(JobId) const override { return 0; }
    Work WorkAtRisk(JobId) const override { return 0; }

   private:
    const Fleet& fleet_;
    Job job_;
  } view(fleet_);
  ASSERT_TRUE(restarts.Recovering(job, pool_a_, /*spot=*/false, view));
  EXPECT_TRUE(restarts.pinned(job));
  EXPECT_TRUE(restarts.TakeJoined());
  EXPECT_EQ(restarts.TakeRecovering().size(), 1u);
  EXPECT_TRUE(restarts.Requeue(job, /*failed=*/true));
  EXPECT_TRUE(restarts.Requeue(job, /*failed=*/true));
  EXPECT_FALSE(restarts.Requeue(job, /*failed=*/true));
  EXPECT_FALSE(restarts.pinned(job));
  EXPECT_EQ(restarts.recovering().size(), 2u);  // the two kept before it gave up
}

}  // namespace
}  // namespace arbiter
