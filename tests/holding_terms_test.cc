// What the end of a holding's term means (docs/market.md, "When a holding's term ends"), through
// the simulator, with times and money computed by hand: a commitment's runs go on in the parent
// pool at the tenant's on-demand price; a reservation's runs stop when it ends, checkpointed in
// time if the job checkpoints at all; no pool is ever more than full; utilisation is use over
// capacity (a holding's own charge is not use).
#include <memory>
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "model/testing.h"
#include "sim/metrics.h"
#include "sim/simulator.h"

namespace arbiter {
namespace {

using testing::AddTestPool;
using testing::TestJob;

// One provider p with one node of 8 H100 at $3.60/h on demand ($0.001 per accelerator-second);
// tenant lab holds an on-demand contract with it and a holding of all 8 over [0, 1 h) at $1.80/h.
class HoldingTerm : public ::testing::Test {
 protected:
  HoldingTerm() {
    Fleet& f = s_.fleet;
    h100_ = f.AddAcceleratorType("H100");
    p_ = f.AddProvider("p");
    pool_ = AddTestPool(f, f.AddRegion(p_, "r"), h100_, 1, 8, 3'600'000);
    lab_ = f.AddTenant({"lab", 1, std::nullopt});
    f.AddContract({lab_, p_, OnDemandTerms{}});
    s_.name = "holding-term";
  }
  void Commit() {
    s_.fleet.AddContract({lab_, p_, CommitmentTerms{h100_, std::nullopt, 8, 0, 3600, 1'800'000}});
  }
  void Reserve() {
    s_.fleet.AddContract({lab_, p_, ReservationTerms{h100_, std::nullopt, 8, 0, 3600, 1'800'000}});
  }
  JobId Add(std::string name, Time submit, Duration seconds, Duration checkpoint = 0) {
    Job job = TestJob(std::move(name), lab_, submit, 8, seconds, {{h100_, 1}});
    job.checkpoint_interval = checkpoint;
    s_.jobs.push_back(std::move(job));
    return JobId::FromIndex(s_.jobs.size() - 1);
  }
  std::unique_ptr<Simulator> Run(const std::string& policy = "fifo") {
    SimOptions options;
    options.policy = policy;
    options.sample_interval = 60;
    absl::StatusOr<std::unique_ptr<Simulator>> sim = Simulator::Create(s_, options);
    EXPECT_TRUE(sim.ok()) << sim.status().message();
    EXPECT_TRUE((*sim)->Run().ok());
    return *std::move(sim);
  }
  // Charges of `job`'s runs, in ledger order.
  static std::vector<Charge> ChargesOf(const Broker& b, JobId job) {
    std::vector<Charge> out;
    for (const Charge& c : b.ledger().charges()) {
      if (c.job == job) out.push_back(c);
    }
    return out;
  }

