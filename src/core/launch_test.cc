// Launches that take time (LaunchOptions): confirmation, parallel attempts, timeouts.
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

// Provider "p" has three pools of 1 node x 4 H100 in three regions, on demand at $3.60, $5.40 and
// $7.20 per accelerator-hour (1000, 1500 and 2000 micro-dollars per accelerator-second); provider
// "q" has one more at $1.80 (500). The tenant "lab" is p's first-party tenant (its jobs start
// without the market) and has no contract with q. Jobs: 4 accelerators, 200 units of work at
// rate 2, so 100 s of running.
class LaunchTest : public ::testing::Test {
 protected:
  LaunchTest() {
    h100_ = fleet_.AddAcceleratorType("H100");
    const ProviderId p = fleet_.AddProvider("p");
    const ProviderId q = fleet_.AddProvider("q");
    pool_1_ = AddTestPool(fleet_, fleet_.AddRegion(p, "r1"), h100_, 1, 4, 3'600'000);
    pool_2_ = AddTestPool(fleet_, fleet_.AddRegion(p, "r2"), h100_, 1, 4, 5'400'000);
    pool_3_ = AddTestPool(fleet_, fleet_.AddRegion(p, "r3"), h100_, 1, 4, 7'200'000);
    pool_q_ = AddTestPool(fleet_, fleet_.AddRegion(q, "r4"), h100_, 1, 4, 1'800'000);
    lab_ = fleet_.AddTenant({"lab", 1, p});
  }

  void Make(int32_t parallel, Duration timeout = 0, Duration backoff = 0) {
    BrokerOptions options;
    options.launch.confirm = true;
    options.launch.parallel = parallel;
    options.launch.timeout = timeout;
    options.recovery.backoff = backoff;
    broker_ = std::make_unique<Broker>(fleet_, *MakePolicy("fifo", {}), options);
  }

  Job LabJob(std::string name, Time submit) {
    return TestJob(std::move(name), lab_, submit, 4, 200, {{h100_, 2}});
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

  static uint64_t TimeoutTag(int32_t job, uint32_t attempt) {
    return (uint64_t{7} << 56) | (static_cast<uint64_t>(job) << 24) | attempt;
  }
  static uint64_t RetryTag(int32_t job) { return (uint64_t{1} << 56) | static_cast<uint64_t>(job); }

  Fleet fleet_;
  AcceleratorTypeId h100_;
  PoolId pool_1_, pool_2_, pool_3_, pool_q_;
  TenantId lab_;
  std::unique_ptr<Broker> broker_;
};

TEST_F(LaunchTest, ARunIsBilledFromItsLaunchAndProgressesOnlyOnceItIsUp) {
  Make(/*parallel=*/1);
  const std::vector<StartJob> starts =
      All<StartJob>(Handle(0, JobSubmitted{JobId(0), LabJob("j0", 0)}));
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].pool, pool_1_);
  EXPECT_EQ(starts[0].setup, 0);
  // Launching: the pool's accelerators are held; the job is neither pending nor running.
  EXPECT_EQ(broker_->outcome(JobId(0)).state, JobState::kStarting);
  EXPECT_EQ(broker_->used(pool_1_), 4);
  EXPECT_EQ(broker_->pending_jobs(), 0);
  EXPECT_TRUE(broker_->running_on(pool_1_).empty());
  // Up at 300: it runs 100 s after that and finishes at 400, paid from 0 (4 x 400 s x 1000).
  Handle(300, JobStarted{JobId(0), pool_1_});
  EXPECT_EQ(broker_->outcome(JobId(0)).state, JobState::kRunning);
  EXPECT_EQ(broker_->remaining_work(JobId(0)), 200);
  Handle(350, CloseBilling{});
  EXPECT_EQ(broker_->remaining_work(JobId(0)), 100);
  Handle(400, JobFinished{JobId(0)});
  const JobOutcome& o = broker_->outcome(JobId(0));
  EXPECT_EQ(o.first_start, 0);
  EXPECT_EQ(o.cost, 1'600'000);
  EXPECT_EQ(o.accelerator_seconds, 1600);
  EXPECT_EQ(o.useful_accelerator_seconds, 400);
  EXPECT_EQ(o.launch_attempts, 1);
  EXPECT_EQ(o.launch_wait, 300);
  EXPECT_EQ(broker_->provider_recovery(ProviderId(0)).launch.up, 1);
  EXPECT_EQ(broker_->provider_recovery(ProviderId(0)).launch.wait_seconds, 300);
}

