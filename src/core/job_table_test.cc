#include "core/job_table.h"

#include "gtest/gtest.h"
#include "model/testing.h"

namespace arbiter {
namespace {

using testing::AddTestPool;
using testing::TestJob;

// Provider "p" with one pool; "own" is p's first-party tenant, "lab" an external one.
class JobTableTest : public ::testing::Test {
 protected:
  JobTableTest() {
    h100_ = fleet_.AddAcceleratorType("H100");
    p_ = fleet_.AddProvider("p");
    AddTestPool(fleet_, fleet_.AddRegion(p_, "r"), h100_, 2, 8, 3'600'000);
    own_ = fleet_.AddTenant({"own", 1, p_});
    lab_ = fleet_.AddTenant({"lab", 1, std::nullopt});
  }

  Fleet fleet_;
  AcceleratorTypeId h100_;
  ProviderId p_;
  TenantId own_, lab_;
};

TEST_F(JobTableTest, PendingCountsFollowEveryStateChange) {
  JobTable jobs(fleet_);
  const JobId a = jobs.Add(TestJob("a", own_, 0, 8, 100, {{h100_, 1}}));
  const JobId b = jobs.Add(TestJob("b", lab_, 0, 4, 100, {{h100_, 1}}));
  const JobId c = jobs.Add(TestJob("c", lab_, 0, 2, 100, {{h100_, 1}}));
  // Added but neither admitted nor rejected: not pending yet.
  EXPECT_EQ(jobs.pending_jobs(), 0);
  jobs.Admit(a);
  jobs.Admit(b);
  jobs.Reject(c, "no pool");
  EXPECT_EQ(jobs.pending_jobs(), 2);
  EXPECT_EQ(jobs.pending_accelerators(), 12);
  EXPECT_EQ(jobs.first_party_waiting()[p_.index()].jobs, 1);
  EXPECT_EQ(jobs.first_party_waiting()[p_.index()].accelerators, 8);
  EXPECT_EQ(jobs.outcome(c).state, JobState::kRejected);
  EXPECT_EQ(jobs.outcome(c).reason, "no pool");

  jobs.SetState(a, JobState::kStarting);
  EXPECT_EQ(jobs.pending_jobs(), 1);
  EXPECT_EQ(jobs.first_party_waiting()[p_.index()].accelerators, 0);
  jobs.SetState(a, JobState::kRunning);  // starting -> running: no count changes
  EXPECT_EQ(jobs.pending_jobs(), 1);
  jobs.SetState(a, JobState::kPending);
  jobs.SetState(a, JobState::kPending);  // pending -> pending counts once
  EXPECT_EQ(jobs.pending_jobs(), 2);
  EXPECT_EQ(jobs.first_party_waiting()[p_.index()].jobs, 1);
  jobs.SetState(a, JobState::kFinished);
  jobs.SetState(b, JobState::kFinished);
  EXPECT_EQ(jobs.pending_jobs(), 0);
  EXPECT_EQ(jobs.pending_accelerators(), 0);
  EXPECT_EQ(jobs.first_party_waiting()[p_.index()].jobs, 0);
}

TEST_F(JobTableTest, ProgressCheckpointsAndInterruptionsAreExact) {
  JobTable jobs(fleet_);
  // 1,000 units at 3 units/s, a checkpoint every 100 s of progress.
  Job spec = TestJob("j", lab_, 0, 4, 1000, {{h100_, 3}});
  spec.checkpoint_interval = 100;
  const JobId j = jobs.Add(spec);
  jobs.Admit(j);
  jobs.SetState(j, JobState::kRunning);
  JobRun& run = jobs.run(j);
  run.start = 50;
  run.setup = 20;  // progress from t=70
  run.rate = 3;
  EXPECT_EQ(jobs.Progressed(j, 60), 0);  // still in setup
  EXPECT_EQ(jobs.Progressed(j, 320), 750);
  EXPECT_EQ(jobs.Checkpointed(j, 320), 600);  // 200 s of checkpointed progress
  EXPECT_EQ(jobs.RemainingWork(j, 320), 250);
  EXPECT_EQ(jobs.WorkAtRisk(j, 320), 150);
  EXPECT_EQ(jobs.Progressed(j, 1000), 1000);  // saturates at the work left
  const Interruption cut = jobs.Interrupted(j, 320);
  EXPECT_EQ(cut.saved, 600);
  EXPECT_EQ(cut.kept, 200);
  EXPECT_EQ(cut.lost, 70);  // 20 s of setup and 50 s after the last checkpoint
  // Useful seconds: 4 accelerators x 250 s of progress, counted once however often asked.
  EXPECT_EQ(jobs.UsefulAcceleratorSeconds(j, 320), 1000);
  EXPECT_EQ(jobs.CountUseful(j, 800), 800);
  EXPECT_EQ(jobs.CountUseful(j, 800), 0);
  EXPECT_EQ(jobs.UsefulAcceleratorSeconds(j, 320), 1000);
  EXPECT_EQ(jobs.outcome(j).useful_accelerator_seconds, 800);
  // Not running: no progress is at risk, and the remaining work is what was saved.
  jobs.SetState(j, JobState::kPending);
  run.done = cut.saved;
  EXPECT_EQ(jobs.WorkAtRisk(j, 400), 0);
  EXPECT_EQ(jobs.RemainingWork(j, 400), 400);
}

}  // namespace
}  // namespace arbiter
