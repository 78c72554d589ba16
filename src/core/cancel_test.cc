// Jobs that end other than by finishing: a user's cancel (JobCancelled) in every state, and runs
// that fail by the job's own fault (JobFailed), restarted up to max_restarts.
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

// Provider "p": pool A = 1 node x 4 H100 at $3.60/h (1,000 micro-dollars per
// accelerator-second). Tenant "lab" is p's first-party tenant (its jobs start without the
// market); tenant "buyer" buys on demand from p through the market. Jobs take the whole pool: 4
// accelerators, 1,000 units of work at rate 2 (500 s), checkpointing every 100 s.
class CancelTest : public ::testing::Test {
 protected:
  CancelTest() {
    h100_ = fleet_.AddAcceleratorType("H100");
    p_ = fleet_.AddProvider("p");
    pool_ = AddTestPool(fleet_, fleet_.AddRegion(p_, "r"), h100_, 1, 4, 3'600'000);
    lab_ = fleet_.AddTenant({"lab", 1, p_});
    buyer_ = fleet_.AddTenant({"buyer", 1});
    fleet_.AddContract({buyer_, p_, OnDemandTerms{0}});
  }
  void Make(bool confirm = false) {
    BrokerOptions options;
    options.launch.confirm = confirm;
    broker_ = std::make_unique<Broker>(fleet_, *MakePolicy("fifo", {}), options);
  }
  Job LabJob(std::string name, Time submit, int32_t max_restarts = 0) {
    Job j = TestJob(std::move(name), lab_, submit, 4, 1'000, {{h100_, 2}});
    j.checkpoint_interval = 100;
    j.max_restarts = max_restarts;
    return j;
  }
  std::vector<Command> Handle(Time now, Event event) {
    std::vector<Command> out;
    const absl::Status s = broker_->Handle(now, std::move(event), out);
    EXPECT_TRUE(s.ok()) << s.message();
    return out;
  }
  template <typename T>
  static std::vector<T> All(const std::vector<Command>& out) {
    std::vector<T> found;
    for (const Command& c : out) {
      if (const auto* x = std::get_if<T>(&c)) found.push_back(*x);
    }
    return found;
  }

  Fleet fleet_;
  AcceleratorTypeId h100_;
  ProviderId p_;
  PoolId pool_;
  TenantId lab_, buyer_;
  std::unique_ptr<Broker> broker_;
};

TEST_F(CancelTest, APendingJobLeavesTheQueueAndNeverStarts) {
  Make();
  Handle(0, JobSubmitted{JobId(0), LabJob("a", 0)});
  Handle(0, JobSubmitted{JobId(1), LabJob("b", 0)});  // waits for the pool
  EXPECT_EQ(broker_->pending_jobs(), 1);
  EXPECT_TRUE(Handle(10, JobCancelled{JobId(1), "tenant lab"}).empty());
  EXPECT_EQ(broker_->pending_jobs(), 0);
  const JobOutcome& b = broker_->outcome(JobId(1));
  EXPECT_EQ(b.state, JobState::kCancelled);
  EXPECT_EQ(b.end, 10);
  EXPECT_EQ(b.reason, "cancelled by tenant lab");
  // When the pool frees up, nothing takes it.
  EXPECT_TRUE(All<StartJob>(Handle(500, JobFinished{JobId(0)})).empty());
  EXPECT_EQ(b.cost, 0);
}

TEST_F(CancelTest, ARunningJobIsStoppedChargedAndItsPoolGoesToTheNext) {
  Make();
  Handle(0, JobSubmitted{JobId(0), LabJob("a", 0)});
  Handle(0, JobSubmitted{JobId(1), LabJob("b", 0)});
  const std::vector<Command> out = Handle(250, JobCancelled{JobId(0), "admin"});
  const std::vector<StopJob> stops = All<StopJob>(out);
  ASSERT_EQ(stops.size(), 1u);
  EXPECT_EQ(stops[0].job, JobId(0));
  EXPECT_EQ(stops[0].reason, "cancelled by admin");
  const std::vector<StartJob> starts = All<StartJob>(out);
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].job, JobId(1));
  const JobOutcome& a = broker_->outcome(JobId(0));
  EXPECT_EQ(a.state, JobState::kCancelled);
  EXPECT_EQ(a.cost, 1'000'000);  // 4 accelerators x 250 s x 1,000
  EXPECT_EQ(a.useful_accelerator_seconds, 1'000);
  EXPECT_EQ(a.interruptions, 0);
  EXPECT_EQ(broker_->used(pool_), 4);  // job 1's
  // A finish reported after the cancel (a race at the driver) is refused: the job is not running.
  std::vector<Command> ignored;
  EXPECT_FALSE(broker_->Handle(260, JobFinished{JobId(0)}, ignored).ok());
  // Cancelling again changes nothing.
  EXPECT_TRUE(Handle(270, JobCancelled{JobId(0), "admin"}).empty());
  EXPECT_EQ(broker_->outcome(JobId(0)).end, 250);
}