TEST_F(LaunchTest, ParallelAttemptsTheFirstUpWinsAndTheOthersPayForWhatTheyHeld) {
  Make(/*parallel=*/3);
  const std::vector<StartJob> starts =
      All<StartJob>(Handle(0, JobSubmitted{JobId(0), LabJob("j0", 0)}));
  // FIFO's pool (1), then p's other H100 pools by the cost of the run: 2 ($5.40) before 3. Not
  // q's pool: another provider, where the tenant has no contract anyway.
  ASSERT_EQ(starts.size(), 3u);
  EXPECT_EQ(starts[0].pool, pool_1_);
  EXPECT_EQ(starts[1].pool, pool_2_);
  EXPECT_EQ(starts[2].pool, pool_3_);
  EXPECT_EQ(broker_->used(pool_2_), 4);
  // Pool 2 comes up first, at 200: the attempts on 1 and 3 are cancelled and pay 200 s each
  // (4 x 200 x 1000 = 800,000 and 4 x 200 x 2000 = 1,600,000).
  const std::vector<CancelStart> cancels =
      All<CancelStart>(Handle(200, JobStarted{JobId(0), pool_2_}));
  ASSERT_EQ(cancels.size(), 2u);
  EXPECT_EQ(cancels[0].pool, pool_1_);
  EXPECT_EQ(cancels[1].pool, pool_3_);
  EXPECT_EQ(broker_->used(pool_1_), 0);
  EXPECT_EQ(broker_->used(pool_3_), 0);
  // Pool 1 comes up a moment later: the core has cancelled it, so the confirmation is ignored.
  EXPECT_TRUE(Handle(210, JobStarted{JobId(0), pool_1_}).empty());
  EXPECT_EQ(broker_->outcome(JobId(0)).pool, pool_2_);
  // The run on 2 is paid from 0 and ends at 300: 4 x 300 x 1500 = 1,800,000.
  Handle(300, JobFinished{JobId(0)});
  const JobOutcome& o = broker_->outcome(JobId(0));
  EXPECT_EQ(o.launch_attempts, 3);
  EXPECT_EQ(o.launches_cancelled, 2);
  EXPECT_EQ(o.launch_failures, 0);
  EXPECT_EQ(o.launch_waste_cost, 2'400'000);
  EXPECT_EQ(o.launch_waste_accelerator_seconds, 1600);
  EXPECT_EQ(o.cost, 4'200'000);
  EXPECT_EQ(o.accelerator_seconds, 800 + 800 + 1200);
  EXPECT_EQ(o.useful_accelerator_seconds, 400);
  EXPECT_EQ(broker_->ledger().charges().size(), 3u);
  const ProviderRecovery& p = broker_->provider_recovery(ProviderId(0));
  EXPECT_EQ(p.launch.attempts, 3);
  EXPECT_EQ(p.launch.cancelled, 2);
  EXPECT_EQ(p.launch.waste_cost, 2'400'000);
}

