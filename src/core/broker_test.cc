#include "core/broker.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "model/strings.h"
#include "model/testing.h"
#include "sched/registry.h"

namespace arbiter {
namespace {

using testing::AddTestPool;
using testing::TestJob;

// One provider "p" with region "r": pool A = 1 node x 4 H100 at $3.60/h (1000 micro-dollars per
// accelerator-second), pool B = 1 node x 4 A100 at $1.44/h (400 per accelerator-second). The
// tenant "lab" is p's own first-party tenant, so its jobs start without asking the market (the
// market's path is tested in market_flow_test.cc).
class BrokerTest : public ::testing::Test {
 protected:
  BrokerTest() {
    h100_ = fleet_.AddAcceleratorType("H100");
    a100_ = fleet_.AddAcceleratorType("A100");
    const ProviderId p = fleet_.AddProvider("p");
    const RegionId r = fleet_.AddRegion(p, "r");
    pool_a_ = AddTestPool(fleet_, r, h100_, 1, 4, 3'600'000);
    pool_b_ = AddTestPool(fleet_, r, a100_, 1, 4, 1'440'000);
    lab_ = fleet_.AddTenant({"lab", 1, p});
    nobody_ = fleet_.AddTenant({"nobody", 1, std::nullopt});
    broker_ = std::make_unique<Broker>(fleet_, *MakePolicy("fifo", {}));
  }

  // A job of `accelerators` with 200 units of work at rate 2 on H100 and 1 on A100.
  Job LabJob(std::string name, Time submit, int32_t accelerators = 4) {
    return TestJob(std::move(name), lab_, submit, accelerators, 200, {{h100_, 2}, {a100_, 1}});
  }

  std::vector<Command> Handle(Time now, Event event) {
    std::vector<Command> out;
    const absl::Status s = broker_->Handle(now, std::move(event), out);
    EXPECT_TRUE(s.ok()) << s.message();
    return out;
  }

