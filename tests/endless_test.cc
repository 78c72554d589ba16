// Runs that could never end, and memory that would grow with simulated time (issue 13, classes 3
// and 4): without a horizon, the simulator stops with a reason when no job can progress any more,
// keeps its outputs up to then, and its timeline stays bounded however long the run.
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "model/testing.h"
#include "sim/metrics.h"
#include "sim/simulator.h"

namespace arbiter {
namespace {

using testing::AddTestPool;
using testing::TestJob;

// Provider p: a spot pool S and an on-demand pool D, 1 node x 4 H100 each; tenant lab buys spot
// on S and on demand on D (at a higher price), the agents answer at once. One job of 4 for 1000 s.
class Endless : public ::testing::Test {
 protected:
  Endless() {
    Fleet& f = s_.fleet;
    s_.name = "endless";
    h100_ = f.AddAcceleratorType("H100");
    const ProviderId p = f.AddProvider("p");
    const ProviderId q = f.AddProvider("q");
    spot_ = AddTestPool(f, f.AddRegion(p, "r"), h100_, 1, 4, std::nullopt, 0, 1'800'000);
    on_demand_ = AddTestPool(f, f.AddRegion(q, "r"), h100_, 1, 4, 7'200'000);
    lab_ = f.AddTenant({"lab", 1, std::nullopt});
    f.AddContract({lab_, p, SpotTerms{}});
    f.AddContract({lab_, q, OnDemandTerms{}});
    Job job = TestJob("j0", lab_, 0, 4, 1000, {{h100_, 1}});
    job.nodes = 1;
    s_.jobs.push_back(job);
  }
  std::unique_ptr<Simulator> Run(const std::string& policy = "cost-greedy") {
    SimOptions options;
    options.policy = policy;
    absl::StatusOr<std::unique_ptr<Simulator>> sim = Simulator::Create(s_, options);
    EXPECT_TRUE(sim.ok()) << sim.status().message();
    EXPECT_TRUE((*sim)->Run().ok());
    return *std::move(sim);
  }

  Scenario s_;
  AcceleratorTypeId h100_;
  PoolId spot_, on_demand_;
  TenantId lab_;
};

// The spot trace is at zero for ever: every spot launch fails. With the default back-off the spot
// pool is avoided after its failure and the job runs on demand instead of retrying for ever.
TEST_F(Endless, ASpotPoolThatAlwaysFailsIsAvoidedAndTheJobRunsOnDemand) {
  s_.faults.spot.push_back({spot_, "zeros", 3600, {0, 0, 0}, 0, 0});
  auto sim = Run();
  const JobOutcome& o = sim->broker().outcome(JobId(0));
  EXPECT_EQ(o.state, JobState::kFinished);
  EXPECT_EQ(o.pool, on_demand_);
  EXPECT_GE(o.launch_failures, 1);
  EXPECT_TRUE(sim->stop_reason().empty());
}

// Every launch takes 10 minutes and times out after 1: nothing can ever start. The run stops.
TEST_F(Endless, LaunchesThatAlwaysTimeOutStopTheRunWithAReason) {
  s_.faults.configured = true;
  s_.faults.launch.configured = true;
  s_.faults.launch.latency = 600;
  s_.faults.launch.failure_latency = 600;
  s_.faults.launch.timeout = 60;
  auto sim = Run();
  EXPECT_NE(sim->stop_reason().find("no job can make progress"), std::string::npos)
      << sim->stop_reason();
  const JobOutcome& o = sim->broker().outcome(JobId(0));
  EXPECT_NE(o.state, JobState::kFinished);
  EXPECT_GT(o.launch_timeouts, 1);
  // The summary says so, and keeps what happened up to then.
  const RunSummary s =
      Summarize(sim->scenario(), sim->broker(),
                {"cost-greedy", 0, sim->end_time(), sim->events(), sim->stop_reason()});
  EXPECT_EQ(s.stop_reason, sim->stop_reason());
  EXPECT_EQ(s.finished, 0);
}

// A node fails every ~10 s on average and the job never checkpoints: no run of 1000 s can end.
TEST_F(Endless, FailuresFasterThanAnyRunStopTheRunWithAReason) {
  s_.faults.configured = true;
  s_.faults.node_failures.push_back({spot_, 10});
  s_.faults.node_failures.push_back({on_demand_, 10});
  auto sim = Run("fifo");
  EXPECT_NE(sim->stop_reason().find("no job can make progress"), std::string::npos);
  EXPECT_GT(sim->broker().outcome(JobId(0)).interruptions, 10);
}

// The same failures, but the job checkpoints every 5 s: each run saves a little, so it finishes.
TEST_F(Endless, FrequentFailuresWithCheckpointsStillFinish) {
  s_.faults.configured = true;
  s_.faults.node_failures.push_back({on_demand_, 20});
  s_.jobs[0].checkpoint_interval = 5;
  auto sim = Run("fifo");
  EXPECT_TRUE(sim->stop_reason().empty()) << sim->stop_reason();
  EXPECT_EQ(sim->broker().outcome(JobId(0)).state, JobState::kFinished);
}

// A job of 2^39 s sampled every hour would need 150 million samples; the timeline keeps at most
// Timeline::kMaxSamples (and the final state), on a coarser grid.
TEST_F(Endless, TheTimelineIsBoundedByItsSamplesNotBySimulatedTime) {
  s_.jobs[0] = TestJob("long", lab_, 0, 4, int64_t{1} << 39, {{h100_, 1}});
  s_.jobs[0].nodes = 1;
  auto sim = Run("fifo");
  EXPECT_EQ(sim->broker().outcome(JobId(0)).end, int64_t{1} << 39);
  const Timeline& tl = sim->timeline();
  EXPECT_LE(tl.samples(), Timeline::kMaxSamples + 1);
  EXPECT_GT(tl.interval, 3600);
  for (size_t i = 1; i + 1 < tl.samples(); ++i) {
    EXPECT_EQ(tl.times[i] - tl.times[i - 1], tl.interval);  // still a regular grid
  }
}

}  // namespace
}  // namespace arbiter