TEST_F(LaunchTest, ATimedOutAttemptIsCancelledAndItsPoolBackedOff) {
  Make(/*parallel=*/1, /*timeout=*/600, /*backoff=*/100);
  std::vector<Command> out = Handle(0, JobSubmitted{JobId(0), LabJob("j0", 0)});
  ASSERT_EQ(All<SetTimer>(out).size(), 1u);
  EXPECT_EQ(All<SetTimer>(out)[0].at, 600);
  EXPECT_EQ(All<SetTimer>(out)[0].tag, TimeoutTag(0, 0));
  // Not up by 600: cancelled, counted as a failed launch of pool 1, which is avoided until 700;
  // the job waits out the retry delay (60 s) and goes to pool 2.
  out = Handle(600, TimerFired{TimeoutTag(0, 0)});
  ASSERT_EQ(All<CancelStart>(out).size(), 1u);
  EXPECT_EQ(All<CancelStart>(out)[0].pool, pool_1_);
  EXPECT_EQ(broker_->outcome(JobId(0)).state, JobState::kPending);
  EXPECT_EQ(broker_->used(pool_1_), 0);
  EXPECT_EQ(broker_->learning(pool_1_).launch_failures, 1);
  EXPECT_EQ(broker_->learning(pool_1_).avoid_until, 700);
  // Its failure, reported late by the driver, changes nothing.
  EXPECT_TRUE(Handle(620, JobStartFailed{JobId(0), "no capacity", pool_1_}).empty());
  EXPECT_EQ(broker_->learning(pool_1_).launch_failures, 1);
  const std::vector<StartJob> starts = All<StartJob>(Handle(660, TimerFired{RetryTag(0)}));
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].pool, pool_2_);
  // Up at 700, done at 800; nothing was paid for the attempt that timed out.
  Handle(700, JobStarted{JobId(0), pool_2_});
  Handle(800, JobFinished{JobId(0)});
  const JobOutcome& o = broker_->outcome(JobId(0));
  EXPECT_EQ(o.cost, 4 * 140 * 1500);
  EXPECT_EQ(o.first_start, 660);
  EXPECT_EQ(o.launch_attempts, 2);
  EXPECT_EQ(o.launch_failures, 1);
  EXPECT_EQ(o.launch_timeouts, 1);
  EXPECT_EQ(o.launch_wait, 40);
  EXPECT_EQ(broker_->provider_recovery(ProviderId(0)).launch.timed_out, 1);
}

TEST_F(LaunchTest, TheJobWaitsForItsLastAttemptBeforeItQueuesAgain) {
  Make(/*parallel=*/2, /*timeout=*/0, /*backoff=*/1000);
  ASSERT_EQ(All<StartJob>(Handle(0, JobSubmitted{JobId(0), LabJob("j0", 0)})).size(), 2u);
  // Pool 1 fails at 100: pool 2's attempt is still out, so the job keeps starting.
  std::vector<Command> out = Handle(100, JobStartFailed{JobId(0), "no room", pool_1_});
  EXPECT_TRUE(All<SetTimer>(out).size() == 1u && All<SetTimer>(out)[0].at == 1100)
      << "only pool 1's back-off timer";
  EXPECT_EQ(broker_->outcome(JobId(0)).state, JobState::kStarting);
  // Pool 2 fails at 150: now the job waits out the retry delay, and both pools are backed off.
  out = Handle(150, JobStartFailed{JobId(0), "no room", pool_2_});
  EXPECT_EQ(broker_->outcome(JobId(0)).state, JobState::kPending);
  bool retry = false;
  for (const SetTimer& t : All<SetTimer>(out)) retry |= t.at == 210 && t.tag == RetryTag(0);
  EXPECT_TRUE(retry);
  EXPECT_EQ(broker_->outcome(JobId(0)).launch_failures, 2);
  // At the retry only pool 3 is not backed off.
  const std::vector<StartJob> starts = All<StartJob>(Handle(210, TimerFired{RetryTag(0)}));
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].pool, pool_3_);
}

TEST_F(LaunchTest, ConfirmationsAreAProtocolErrorWhenLaunchesAreNotConfirmed) {
  broker_ = std::make_unique<Broker>(fleet_, *MakePolicy("fifo", {}));
  std::vector<Command> out;
  ASSERT_TRUE(broker_->Handle(0, JobSubmitted{JobId(0), LabJob("j0", 0)}, out).ok());
  const absl::Status s = broker_->Handle(10, JobStarted{JobId(0), pool_1_}, out);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "start confirmed for job 0, but launches are not confirmed");
}

}  // namespace
}  // namespace arbiter