  Scenario s_;
  AcceleratorTypeId h100_;
  ProviderId p_;
  PoolId pool_;
  TenantId lab_;
};

TEST_F(HoldingTerm, ACommitmentsRunGoesOnInTheParentPoolAtTheOnDemandPrice) {
  Commit();
  const JobId long_job = Add("long", 0, 10800);
  const JobId late = Add("late", 7200, 3600);
  auto sim = Run();
  const Broker& b = sim->broker();
  const PoolId holding(1);  // the commitment's pool, after the fleet's own
  // `long` starts on the holding, goes on in the parent at 1 h and ends at 3 h, never stopped.
  EXPECT_EQ(b.outcome(long_job).first_start, 0);
  EXPECT_EQ(b.outcome(long_job).end, 10800);
  EXPECT_EQ(b.outcome(long_job).interruptions, 0);
  EXPECT_EQ(b.outcome(long_job).pool, pool_);
  const std::vector<Charge> charges = ChargesOf(b, long_job);
  ASSERT_EQ(charges.size(), 2u);
  EXPECT_EQ(charges[0].pool, holding);
  EXPECT_EQ(charges[0].kind, ChargeKind::kCommitted);
  EXPECT_EQ(charges[0].start, 0);
  EXPECT_EQ(charges[0].end, 3600);
  EXPECT_EQ(charges[0].amount, 0);  // the commitment's own charge pays for it
  EXPECT_EQ(charges[1].pool, pool_);
  EXPECT_EQ(charges[1].kind, ChargeKind::kOnDemand);
  EXPECT_EQ(charges[1].start, 3600);
  EXPECT_EQ(charges[1].end, 10800);
  EXPECT_EQ(charges[1].amount, 8 * 7200 * 1000);  // $57.60
  EXPECT_EQ(b.outcome(long_job).cost, 57'600'000);
  // `late` waits for the 8 H100 `long` still holds: 3 h to 4 h, not at once beside it.
  EXPECT_EQ(b.outcome(late).first_start, 10800);
  EXPECT_EQ(b.outcome(late).end, 14400);
  // The commitment: 8 x 1 h at $1.80, once.
  Micros committed = 0;
  for (const Charge& c : b.ledger().charges()) {
    if (!c.job.valid()) committed += c.amount;
  }
  EXPECT_EQ(committed, 8 * 1'800'000);
  // Never more than 8 in use, in the simulator's own samples.
  const Timeline& tl = sim->timeline();
  for (size_t i = 0; i < tl.samples(); ++i) {
    int64_t used = 0;
    for (size_t p = 0; p < tl.pools; ++p) {
      EXPECT_LE(tl.At(tl.used, i, p), tl.At(tl.capacity, i, p)) << "at " << tl.times[i];
      used += tl.At(tl.used, i, p);
    }
    EXPECT_LE(used, 8) << "at " << tl.times[i];
  }
}

TEST_F(HoldingTerm, AReservationsRunStopsAtItsEndCheckpointedInTime) {
  Reserve();
  const JobId long_job = Add("long", 0, 10800, /*checkpoint=*/600);
  const JobId late = Add("late", 7200, 3600);
  auto sim = Run();
  const Broker& b = sim->broker();
  const JobOutcome& o = b.outcome(long_job);
  // Stopped at 1 h with a final checkpoint (the end was announced): nothing lost. It asks for
  // the parent's capacity, which came back at 1 h, and does its last 2 h there on demand.
  EXPECT_EQ(o.interruptions, 1);
  EXPECT_EQ(o.lost_accelerator_seconds, 0);
  EXPECT_EQ(o.starts, 2);
  EXPECT_EQ(o.end, 10800);
  EXPECT_EQ(o.cost, 8 * 7200 * 1000);
  EXPECT_EQ(b.outcome(late).first_start, 10800);
}

TEST_F(HoldingTerm, AReservationsRunThatNeverCheckpointsLosesItsWork) {
  Reserve();
  const JobId long_job = Add("long", 0, 10800);
  auto sim = Run();
  const JobOutcome& o = sim->broker().outcome(long_job);
  // All of the first hour is lost; the whole 3 h run again on demand from 1 h: ends at 4 h.
  EXPECT_EQ(o.interruptions, 1);
  EXPECT_EQ(o.lost_accelerator_seconds, 8 * 3600);
  EXPECT_EQ(o.end, 3600 + 10800);
  EXPECT_EQ(o.cost, 8 * 10800 * 1000);
}

TEST_F(HoldingTerm, AHoldingUsedForExactlyItsTermIsFullyUtilised) {
  Commit();
  Add("exact", 0, 3600);
  auto sim = Run();
  const RunSummary s = Summarize(sim->scenario(), sim->broker(), {"fifo", 0, sim->end_time(), 0});
  // Over [0, 1 h): the holding's 8 H100 busy all the time, the parent had none left.
  ASSERT_EQ(s.pools.size(), 2u);
  EXPECT_EQ(s.pools[1].busy_accelerator_seconds, 8 * 3600);
  EXPECT_DOUBLE_EQ(s.pools[1].utilisation, 1.0);
  EXPECT_DOUBLE_EQ(s.providers[0].utilisation, 1.0);
  EXPECT_EQ(s.total_cost, 8 * 1'800'000);
}

TEST_F(HoldingTerm, ARejectedJobSaysWhyAndIsCountedByReason) {
  const AcceleratorTypeId t4 = s_.fleet.AddAcceleratorType("T4");
  s_.jobs.push_back(TestJob("t4-only", lab_, 0, 1, 60, {{t4, 1}}));
  s_.jobs.push_back(TestJob("too-wide", lab_, 0, 16, 60, {{h100_, 1}}));
  auto sim = Run();
  const Broker& b = sim->broker();
  EXPECT_EQ(b.outcome(JobId(0)).state, JobState::kRejected);
  EXPECT_EQ(b.outcome(JobId(0)).rejected_for, RejectReason::kNoType);
  EXPECT_EQ(b.outcome(JobId(0)).reason, "no pool has an accelerator type the job accepts (T4)");
  EXPECT_EQ(b.outcome(JobId(1)).rejected_for, RejectReason::kGangTooLarge);
  const RunSummary s = Summarize(sim->scenario(), b, {"fifo", 0, sim->end_time(), 0});
  EXPECT_EQ(s.rejected, 2);
  const std::vector<std::pair<std::string, int64_t>> expected = {{"no-pool-of-type", 1},
                                                                 {"gang-too-large", 1}};
  EXPECT_EQ(s.rejected_by_reason, expected);
}

}  // namespace
}  // namespace arbiter