  Fleet fleet_;
  AcceleratorTypeId h100_, a100_;
  PoolId pool_a_, pool_b_;
  TenantId lab_, nobody_;
  std::unique_ptr<Broker> broker_;
};

TEST_F(BrokerTest, SubmitStartsOnFastestPoolAndFinishChargesExactly) {
  std::vector<Command> out = Handle(0, JobSubmitted{JobId(0), LabJob("j0", 0)});
  ASSERT_EQ(out.size(), 1u);
  const auto* start = std::get_if<StartJob>(&out[0]);
  ASSERT_NE(start, nullptr);
  EXPECT_EQ(start->job, JobId(0));
  EXPECT_EQ(start->pool, pool_a_);
  EXPECT_EQ(start->accelerators, 4);
  EXPECT_EQ(start->remaining, 200);
  EXPECT_EQ(start->rate, 2);
  EXPECT_EQ(broker_->used(pool_a_), 4);

  out = Handle(100, JobFinished{JobId(0)});
  EXPECT_TRUE(out.empty());
  const JobOutcome& o = broker_->outcome(JobId(0));
  EXPECT_EQ(o.state, JobState::kFinished);
  EXPECT_EQ(o.first_start, 0);
  EXPECT_EQ(o.end, 100);
  EXPECT_EQ(o.cost, 400'000);  // 4 accelerators x 100 s x 1000 micro-dollars
  EXPECT_EQ(o.accelerator_seconds, 400);
  EXPECT_EQ(o.starts, 1);
  ASSERT_EQ(broker_->ledger().charges().size(), 1u);
  const Charge& c = broker_->ledger().charges()[0];
  EXPECT_EQ(c.start, 0);
  EXPECT_EQ(c.end, 100);
  EXPECT_EQ(c.kind, ChargeKind::kInternal);
  EXPECT_EQ(c.pool, pool_a_);
  EXPECT_EQ(c.price_per_accel_hour, 3'600'000);
  EXPECT_EQ(c.amount, 400'000);
  EXPECT_EQ(broker_->ledger().total(), 400'000);
  EXPECT_EQ(broker_->used(pool_a_), 0);
}

TEST_F(BrokerTest, WaitingJobStartsWhenCapacityFrees) {
  Handle(0, JobSubmitted{JobId(0), LabJob("j0", 0)});
  Handle(1, JobSubmitted{JobId(1), LabJob("j1", 1)});  // takes B
  std::vector<Command> out = Handle(2, JobSubmitted{JobId(2), LabJob("j2", 2)});
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(broker_->outcome(JobId(2)).state, JobState::kPending);
  out = Handle(100, JobFinished{JobId(0)});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<StartJob>(out[0]).job, JobId(2));
  EXPECT_EQ(std::get<StartJob>(out[0]).pool, pool_a_);
  EXPECT_EQ(broker_->outcome(JobId(2)).first_start, 100);
}

TEST_F(BrokerTest, ProtocolViolationsFailAndChangeNothing) {
  Handle(10, JobSubmitted{JobId(0), LabJob("j0", 10)});
  std::vector<Command> out;
  absl::Status s = broker_->Handle(5, JobFinished{JobId(0)}, out);
  EXPECT_EQ(std::string(s.message()), "event at t=5 is earlier than the core's time t=10");
  s = broker_->Handle(10, JobSubmitted{JobId(5), LabJob("j5", 10)}, out);
  EXPECT_EQ(std::string(s.message()), "job ids must be dense: expected 1, got 5");
  s = broker_->Handle(10, JobFinished{JobId(7)}, out);
  EXPECT_EQ(std::string(s.message()), "finish reported for job 7, which is not running");
  s = broker_->Handle(10, CapacityChanged{PoolId(9), 1}, out);
  EXPECT_FALSE(s.ok());
  s = broker_->Handle(10, JobStartFailed{JobId(3), "x"}, out);
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(broker_->jobs_submitted(), 1);
  EXPECT_EQ(broker_->now(), 10);
  EXPECT_EQ(broker_->outcome(JobId(0)).state, JobState::kRunning);
}

TEST_F(BrokerTest, RejectsWithAReasonAUserCanActOn) {
  std::vector<Command> out = Handle(0, JobSubmitted{JobId(0), LabJob("wide", 0, 8)});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<RejectJob>(out[0]).reason,
            "no pool with 8 H100|A100 in one interconnect domain; largest is 4 in p/r/H100");
  EXPECT_EQ(broker_->outcome(JobId(0)).state, JobState::kRejected);

  Job orphan = TestJob("orphan", nobody_, 0, 1, 10, {{h100_, 1}});
  out = Handle(0, JobSubmitted{JobId(1), orphan});
  EXPECT_EQ(std::get<RejectJob>(out[0]).reason,
            "tenant nobody has no contract with any provider that has H100");

  Job invalid = LabJob("invalid", 0, 4);
  invalid.work = 0;
  out = Handle(0, JobSubmitted{JobId(2), invalid});
  EXPECT_EQ(std::get<RejectJob>(out[0]).reason, "job invalid: work must be > 0");
}

TEST_F(BrokerTest, PerNodeShareMustFitOnOneNode) {
  Fleet fleet;
  const AcceleratorTypeId t = fleet.AddAcceleratorType("H100");
  const RegionId r = fleet.AddRegion(fleet.AddProvider("p"), "r");
  AddTestPool(fleet, r, t, 4, 2, 1'000'000);  // 4 nodes x 2
  const TenantId lab = fleet.AddTenant({"lab", 1, ProviderId(0)});
  Broker broker(fleet, *MakePolicy("fifo", {}));
  Job job = TestJob("j", lab, 0, 4, 10, {{t, 1}});
  job.nodes = 1;  // 4 on one node: impossible
  std::vector<Command> out;
  ASSERT_TRUE(broker.Handle(0, JobSubmitted{JobId(0), job}, out).ok());
  EXPECT_EQ(std::get<RejectJob>(out[0]).reason,
            "no pool of H100 has 4 accelerators on one node; largest node has 2");
  job.nodes = 2;  // 2 + 2: fits
  out.clear();
  ASSERT_TRUE(broker.Handle(0, JobSubmitted{JobId(1), job}, out).ok());
  EXPECT_TRUE(std::holds_alternative<StartJob>(out[0]));
}

TEST_F(BrokerTest, CapacityGrowthStartsWaitingJobs) {
  Handle(0, CapacityChanged{pool_a_, 0});
  Handle(0, CapacityChanged{pool_b_, 0});
  EXPECT_TRUE(Handle(5, JobSubmitted{JobId(0), LabJob("j0", 5)}).empty());
  std::vector<Command> out = Handle(50, CapacityChanged{pool_b_, 1});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<StartJob>(out[0]).pool, pool_b_);
  // Capacity integral: B had 4 over [0, 0], 0 over [0, 50], then 4.
  EXPECT_EQ(broker_->CapacityIntegral(pool_b_, 60), 40);
  EXPECT_EQ(broker_->CapacityIntegral(pool_a_, 60), 0);
}

TEST_F(BrokerTest, FailedStartWaitsTheRetryDelayThenQueuesAgain) {
  std::vector<Command> out = Handle(0, JobSubmitted{JobId(0), LabJob("j0", 0)});
  ASSERT_TRUE(std::holds_alternative<StartJob>(out[0]));
  out = Handle(3, JobStartFailed{JobId(0), "no room"});
  ASSERT_EQ(out.size(), 1u);
  const SetTimer timer = std::get<SetTimer>(out[0]);
  EXPECT_EQ(timer.at, 63);
  const JobOutcome& o = broker_->outcome(JobId(0));
  EXPECT_EQ(o.state, JobState::kPending);
  EXPECT_EQ(o.starts, 0);
  EXPECT_EQ(o.first_start, kNever);
  EXPECT_EQ(broker_->used(pool_a_), 0);
  EXPECT_TRUE(broker_->ledger().charges().empty());
  out = Handle(63, TimerFired{timer.tag});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<StartJob>(out[0]).pool, pool_a_);
  EXPECT_EQ(broker_->outcome(JobId(0)).first_start, 63);
}

TEST_F(BrokerTest, CloseBillingSplitsTheChargeOfARunningJob) {
  Handle(0, JobSubmitted{JobId(0), LabJob("j0", 0)});
  Handle(30, CloseBilling{});
  ASSERT_EQ(broker_->ledger().charges().size(), 1u);
  EXPECT_EQ(broker_->ledger().charges()[0].amount, 120'000);  // 4 x 30 s x 1000
  EXPECT_EQ(broker_->outcome(JobId(0)).state, JobState::kRunning);
  Handle(100, JobFinished{JobId(0)});
  ASSERT_EQ(broker_->ledger().charges().size(), 2u);
  EXPECT_EQ(broker_->ledger().charges()[1].start, 30);
  EXPECT_EQ(broker_->ledger().charges()[1].amount, 280'000);
  EXPECT_EQ(broker_->outcome(JobId(0)).cost, 400'000);
  EXPECT_EQ(broker_->outcome(JobId(0)).accelerator_seconds, 400);
}

// A job of 200 units at rate 2 on H100 (100 s), checkpointing every 30 s, on pool A.
TEST_F(BrokerTest, KillJustBeforeACheckpointLosesTheWholeRun) {
  Job job = LabJob("j0", 0);
  job.checkpoint_interval = 30;
  Handle(0, JobSubmitted{JobId(0), job});
  std::vector<Command> out = Handle(29, JobKilled{JobId(0), "node failed"});
  // Nothing was saved: the job restarts at once on the freed pool with all its work.
  ASSERT_EQ(out.size(), 1u);
  const StartJob& restart = std::get<StartJob>(out[0]);
  EXPECT_EQ(restart.remaining, 200);
  EXPECT_EQ(restart.setup, 0);
  const JobOutcome& o = broker_->outcome(JobId(0));
  EXPECT_EQ(o.interruptions, 1);
  EXPECT_EQ(o.starts, 2);
  EXPECT_EQ(o.first_start, 0);
  EXPECT_EQ(o.lost_accelerator_seconds, 4 * 29);
  EXPECT_EQ(o.lost_cost, 4 * 29 * 1000);
  EXPECT_EQ(o.cost, 4 * 29 * 1000);  // the lost run is paid for
}

TEST_F(BrokerTest, KillJustAfterACheckpointKeepsItsWork) {
  Job job = LabJob("j0", 0);
  job.checkpoint_interval = 30;
  Handle(0, JobSubmitted{JobId(0), job});
  std::vector<Command> out = Handle(31, JobKilled{JobId(0), "node failed"});
  // The checkpoint at 30 s saved 60 units; one second (4 accelerator-seconds) is lost.
  EXPECT_EQ(std::get<StartJob>(out[0]).remaining, 140);
  EXPECT_EQ(broker_->outcome(JobId(0)).lost_accelerator_seconds, 4);
  EXPECT_EQ(broker_->outcome(JobId(0)).lost_cost, 4'000);
  // It then runs 70 s more and finishes: 31 + 70 s of charges in all.
  Handle(101, JobFinished{JobId(0)});
  EXPECT_EQ(broker_->outcome(JobId(0)).cost, 4 * 101 * 1000);
  EXPECT_EQ(broker_->outcome(JobId(0)).accelerator_seconds, 4 * 101);
}

TEST_F(BrokerTest, RestartSetupDelaysProgressAndCheckpoints) {
  BrokerOptions options;
  options.restart_setup = 10;
  broker_ = std::make_unique<Broker>(fleet_, *MakePolicy("fifo", {}), options);
  Job job = LabJob("j0", 0);
  job.checkpoint_interval = 30;
  Handle(0, JobSubmitted{JobId(0), job});
  std::vector<Command> out = Handle(31, JobKilled{JobId(0), "x"});
  EXPECT_EQ(std::get<StartJob>(out[0]).setup, 10);  // a restart restores first
  EXPECT_EQ(broker_->remaining_work(JobId(0)), 140);
  // Killed 45 s after the restart: 10 s restoring, 35 s working; the checkpoint at 30 s of work
  // saved 60 more units, and 15 s (the restore and 5 s of work) are lost.
  out = Handle(76, JobKilled{JobId(0), "x"});
  EXPECT_EQ(std::get<StartJob>(out[0]).remaining, 80);
  EXPECT_EQ(broker_->outcome(JobId(0)).lost_accelerator_seconds, 4 * (1 + 15));
}

// A policy that, when job 1 is pending, preempts job 0 and starts job 1 in its place.
class PreemptForJobOne final : public Policy {
 public:
  std::string_view name() const override { return "test"; }
  void OnPending(JobId job, const ClusterView&) override { pending_.push_back(job); }
  void OnRemoved(JobId) override {}
  void Schedule(const ClusterView& view, std::span<const PoolId>, Placer& placer) override {
    std::vector<JobId> pending;
    pending.swap(pending_);
    for (JobId job : pending) {
      if (job == JobId(1) && view.FreeAccelerators(PoolId(0)) < 4) {
        EXPECT_TRUE(placer.Preempt(JobId(0), "make room"));
        EXPECT_FALSE(placer.Preempt(JobId(0), "twice"));
      }
      if (!placer.Place(job, PoolId(0))) pending_.push_back(job);
    }
  }

 private:
  std::vector<JobId> pending_;
};

TEST_F(BrokerTest, PolicyPreemptionStopsChargesAndRequeues) {
  broker_ = std::make_unique<Broker>(fleet_, std::make_unique<PreemptForJobOne>());
  Handle(0, JobSubmitted{JobId(0), LabJob("j0", 0)});
  std::vector<Command> out = Handle(40, JobSubmitted{JobId(1), LabJob("j1", 40)});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(std::get<StopJob>(out[0]).job, JobId(0));
  EXPECT_EQ(std::get<StopJob>(out[0]).reason, "make room");
  EXPECT_EQ(std::get<StartJob>(out[1]).job, JobId(1));
  EXPECT_EQ(broker_->outcome(JobId(0)).state, JobState::kPending);
  EXPECT_EQ(broker_->outcome(JobId(0)).cost, 4 * 40 * 1000);
  EXPECT_EQ(broker_->outcome(JobId(0)).lost_accelerator_seconds, 4 * 40);  // no checkpoints
  EXPECT_EQ(broker_->used(pool_a_), 4);
}

TEST(Access, FromContracts) {
  Fleet fleet;
  const AcceleratorTypeId t = fleet.AddAcceleratorType("H100");
  const ProviderId p = fleet.AddProvider("p");
  const ProviderId q = fleet.AddProvider("q");
  const PoolId pp = AddTestPool(fleet, fleet.AddRegion(p, "r"), t, 1, 8, 4'000'000, 0, 1'500'000);
  const PoolId qq = AddTestPool(fleet, fleet.AddRegion(q, "r"), t, 1, 8, std::nullopt, 0, 900'000);
  fleet.pools[pp.index()].committed_price = 2'000'000;
  const TenantId lab = fleet.AddTenant({"lab", 1, std::nullopt});
  const TenantId own = fleet.AddTenant({"own", 1, p});
  fleet.AddContract({lab, p, SpotTerms{100'000, std::nullopt, ""}});
  fleet.AddContract({lab, p, OnDemandTerms{250'000}});
  fleet.AddContract({lab, q, OnDemandTerms{}});  // q sells no on-demand here
  fleet.AddContract({lab, q, SpotTerms{}});

  std::optional<Access> a = AccessFromContracts(fleet, lab, pp);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->kind, ChargeKind::kOnDemand);  // on-demand preferred over spot
  EXPECT_EQ(a->price_per_accel_hour, 3'000'000);
  EXPECT_TRUE(a->market);
  a = AccessFromContracts(fleet, lab, qq);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->kind, ChargeKind::kSpot);
  EXPECT_EQ(a->price_per_accel_hour, 900'000);
  EXPECT_TRUE(a->market);
  a = AccessFromContracts(fleet, own, pp);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->kind, ChargeKind::kInternal);
  EXPECT_EQ(a->price_per_accel_hour, 2'000'000);  // cost basis: the committed price
  EXPECT_FALSE(a->market);
  EXPECT_FALSE(AccessFromContracts(fleet, own, qq));
  EXPECT_EQ(Discounted(1'000'001, 500'000), 500'001);  // 500000.5 rounds up
  EXPECT_EQ(Discounted(3'600'000, 0), 3'600'000);
  EXPECT_EQ(Discounted(3'600'000, kPpmOne), 0);
}

// Serialises commands so runs can be compared.
std::string Describe(const std::vector<Command>& commands) {
  std::string out;
  for (const Command& c : commands) {
    if (const auto* s = std::get_if<StartJob>(&c)) {
      StrAppend(&out, "start ", s->job.value(), "@", s->pool.value(), " ", s->remaining, "/",
                s->rate, ";");
    } else if (const auto* r = std::get_if<RejectJob>(&c)) {
      StrAppend(&out, "reject ", r->job.value(), ";");
    } else if (const auto* t = std::get_if<SetTimer>(&c)) {
      StrAppend(&out, "timer ", t->at, ";");
    }
  }
  return out;
}

TEST_F(BrokerTest, SameEventsGiveSameCommands) {
  const auto run = [this](const std::string& policy) {
    Broker broker(fleet_, *MakePolicy(policy, {}));
    std::string log;
    std::vector<Command> out;
    for (int i = 0; i < 6; ++i) {
      out.clear();
      EXPECT_TRUE(
          broker.Handle(i, JobSubmitted{JobId(i), LabJob(StrCat("j", i), i, 1 + i % 4)}, out).ok());
      log += Describe(out);
    }
    for (int i = 0; i < 6; ++i) {
      if (broker.outcome(JobId(i)).state != JobState::kRunning) continue;
      out.clear();
      EXPECT_TRUE(broker.Handle(100 + i, JobFinished{JobId(i)}, out).ok());
      log += Describe(out);
    }
    return log;
  };
  for (const char* policy : {"fifo", "sjf", "cost-greedy"}) {
    const std::string first = run(policy);
    EXPECT_FALSE(first.empty());
    EXPECT_EQ(first, run(policy)) << policy;
  }
}

}  // namespace
}  // namespace arbiter
