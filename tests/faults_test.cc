// Failures, preemption and recovery through the simulator, on hand-built cases whose times and
// costs are computed by hand in the comments, and on the bundled spot-trace example (a golden).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "cli/commands.h"
#include "cli_case.h"
#include "formats/results.h"
#include "gtest/gtest.h"
#include "model/testing.h"
#include "sim/metrics.h"
#include "sim/simulator.h"

namespace arbiter {
namespace {

using testing::Slurp;

namespace fs = std::filesystem;
using testing::AddTestPool;
using testing::TestJob;

// Provider "a": pool A (region r1) and pool A2 (region r2); provider "b": pool B (region r3).
// Each is 1 node x 4 H100, on demand at $3.60, $5.40 and $7.20 per accelerator-hour (1000, 1500
// and 2000 micro-dollars per accelerator-second). The tenant "lab" buys on demand from both
// through the market (agents answer at once). One job: 4 accelerators, 1000 s of work, a
// checkpoint every 100 s of work, 50 GB per checkpoint. Faults: restarts take 30 s, checkpoints
// move at 1 GB/s, egress costs $0.09/GB out of a and $0.12/GB out of b.
class FaultsCase : public ::testing::Test {
 protected:
  FaultsCase() {
    Fleet& f = scenario_.fleet;
    scenario_.name = "faults-case";
    const AcceleratorTypeId h100 = f.AddAcceleratorType("H100");
    const ProviderId a = f.AddProvider("a");
    const ProviderId b = f.AddProvider("b");
    pool_a_ = AddTestPool(f, f.AddRegion(a, "r1"), h100, 1, 4, 3'600'000);
    pool_a2_ = AddTestPool(f, f.AddRegion(a, "r2"), h100, 1, 4, 5'400'000);
    pool_b_ = AddTestPool(f, f.AddRegion(b, "r3"), h100, 1, 4, 7'200'000);
    const TenantId lab = f.AddTenant({"lab", 1, std::nullopt});
    f.AddContract({lab, a, OnDemandTerms{}});
    f.AddContract({lab, b, OnDemandTerms{}});
    Job job = TestJob("j0", lab, 0, 4, 1000, {{h100, 1}});
    job.nodes = 1;
    job.checkpoint_interval = 100;
    job.checkpoint_bytes = 50'000'000'000;
    scenario_.jobs.push_back(job);
    Faults& faults = scenario_.faults;
    faults.configured = true;
    faults.restart_setup = 30;
    faults.transfer_bytes_per_second = 1'000'000'000;
    faults.egress_per_gb = {90'000, 120'000};
  }

  // A's node is revoked at `at` until t=2000.
  void RevokeA(Time at) { scenario_.faults.revocations.push_back({pool_a_, at, 1, 2000}); }

  std::unique_ptr<Simulator> Run(const std::string& recovery) {
    SimOptions options;
    options.recovery = recovery;
    absl::StatusOr<std::unique_ptr<Simulator>> sim = Simulator::Create(scenario_, options);
    EXPECT_TRUE(sim.ok()) << sim.status().message();
    if (!sim.ok()) return nullptr;
    const absl::Status s = (*sim)->Run();
    EXPECT_TRUE(s.ok()) << s.message();
    return *std::move(sim);
  }

