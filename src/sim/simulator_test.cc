#include "sim/simulator.h"

#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "model/strings.h"
#include "model/testing.h"
#include "sched/registry.h"
#include "sim/metrics.h"

namespace arbiter {
namespace {

using testing::AddTestPool;
using testing::TestJob;

// One pool of 1 node x 4 accelerators at $3.60/h (1000 micro-dollars per accelerator-second),
// used by its provider's own tenant (no market requests; those are tested in tests/).
class SimulatorTest : public ::testing::Test {
 protected:
  SimulatorTest() {
    Fleet& f = scenario_.fleet;
    type_ = f.AddAcceleratorType("H100");
    pool_ = AddTestPool(f, f.AddRegion(f.AddProvider("p"), "r"), type_, 1, 4, 3'600'000);
    tenant_ = f.AddTenant({"lab", 1, ProviderId(0)});
    scenario_.name = "test";
  }

  // A job of `accelerators` that runs for `seconds` (rate 1).
  void AddJob(Time submit, int32_t accelerators, Duration seconds) {
    scenario_.jobs.push_back(TestJob("j" + std::to_string(scenario_.jobs.size()), tenant_, submit,
                                     accelerators, seconds, {{type_, 1}}));
  }

  std::unique_ptr<Simulator> Run(SimOptions options = {}) {
    absl::StatusOr<std::unique_ptr<Simulator>> sim =
        Simulator::Create(scenario_, std::move(options));
    EXPECT_TRUE(sim.ok()) << sim.status().message();
    const absl::Status s = (*sim)->Run();
    EXPECT_TRUE(s.ok()) << s.message();
    return *std::move(sim);
  }