TEST_F(CancelTest, AStartingJobsAttemptsAreCancelledAndPayForWhatTheyHeld) {
  Make(/*confirm=*/true);
  ASSERT_EQ(All<StartJob>(Handle(0, JobSubmitted{JobId(0), LabJob("a", 0)})).size(), 1u);
  EXPECT_EQ(broker_->outcome(JobId(0)).state, JobState::kStarting);
  const std::vector<Command> out = Handle(30, JobCancelled{JobId(0), "tenant lab"});
  const std::vector<CancelStart> cancels = All<CancelStart>(out);
  ASSERT_EQ(cancels.size(), 1u);
  EXPECT_EQ(cancels[0].pool, pool_);
  const JobOutcome& a = broker_->outcome(JobId(0));
  EXPECT_EQ(a.state, JobState::kCancelled);
  EXPECT_EQ(a.launches_cancelled, 1);
  EXPECT_EQ(a.cost, 120'000);  // held 4 accelerators for 30 s
  EXPECT_EQ(broker_->used(pool_), 0);
  // The driver's late confirmation of the cancelled attempt is ignored.
  EXPECT_TRUE(Handle(31, JobStarted{JobId(0), pool_}).empty());
  EXPECT_EQ(broker_->outcome(JobId(0)).state, JobState::kCancelled);
}

TEST_F(CancelTest, AJobInTheMarketGivesUpItsRequestAndIsNeverDelivered) {
  Make();
  Job j = TestJob("m", buyer_, 0, 4, 1'000, {{h100_, 2}});
  const std::vector<AskProvider> asks =
      All<AskProvider>(Handle(0, JobSubmitted{JobId(0), std::move(j)}));
  ASSERT_EQ(asks.size(), 1u);
  Handle(5, JobCancelled{JobId(0), "tenant buyer"});
  EXPECT_EQ(broker_->outcome(JobId(0)).state, JobState::kCancelled);
  // The provider offers anyway: the request closes and nothing starts.
  Answer answer;
  answer.request = asks[0].ask.request;
  answer.provider = p_;
  answer.offers.push_back(Offer{pool_, 3'600'000, 10});
  const std::vector<Command> out = Handle(10, ProviderAnswered{answer});
  EXPECT_TRUE(All<StartJob>(out).empty());
  EXPECT_EQ(All<RequestClosed>(out).size(), 1u);
  EXPECT_EQ(broker_->used(pool_), 0);
  // The pool is free for others at once.
  EXPECT_EQ(All<StartJob>(Handle(11, JobSubmitted{JobId(1), LabJob("a", 11)})).size(), 1u);
}

TEST_F(CancelTest, AFailingJobRestartsFromItsCheckpointUpToMaxRestartsThenFails) {
  Make();
  Handle(0, JobSubmitted{JobId(0), LabJob("a", 0, /*max_restarts=*/1)});
  // Fails at 250 s: it keeps the work of its checkpoint at 200 s (400 units), loses 50 s, and
  // starts again at once with 600 units left.
  std::vector<Command> out = Handle(250, JobFailed{JobId(0), 3, "node 0 exited with status 3"});
  std::vector<StartJob> starts = All<StartJob>(out);
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].remaining, 600);
  const JobOutcome& a = broker_->outcome(JobId(0));
  EXPECT_EQ(a.state, JobState::kRunning);
  EXPECT_EQ(a.failures, 1);
  EXPECT_EQ(a.exit_code, 3);
  EXPECT_EQ(a.interruptions, 0);  // not the provider's doing
  EXPECT_EQ(a.lost_accelerator_seconds, 200);
  EXPECT_EQ(a.cost, 1'000'000);
  EXPECT_EQ(broker_->provider_recovery(p_).interruptions, 0);
  // The second failure ends it: no third run.
  out = Handle(300, JobFailed{JobId(0), 7, "node 0 exited with status 7"});
  EXPECT_TRUE(All<StartJob>(out).empty());
  EXPECT_EQ(a.state, JobState::kFailed);
  EXPECT_EQ(a.failures, 2);
  EXPECT_EQ(a.exit_code, 7);
  EXPECT_EQ(a.end, 300);
  EXPECT_EQ(a.reason, "node 0 exited with status 7");
  EXPECT_EQ(a.cost, 1'200'000);
  EXPECT_EQ(broker_->pending_jobs(), 0);
  EXPECT_EQ(broker_->used(pool_), 0);
}

TEST_F(CancelTest, WithoutRestartsTheFirstFailureEndsTheJob) {
  Make();
  Handle(0, JobSubmitted{JobId(0), LabJob("a", 0)});
  Handle(0, JobSubmitted{JobId(1), LabJob("b", 0)});
  const std::vector<Command> out = Handle(40, JobFailed{JobId(0), 1, ""});
  const std::vector<StartJob> starts = All<StartJob>(out);
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].job, JobId(1));  // the pool goes to the next job
  EXPECT_EQ(broker_->outcome(JobId(0)).state, JobState::kFailed);
  EXPECT_EQ(broker_->outcome(JobId(0)).reason, "exited with status 1");
}

TEST_F(CancelTest, FailuresAndCancelsOfUnknownOrIdleJobsAreProtocolErrors) {
  Make();
  Handle(0, JobSubmitted{JobId(0), LabJob("a", 0)});
  Handle(0, JobSubmitted{JobId(1), LabJob("b", 0)});
  std::vector<Command> out;
  EXPECT_FALSE(broker_->Handle(1, JobFailed{JobId(1), 1, ""}, out).ok());  // pending
  EXPECT_FALSE(broker_->Handle(1, JobCancelled{JobId(9), "x"}, out).ok());
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(broker_->outcome(JobId(1)).state, JobState::kPending);
}

}  // namespace
}  // namespace arbiter