  Scenario scenario_;
  PoolId pool_a_, pool_a2_, pool_b_;
};

TEST_F(FaultsCase, KilledJustBeforeACheckpointLosesAlmostAWholeInterval) {
  RevokeA(199);
  const auto sim = Run("any-pool");
  const JobOutcome& o = sim->broker().outcome(JobId(0));
  // Killed at 199: the checkpoint at 100 s kept 100 s of work; 99 s x 4 accelerators are lost,
  // at $3.60/h: 396 x 1000 = 396,000 micro-dollars. It restarts on A2 (cheaper than B) at once:
  // 30 s of restore, then 900 s of work, so it ends at 199 + 930 = 1129.
  EXPECT_EQ(o.interruptions, 1);
  EXPECT_EQ(o.lost_accelerator_seconds, 396);
  EXPECT_EQ(o.lost_cost, 396'000);
  EXPECT_EQ(o.pool, pool_a2_);
  EXPECT_EQ(o.end, 1129);
  EXPECT_EQ(o.migrations, 0);
  // Paid: 199 s on A (796,000) and 930 s on A2 at 1500 (5,580,000).
  EXPECT_EQ(o.cost, 796'000 + 5'580'000);
  // Useful: 100 s on A and 900 s on A2, of 1129 s paid, 4 accelerators each.
  EXPECT_EQ(o.useful_accelerator_seconds, 4 * 1000);
  EXPECT_EQ(o.accelerator_seconds, 4 * 1129);
}

TEST_F(FaultsCase, KilledJustAfterACheckpointLosesOneSecond) {
  RevokeA(201);
  const auto sim = Run("any-pool");
  const JobOutcome& o = sim->broker().outcome(JobId(0));
  // The checkpoint at 200 s kept 200 s of work: 1 s x 4 lost (4,000 micro-dollars). Then 30 s of
  // restore and 800 s of work on A2: the end is 201 + 830 = 1031.
  EXPECT_EQ(o.lost_accelerator_seconds, 4);
  EXPECT_EQ(o.lost_cost, 4'000);
  EXPECT_EQ(o.end, 1031);
  EXPECT_EQ(o.cost, 4 * 201 * 1000 + 4 * 830 * 1500);
}

TEST_F(FaultsCase, OtherProviderMigratesTheCheckpointAndPaysEgress) {
  RevokeA(250);
  const auto sim = Run("other-provider");
  const Broker& broker = sim->broker();
  const JobOutcome& o = broker.outcome(JobId(0));
  // Killed at 250 on a's pool A: the checkpoint at 200 s is kept, 50 s x 4 = 200 accelerator-
  // seconds are lost (200,000 micro-dollars). other-provider restarts it on b's pool B at 250:
  // the 50 GB checkpoint moves at 1 GB/s (50 s) before the 30 s restore, so its setup is 80 s;
  // 800 s of work remain, so it ends at 250 + 80 + 800 = 1130. Egress out of a: 50 GB x $0.09 =
  // $4.50.
  EXPECT_EQ(o.pool, pool_b_);
  EXPECT_EQ(o.end, 1130);
  EXPECT_EQ(o.migrations, 1);
  EXPECT_EQ(o.egress_cost, 4'500'000);
  EXPECT_EQ(o.lost_accelerator_seconds, 200);
  EXPECT_EQ(o.lost_cost, 200'000);
  // Paid: 250 s on A (1,000,000), egress (4,500,000), 880 s on B at 2000 (7,040,000).
  EXPECT_EQ(o.cost, 1'000'000 + 4'500'000 + 7'040'000);
  EXPECT_EQ(o.accelerator_seconds, 4 * 1130);
  EXPECT_EQ(o.useful_accelerator_seconds, 4 * 1000);
  int egress = 0;
  for (const Charge& c : broker.ledger().charges()) {
    if (c.kind != ChargeKind::kEgress) continue;
    ++egress;
    EXPECT_EQ(c.provider, ProviderId(0));  // the provider it leaves
    EXPECT_EQ(c.pool, pool_a_);
    EXPECT_EQ(c.job, JobId(0));
    EXPECT_EQ(c.start, 250);
    EXPECT_EQ(c.amount, 4'500'000);
  }
  EXPECT_EQ(egress, 1);

  const RunSummary s = Summarize(sim->scenario(), broker, {"fifo", 0, sim->end_time(), 0});
  const RecoveryFigures& lab = s.tenants[0].recovery;
  EXPECT_EQ(lab.interruptions, 1);
  EXPECT_EQ(lab.restarts, 1);
  EXPECT_EQ(lab.migrations, 1);
  EXPECT_EQ(lab.lost_accelerator_seconds, 200);
  EXPECT_EQ(lab.egress_cost, 4'500'000);
  EXPECT_EQ(lab.useful_accelerator_seconds, 4000);
  EXPECT_EQ(lab.paid_accelerator_seconds, 4520);
  EXPECT_DOUBLE_EQ(lab.goodput, 4000.0 / 4520.0);
  EXPECT_EQ(s.tenants[0].cost_by_kind.egress, 4'500'000);
  // By provider: a had the kill and the checkpoint left it; b ran the rest.
  const RecoveryFigures& a = s.providers[0].recovery;
  EXPECT_EQ(a.interruptions, 1);
  EXPECT_EQ(a.migrations, 1);
  EXPECT_EQ(a.lost_accelerator_seconds, 200);
  EXPECT_EQ(a.egress_cost, 4'500'000);
  EXPECT_EQ(a.useful_accelerator_seconds, 800);
  EXPECT_EQ(a.paid_accelerator_seconds, 1000);
  const RecoveryFigures& b = s.providers[1].recovery;
  EXPECT_EQ(b.interruptions, 0);
  EXPECT_EQ(a.restarts, 0);
  EXPECT_EQ(b.restarts, 1);  // the restart ran on b
  EXPECT_EQ(b.useful_accelerator_seconds, 3200);
  EXPECT_EQ(b.paid_accelerator_seconds, 3520);
  // jobs.csv: the new columns.
  const std::string csv = JobsCsv(sim->scenario(), sim->scenario().jobs, broker.outcomes());
  // Two launches (no launch model: each up at once).
  EXPECT_NE(csv.find(",finished,1,1,1,0.0556,0.200000,4.500000,0.8850,2,0,0,0.000000,\n"),
            std::string::npos)
      << csv;
}

TEST_F(FaultsCase, SamePoolWaitsForItsCapacityToReturn) {
  RevokeA(250);
  const auto sim = Run("same-pool");
  const JobOutcome& o = sim->broker().outcome(JobId(0));
  // A comes back at 2000; the job restarts there: 30 s of restore, 800 s of work.
  EXPECT_EQ(o.pool, pool_a_);
  EXPECT_EQ(o.end, 2830);
  EXPECT_EQ(o.migrations, 0);
  EXPECT_EQ(o.cost, 4 * 250 * 1000 + 4 * 830 * 1000);
}

TEST_F(FaultsCase, RegionOutageKillsAndRestoresItsPools) {
  // r1 (pool A) is down over [300, 400); same-pool waits for it.
  scenario_.faults.outages.push_back({RegionId(0), 300, 400});
  const auto sim = Run("same-pool");
  const JobOutcome& o = sim->broker().outcome(JobId(0));
  // Killed at 300 just as the checkpoint at 300 s is taken: nothing lost but the run keeps
  // 300 s. Back at 400: 30 s restore, 700 s of work, end at 1130.
  EXPECT_EQ(o.interruptions, 1);
  EXPECT_EQ(o.lost_accelerator_seconds, 0);
  EXPECT_EQ(o.end, 1130);
  EXPECT_EQ(sim->broker().capacity(pool_a_), 4);
}

TEST_F(FaultsCase, AnUnknownRecoveryPolicyNamesWhereItCameFrom) {
  SimOptions options;
  options.recovery = "nearest";
  absl::StatusOr<std::unique_ptr<Simulator>> sim = Simulator::Create(scenario_, options);
  ASSERT_FALSE(sim.ok());
  EXPECT_EQ(sim.status().message(),
            "--recovery: unknown recovery policy 'nearest'; expected one of any-pool, on-demand, "
            "other-provider, same-pool");
  scenario_.faults.recovery = "sideways";
  sim = Simulator::Create(scenario_, SimOptions{});
  ASSERT_FALSE(sim.ok());
  EXPECT_EQ(sim.status().message(),
            "faults.recovery: unknown recovery policy 'sideways'; expected one of any-pool, "
            "on-demand, other-provider, same-pool");
}

TEST_F(FaultsCase, NodeFailuresAreDeterministicPerSeed) {
  scenario_.faults.node_failures.push_back({pool_a_, 600});
  scenario_.faults.node_failures.push_back({pool_a2_, 600});
  scenario_.faults.node_failures.push_back({pool_b_, 600});
  const auto run = [this](uint64_t seed) {
    SimOptions options;
    options.seed = seed;
    auto sim = *Simulator::Create(scenario_, options);
    EXPECT_TRUE(sim->Run().ok());
    return SummaryJson(sim->scenario(), Summarize(sim->scenario(), sim->broker(),
                                                  {"fifo", seed, sim->end_time(), 0}));
  };
  const std::string first = run(1);
  EXPECT_EQ(run(1), first);
  // With a mean of 600 s per node and 1000 s of work, the job is interrupted at least once for
  // most seeds; some seed of the first few must differ from seed 1.
  bool differs = false;
  for (uint64_t seed = 2; seed < 6 && !differs; ++seed) differs = run(seed) != first;
  EXPECT_TRUE(differs);
  EXPECT_NE(first.find("\"interruptions\""), std::string::npos);
}

// Provider "a" sells pool S (1 node x 4 H100, spot only, $1.80/h = 500 micro-dollars per
// accelerator-second) and pool D (1 x 4, on demand, $3.60/h = 1000); "lab" has a spot and an
// on-demand contract with it. One job of 4 accelerators, 1000 s of work, a checkpoint every
// 100 s. S's spot capacity follows a trace with a tick every 100 s from t=50: counts 1, 1, 1, 0,
// 0, 1, so the allowance drops to nothing at t=350 and comes back at t=550.
class SpotTraceCase : public ::testing::Test {
 protected:
  SpotTraceCase() {
    Fleet& f = scenario_.fleet;
    scenario_.name = "spot-trace-case";
    const AcceleratorTypeId h100 = f.AddAcceleratorType("H100");
    const ProviderId a = f.AddProvider("a");
    pool_s_ = AddTestPool(f, f.AddRegion(a, "r1"), h100, 1, 4, std::nullopt, 0, 1'800'000);
    pool_d_ = AddTestPool(f, f.AddRegion(a, "r2"), h100, 1, 4, 3'600'000);
    const TenantId lab = f.AddTenant({"lab", 1, std::nullopt});
    f.AddContract({lab, a, SpotTerms{}});
    f.AddContract({lab, a, OnDemandTerms{}});
    Job job = TestJob("j0", lab, 0, 4, 1000, {{h100, 1}});
    job.nodes = 1;
    job.checkpoint_interval = 100;
    scenario_.jobs.push_back(job);
    scenario_.faults.configured = true;
    SpotPreemption trace;
    trace.pool = pool_s_;
    trace.gap = 100;
    trace.start = 50;
    trace.counts = {1, 1, 1, 0, 0, 1};
    scenario_.faults.spot.push_back(trace);
  }

  std::unique_ptr<Simulator> Run() {
    auto sim = Simulator::Create(scenario_, SimOptions{});
    if (!sim.ok()) ADD_FAILURE() << sim.status().message();
    if (!sim.ok()) return nullptr;
    EXPECT_TRUE((*sim)->Run().ok());
    return *std::move(sim);
  }

  Scenario scenario_;
  PoolId pool_s_, pool_d_;
};

TEST_F(SpotTraceCase, ATraceDropPreemptsAndBackOffSendsTheJobElsewhere) {
  scenario_.faults.backoff = 100;
  const auto sim = Run();
  ASSERT_NE(sim, nullptr);
  const Broker& broker = sim->broker();
  const JobOutcome& o = broker.outcome(JobId(0));
  // Preempted at 350: the checkpoint at 300 s kept 300 s; 50 s x 4 lost at $1.80/h (100,000).
  // S is backed off until 450, so FIFO takes D at once: 700 s of work, the end at 1050.
  EXPECT_EQ(o.interruptions, 1);
  EXPECT_EQ(o.lost_accelerator_seconds, 200);
  EXPECT_EQ(o.lost_cost, 100'000);
  EXPECT_EQ(o.pool, pool_d_);
  EXPECT_EQ(o.end, 1050);
  EXPECT_EQ(o.cost, 4 * 350 * 500 + 4 * 700 * 1000);
  EXPECT_EQ(broker.learning(pool_s_).kills, 1);
  EXPECT_EQ(broker.learning(pool_s_).launch_failures, 0);
  EXPECT_EQ(broker.learning(pool_s_).avoid_until, 450);
}

TEST_F(SpotTraceCase, WithoutBackOffSpotLaunchesFailUntilTheTraceComesBack) {
  const auto sim = Run();
  ASSERT_NE(sim, nullptr);
  const Broker& broker = sim->broker();
  const JobOutcome& o = broker.outcome(JobId(0));
  // Preempted at 350; FIFO puts it back on S (cheapest), where spot launches fail at 350, 410,
  // 470 and 530 (a retry every 60 s); the one at 590 holds (spot is back since 550): 700 s of
  // work, the end at 1290. Paid: 350 s + 700 s on S.
  EXPECT_EQ(o.interruptions, 1);
  EXPECT_EQ(o.pool, pool_s_);
  EXPECT_EQ(o.end, 1290);
  EXPECT_EQ(o.cost, 4 * (350 + 700) * 500);
  EXPECT_EQ(broker.learning(pool_s_).launches, 6);
  EXPECT_EQ(broker.learning(pool_s_).launch_failures, 4);
  EXPECT_EQ(broker.learning(pool_s_).kills, 1);
  // The hold estimate: 6 launches, 4 failed, 1 killed: (1 + 1) / (6 + 2).
  EXPECT_EQ(broker.HoldPpm(pool_s_), 250'000);
}

TEST_F(SpotTraceCase, RateDrivenPreemptionIsSeededAndHitsOnlySpotRuns) {
  // No trace: each spot run on S is preempted after an exponential time with a mean of 200 s
  // (a 1000 s run survives with probability e^-5), and the same on D, which sells no spot.
  scenario_.faults.spot.clear();
  scenario_.faults.spot.push_back({pool_s_, "", 0, {}, 0, 200});
  scenario_.faults.spot.push_back({pool_d_, "", 0, {}, 0, 200});
  const auto run = [this](uint64_t seed) {
    SimOptions options;
    options.seed = seed;
    auto sim = *Simulator::Create(scenario_, options);
    EXPECT_TRUE(sim->Run().ok());
    return sim;
  };
  const auto first = run(7);
  const JobOutcome& o = first->broker().outcome(JobId(0));
  EXPECT_EQ(o.state, JobState::kFinished);
  EXPECT_GT(o.interruptions, 0);
  // Every restart is on S (the cheapest), and each loses what it did since its checkpoint.
  EXPECT_EQ(o.pool, pool_s_);
  EXPECT_GT(o.lost_accelerator_seconds, 0);
  EXPECT_EQ(o.useful_accelerator_seconds, 4 * 1000);
  const auto again = run(7);
  EXPECT_EQ(again->broker().outcome(JobId(0)).end, o.end);
  EXPECT_EQ(again->broker().outcome(JobId(0)).interruptions, o.interruptions);
  EXPECT_EQ(again->broker().outcome(JobId(0)).lost_accelerator_seconds, o.lost_accelerator_seconds);

  // On demand, the same rate does nothing: D's runs are not spot.
  scenario_.fleet.contracts.erase(scenario_.fleet.contracts.begin());  // no spot contract
  const auto on_demand = run(7);
  const JobOutcome& d = on_demand->broker().outcome(JobId(0));
  EXPECT_EQ(d.pool, pool_d_);
  EXPECT_EQ(d.interruptions, 0);
  EXPECT_EQ(d.end, 1000);
}

// Launches that take time on the spot trace above: a launch is up after 30 s, a failed one is
// reported after 20 s. With `parallel`, a second spot pool S2 of provider a (region r3, no trace,
// $2.16/h = 600 per accelerator-second) is there to try at the same time.
class LaunchCase : public SpotTraceCase {
 protected:
  LaunchCase() {
    LaunchModel& launch = scenario_.faults.launch;
    launch.configured = true;
    launch.latency = 30;
    launch.failure_latency = 20;
  }
  void AddS2() {
    Fleet& f = scenario_.fleet;
    pool_s2_ = AddTestPool(f, f.AddRegion(ProviderId(0), "r3"), AcceleratorTypeId(0), 1, 4,
                           std::nullopt, 0, 2'160'000);
  }
  PoolId pool_s2_;
};

TEST_F(LaunchCase, OneAttemptAtATimeRetriesUntilTheTraceComesBack) {
  AddS2();  // never tried: S is cheaper and nothing tries two pools
  const auto sim = Run();
  ASSERT_NE(sim, nullptr);
  const JobOutcome& o = sim->broker().outcome(JobId(0));
  // Launched on S at 0, up at 30: 1000 s of work from 30. Preempted at 350: 320 s of work, the
  // checkpoint at 300 kept; lost: 350 s paid less 300 kept, x 4 = 200. Back on S at 350: the
  // launches at 350, 430 and 510 fail 20 s later (spot is gone until 550) and are retried 60 s
  // after; the one at 590 is up at 620 and does the last 700 s: the end at 1320. Paid: 350 s and
  // 730 s on S at 500.
  EXPECT_EQ(o.end, 1320);
  EXPECT_EQ(o.pool, pool_s_);
  EXPECT_EQ(o.lost_accelerator_seconds, 200);
  EXPECT_EQ(o.cost, 4 * (350 + 730) * 500);
  EXPECT_EQ(o.launch_attempts, 5);
  EXPECT_EQ(o.launch_failures, 3);
  EXPECT_EQ(o.launch_wait, 60);
  EXPECT_EQ(o.first_start, 0);
  EXPECT_EQ(sim->broker().learning(pool_s_).launch_failures, 3);
}

TEST_F(LaunchCase, TwoPoolsAtOnceRestartOnTheOtherZoneWhileTheFirstFails) {
  AddS2();
  scenario_.faults.launch.parallel = 2;
  const auto sim = Run();
  ASSERT_NE(sim, nullptr);
  const JobOutcome& o = sim->broker().outcome(JobId(0));
  // At 0 on S and S2; both up at 30, S first (launched first): S2 is cancelled and pays its 30 s
  // (4 x 30 x 600 = 72,000). Preempted on S at 350 as before; launched on S and S2 again: S fails
  // at 370, S2 is up at 380 and does the last 700 s: the end at 1080. Paid: 350 s on S at 500,
  // 730 s on S2 at 600, and S2's first 30 s.
  EXPECT_EQ(o.end, 1080);
  EXPECT_EQ(o.pool, pool_s2_);
  EXPECT_EQ(o.cost, 4 * 350 * 500 + 4 * 730 * 600 + 72'000);
  EXPECT_EQ(o.launch_waste_cost, 72'000);
  EXPECT_EQ(o.launch_attempts, 4);
  EXPECT_EQ(o.launch_failures, 1);
  EXPECT_EQ(o.launches_cancelled, 1);
  EXPECT_EQ(o.launch_wait, 60);
  // The whole-run figures: a restart on a, one cancelled attempt, 0.03 accelerator-hours wasted.
  const RunSummary s = Summarize(sim->scenario(), sim->broker(), {"fifo", 0, sim->end_time(), 0});
  EXPECT_EQ(s.recovery.launch.attempts, 4);
  EXPECT_EQ(s.recovery.launch.up, 2);
  EXPECT_EQ(s.recovery.launch.cancelled, 1);
  EXPECT_EQ(s.recovery.launch.waste_accelerator_seconds, 120);
  EXPECT_EQ(s.providers[0].recovery.restarts, 1);
  EXPECT_EQ(s.providers[0].recovery.launch.failed, 1);
}

TEST_F(LaunchCase, ATimeoutGivesUpOnALaunchThatWouldReportItsFailureLate) {
  scenario_.faults.launch.failure_latency = 200;
  const auto sim_late = Run();
  ASSERT_NE(sim_late, nullptr);
  // Without a timeout: the launch at 350 reports its failure at 550, the retry at 610 is up at
  // 640, the end at 1340.
  EXPECT_EQ(sim_late->broker().outcome(JobId(0)).end, 1340);
  scenario_.faults.launch.timeout = 50;
  const auto sim = Run();
  ASSERT_NE(sim, nullptr);
  const JobOutcome& o = sim->broker().outcome(JobId(0));
  // With a 50 s timeout: the launch at 350 is given up at 400, the retry at 460 at 510, and the
  // retry at 570 is up at 600: the end at 1300.
  EXPECT_EQ(o.end, 1300);
  EXPECT_EQ(o.launch_attempts, 4);
  EXPECT_EQ(o.launch_failures, 2);
  EXPECT_EQ(o.launch_timeouts, 2);
}

// --- The bundled example on real spot traces -----------------------------------------------------

TEST(SpotFaultsExample, MatchesTheGoldenSummary) {
  const fs::path dir = fs::path(::testing::TempDir()) / "arbiter-spot-faults";
  fs::remove_all(dir);
  SimulateArgs args;
  args.scenario = "examples/spot-faults.yaml";
  args.out = dir.string();
  args.quiet = true;
  args.audit = false;
  ASSERT_EQ(RunSimulate(args, stdout, stderr), 0);
  const std::string golden = Slurp("tests/golden/spot-faults.summary.json");
  ASSERT_FALSE(golden.empty()) << "missing golden file";
  EXPECT_EQ(Slurp(dir / "summary.json"), golden)
      << "summary.json differs from tests/golden/spot-faults.summary.json; if the change is "
         "intended, regenerate the goldens with scripts/update-goldens.sh";
}

TEST(SpotFaultsExample, ValidateSummarisesTheFaults) {
  std::FILE* out = std::tmpfile();
  ASSERT_EQ(RunValidate("examples/spot-faults.yaml", {}, out, stderr), 0);
  std::rewind(out);
  char buf[4096];
  const std::string text(buf, std::fread(buf, 1, sizeof(buf), out));
  std::fclose(out);
  EXPECT_NE(text.find("  faults: recovery other-provider; node failures on 1 pools, spot "
                      "preemption on 2, 1 revocations, 1 outages\n"),
            std::string::npos)
      << text;
  // A misspelt recovery policy is caught before any run.
  std::FILE* err = std::tmpfile();
  ASSERT_EQ(RunValidate("examples/spot-faults.yaml", {"faults.recovery=same-zone"}, stdout, err),
            2);
  std::rewind(err);
  const std::string message(buf, std::fread(buf, 1, sizeof(buf), err));
  std::fclose(err);
  // The error blames the --set that wrote the name, not a line of the file.
  EXPECT_EQ(message,
            "arbiter: --set 'faults.recovery=same-zone': faults.recovery: unknown recovery policy "
            "'same-zone'; expected one of any-pool, on-demand, other-provider, same-pool\n");
}

// Whatever the recovery policy, every job finishes and the useful accelerator-hours are exactly
// the work of the 60 jobs (the sum of accelerators x duration in spot-faults.jobs.csv: 33,764,640
// accelerator-seconds, 9379.067 h); only what was lost and paid around it differs.
TEST(SpotFaultsExample, EveryRecoveryPolicyFinishesTheWorkload) {
  for (const char* recovery : {"any-pool", "same-pool", "other-provider", "on-demand"}) {
    SCOPED_TRACE(recovery);
    const fs::path dir = fs::path(::testing::TempDir()) / "arbiter-spot-faults-recovery";
    fs::remove_all(dir);
    SimulateArgs args;
    args.scenario = "examples/spot-faults.yaml";
    args.out = dir.string();
    args.quiet = true;
    args.audit = false;
    args.recovery = recovery;
    ASSERT_EQ(RunSimulate(args, stdout, stderr), 0);
    const std::string summary = Slurp(dir / "summary.json");
    EXPECT_NE(summary.find("\"not_finished\": 0,"), std::string::npos) << summary.substr(0, 400);
    const size_t run = summary.rfind("\n  \"recovery\": {");
    ASSERT_NE(run, std::string::npos);
    EXPECT_NE(summary.find("\"useful_accelerator_hours\": 9379.067,", run), std::string::npos)
        << summary.substr(run, 400);
  }
}

}  // namespace
}  // namespace arbiter