  Scenario scenario_;
  AcceleratorTypeId type_;
  PoolId pool_;
  TenantId tenant_;
};

TEST_F(SimulatorTest, AnArrivalSeesCapacityFreedAtTheSameInstant) {
  AddJob(0, 4, 100);   // runs [0, 100)
  AddJob(100, 4, 50);  // arrives as j0 ends: finish is processed first, so it starts at once
  auto sim = Run();
  const Broker& b = sim->broker();
  EXPECT_EQ(b.outcome(JobId(1)).first_start, 100);
  EXPECT_EQ(b.outcome(JobId(1)).end, 150);
  EXPECT_EQ(sim->end_time(), 150);
  // submit, submit, finish, finish.
  EXPECT_EQ(sim->events(), 4);
}

TEST_F(SimulatorTest, QueuedJobsRunBackToBack) {
  AddJob(0, 3, 100);
  AddJob(10, 2, 30);  // waits for j0: 1 free < 2
  AddJob(20, 1, 40);  // fits beside j0 at once
  auto sim = Run();
  const Broker& b = sim->broker();
  EXPECT_EQ(b.outcome(JobId(2)).first_start, 20);
  EXPECT_EQ(b.outcome(JobId(2)).end, 60);
  EXPECT_EQ(b.outcome(JobId(1)).first_start, 100);
  EXPECT_EQ(b.outcome(JobId(1)).end, 130);
  const RunSummary s = Summarize(scenario_, b, {"fifo", 0, sim->end_time(), sim->events()});
  EXPECT_EQ(s.finished, 3);
  EXPECT_EQ(s.makespan, 130);
  // JCTs 100, 120, 40 -> mean 86.667, nearest-rank median 100, p99 120.
  EXPECT_NEAR(s.jct.mean, 260.0 / 3, 1e-9);
  EXPECT_EQ(s.jct.median, 100);
  EXPECT_EQ(s.jct.p99, 120);
  // Waits 0, 90, 0.
  EXPECT_EQ(s.queueing_delay.max, 90);
  // Busy 3x100 + 2x30 + 1x40 = 400 accelerator-seconds of 4 x 130 = 520.
  EXPECT_EQ(s.pools[0].busy_accelerator_seconds, 400);
  EXPECT_EQ(s.pools[0].capacity_accelerator_seconds, 520);
  EXPECT_DOUBLE_EQ(s.pools[0].utilisation, 400.0 / 520.0);
  EXPECT_EQ(s.total_cost, 400'000);
  EXPECT_EQ(s.tenants[0].cost_by_provider[0], 400'000);
  EXPECT_EQ(s.providers[0].revenue, 0);  // internal: first-party use is not revenue
}

TEST_F(SimulatorTest, CapacityScheduleAddsAndRevokesNodes) {
  scenario_.fleet.pools[0].nodes = 0;
  scenario_.capacity_changes = {{50, pool_, 1}, {120, pool_, 0}};
  AddJob(0, 4, 60);  // waits for the node that comes at 50
  AddJob(1, 4, 10);  // waits behind it; at 110 the pool frees, then is revoked at 120
  auto sim = Run();
  const Broker& b = sim->broker();
  EXPECT_EQ(b.outcome(JobId(0)).first_start, 50);
  EXPECT_EQ(b.outcome(JobId(0)).end, 110);
  EXPECT_EQ(b.outcome(JobId(1)).first_start, 110);
  EXPECT_EQ(b.outcome(JobId(1)).end, 120);
  // Capacity 0 over [0, 50), 4 over [50, 120), 0 after.
  EXPECT_EQ(b.CapacityIntegral(pool_, 200), 280);
}

TEST_F(SimulatorTest, HorizonStopsTheRunAndBillsRunningWorkUpToIt) {
  AddJob(0, 4, 1000);
  AddJob(5, 4, 10);
  SimOptions options;
  options.horizon = 300;
  auto sim = Run(options);
  const Broker& b = sim->broker();
  EXPECT_EQ(sim->end_time(), 300);
  EXPECT_EQ(b.outcome(JobId(0)).state, JobState::kRunning);
  EXPECT_EQ(b.outcome(JobId(0)).cost, 4 * 300 * 1000);
  EXPECT_EQ(b.outcome(JobId(1)).state, JobState::kPending);
  const RunSummary s = Summarize(scenario_, b, {"fifo", 0, sim->end_time(), sim->events()});
  EXPECT_EQ(s.running, 1);
  EXPECT_EQ(s.pending, 1);
  EXPECT_EQ(s.finished, 0);
  EXPECT_EQ(s.pools[0].busy_accelerator_seconds, 1200);
  EXPECT_EQ(s.pools[0].capacity_accelerator_seconds, 1200);
}

TEST_F(SimulatorTest, UnknownPolicyIsAClearError) {
  SimOptions options;
  options.policy = "magic";
  absl::StatusOr<std::unique_ptr<Simulator>> sim = Simulator::Create(scenario_, options);
  ASSERT_FALSE(sim.ok());
  std::vector<std::string> names;
  for (const PolicyInfo& p : ListPolicies()) names.push_back(p.name);
  EXPECT_EQ(std::string(sim.status().message()),
            StrCat("unknown policy 'magic'; known policies: ", StrJoin(names, ", ")));
  EXPECT_EQ(names.front(), "backfill-conservative");  // in name order
}

TEST_F(SimulatorTest, ProgressIsReportedAndEndsComplete) {
  for (int i = 0; i < 10; ++i) AddJob(i, 1, 5);
  SimOptions options;
  int calls = 0;
  SimProgress last;
  options.progress = [&](const SimProgress& p) {
    ++calls;
    last = p;
  };
  options.progress_every = 4;
  auto sim = Run(options);
  EXPECT_EQ(calls, 20 / 4 + 1);
  EXPECT_EQ(last.finished, 10);
  EXPECT_EQ(last.total_jobs, 10);
  EXPECT_EQ(last.events, 20);
}

TEST_F(SimulatorTest, TimelineSamplesTheStateBetweenEvents) {
  AddJob(0, 3, 100);   // [0, 100)
  AddJob(10, 2, 30);   // waits until 100
  AddJob(250, 4, 10);  // [250, 260)
  SimOptions options;
  options.sample_interval = 50;
  auto sim = Run(options);
  const Timeline& tl = sim->timeline();
  EXPECT_EQ(tl.times, (std::vector<Time>{0, 50, 100, 150, 200, 250, 260}));
  // A sample at t shows the state after every event at or before t: at 0 j0 runs; at 50 j1
  // waits too; at 100 j0 has ended and j1 runs (until 130); at 250 j2 runs; the last sample is
  // the final state at the end of the run (260).
  EXPECT_EQ(tl.used, (std::vector<int64_t>{3, 3, 2, 0, 0, 4, 0}));
  EXPECT_EQ(tl.pending_jobs, (std::vector<int64_t>{0, 1, 0, 0, 0, 0, 0}));
  EXPECT_EQ(tl.pending_accelerators, (std::vector<int64_t>{0, 2, 0, 0, 0, 0, 0}));
  EXPECT_EQ(tl.capacity, (std::vector<int64_t>(7, 4)));
  EXPECT_EQ(tl.used_first_party, tl.used);  // the tenant is the provider's own
}

TEST(StatsOf, NearestRank) {
  std::vector<Duration> v;
  for (int i = 100; i >= 1; --i) v.push_back(i);
  const DurationStats s = StatsOf(v);
  EXPECT_EQ(s.count, 100);
  EXPECT_DOUBLE_EQ(s.mean, 50.5);
  EXPECT_EQ(s.median, 50);
  EXPECT_EQ(s.p99, 99);
  EXPECT_EQ(s.max, 100);
  std::vector<Duration> one{7};
  EXPECT_EQ(StatsOf(one).p99, 7);
  std::vector<Duration> none;
  EXPECT_EQ(StatsOf(none).count, 0);
}

}  // namespace
}  // namespace arbiter
