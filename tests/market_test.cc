// The capacity market end to end through the simulator: holdings billing, delivery late and not
// at all, first-party priority and the provider's preemption of spot work, and what a tenant
// gets to see. Times and money are computed by hand in each test.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "model/testing.h"
#include "sim/metrics.h"
#include "sim/simulator.h"

namespace arbiter {
namespace {

using testing::AddTestPool;
using testing::TestJob;

constexpr Micros kDollar = 1'000'000;

std::unique_ptr<Simulator> Simulate(Scenario scenario, Time horizon = kNever) {
  SimOptions options;
  options.horizon = horizon;
  absl::StatusOr<std::unique_ptr<Simulator>> sim = Simulator::Create(std::move(scenario), options);
  EXPECT_TRUE(sim.ok()) << sim.status().message();
  const absl::Status s = (*sim)->Run();
  EXPECT_TRUE(s.ok()) << s.message();
  return *std::move(sim);
}

Micros Sum(const Broker& b, ChargeKind kind) {
  Micros total = 0;
  for (const Charge& c : b.ledger().charges()) total += c.kind == kind ? c.amount : 0;
  return total;
}

std::vector<AuditKind> Kinds(const Broker& b, JobId job) {
  std::vector<AuditKind> kinds;
  for (const AuditRecord& r : b.audit()) {
    if (r.job == job) kinds.push_back(r.kind);
  }
  return kinds;
}

// Provider p with one H100 pool of 4 nodes x 8 at $4/h; tenant lab with an on-demand contract.
class HoldingsBilling : public ::testing::Test {
 protected:
  HoldingsBilling() {
    Fleet& f = s_.fleet;
    h100_ = f.AddAcceleratorType("H100");
    p_ = f.AddProvider("p");
    pool_ = AddTestPool(f, f.AddRegion(p_, "r"), h100_, 4, 8, 4 * kDollar);
    lab_ = f.AddTenant({"lab", 1, std::nullopt});
    other_ = f.AddTenant({"other", 1, std::nullopt});
    f.AddContract({lab_, p_, OnDemandTerms{}});
    f.AddContract({other_, p_, OnDemandTerms{}});
    s_.name = "holdings";
  }
  void Job(std::string name, TenantId tenant, Time submit, int32_t gang, Duration seconds) {
    s_.jobs.push_back(TestJob(std::move(name), tenant, submit, gang, seconds, {{h100_, 1}}));
  }

  Scenario s_;
  AcceleratorTypeId h100_;
  ProviderId p_;
  PoolId pool_;
  TenantId lab_, other_;
};

TEST_F(HoldingsBilling, CommitmentIsPaidAsItAccruesWhetherUsedOrNot) {
  // 16 committed H100 over [0, 10 h) at $2.50: $40 an hour, used or not.
  s_.fleet.AddContract({lab_, p_, CommitmentTerms{h100_, std::nullopt, 16, 0, 36000, 2'500'000}});
  // The holding takes 2 of the pool's 4 nodes: 16 H100 are left for the market.
  Job("fits", lab_, 0, 8, 3600);      // in the holding: no request, no usage charge
  Job("wide", lab_, 0, 16, 1800);     // 8 held are free, but 16 do not fit there: to the market
  Job("other", other_, 0, 16, 3600);  // cannot use the 8 idle held H100: waits for the market
  auto sim = Simulate(s_, /*horizon=*/7200);
  const Broker& b = sim->broker();
  EXPECT_EQ(b.outcome(JobId(0)).pool, PoolId(1));  // the holding pool
  EXPECT_EQ(b.outcome(JobId(0)).cost, 0);
  EXPECT_TRUE(Kinds(b, JobId(0)).empty());  // never went to the market
  EXPECT_EQ(b.outcome(JobId(1)).pool, pool_);
  EXPECT_EQ(b.outcome(JobId(1)).cost, 16 * 1800 * 4 * kDollar / 3600);  // $32
  EXPECT_EQ(b.outcome(JobId(2)).first_start, 1800);
  // The run stops at 2 h: 2 h of the commitment accrued, $80, though its jobs used 1 h of 8.
  EXPECT_EQ(Sum(b, ChargeKind::kCommitted), 80 * kDollar);
}

TEST_F(HoldingsBilling, CommitmentAccruesOnlyOverItsTerm) {
  s_.fleet.AddContract(
      {lab_, p_, CommitmentTerms{h100_, std::nullopt, 8, 3600, 7200, 3 * kDollar}});
  Job("late", lab_, 0, 8, 100);
  auto sim = Simulate(s_, /*horizon=*/20000);
  // [3600, 7200) x 8 x $3 = $24, although the run went on to 20000 s.
  EXPECT_EQ(Sum(sim->broker(), ChargeKind::kCommitted), 24 * kDollar);
}

TEST_F(HoldingsBilling, ReservationIsPaidInFullForItsWindow) {
  // 8 H100 booked for [2 h, 4 h) at $3: $48 upfront, even though the run ends before it opens.
  s_.fleet.AddContract(
      {lab_, p_, ReservationTerms{h100_, std::nullopt, 8, 7200, 14400, 3 * kDollar}});
  Job("early", lab_, 0, 8, 600);  // before the window: goes to the market
  auto sim = Simulate(s_);
  const Broker& b = sim->broker();
  EXPECT_EQ(b.outcome(JobId(0)).pool, pool_);
  EXPECT_EQ(b.outcome(JobId(0)).end, 600);
  EXPECT_EQ(sim->end_time(), 14400);  // the window's end is the last event
  EXPECT_EQ(Sum(b, ChargeKind::kReserved), 48 * kDollar);
  EXPECT_EQ(Sum(b, ChargeKind::kOnDemand), 8 * 600 * 4 * kDollar / 3600);
}

// primary (the lab's rofr holder, optimistic agent answering in 20 s) and neo (deliverable,
// instant): one pool of 1 node x 8 H100 each, $4/h and $5/h. primary's own job fills its pool.
class Delivery : public ::testing::Test {
 protected:
  Delivery() {
    Fleet& f = s_.fleet;
    const AcceleratorTypeId h100 = f.AddAcceleratorType("H100");
    AgentConfig optimistic;
    optimistic.policy = "optimistic";
    optimistic.response_time = 20;
    primary_ = f.AddProvider("primary", optimistic);
    neo_ = f.AddProvider("neo");
    pool_primary_ = AddTestPool(f, f.AddRegion(primary_, "r"), h100, 1, 8, 4 * kDollar);
    pool_neo_ = AddTestPool(f, f.AddRegion(neo_, "r"), h100, 1, 8, 5 * kDollar);
    const TenantId own = f.AddTenant({"primary-models", 1, primary_});
    lab_ = f.AddTenant({"lab", 1, std::nullopt});
    f.AddContract({lab_, primary_, OnDemandTerms{}});
    f.AddContract({lab_, neo_, OnDemandTerms{}});
    RofrTerms rofr;
    rofr.mode = RofrMode::kRofo;
    rofr.window = 60;
    rofr.grace = 300;
    f.AddContract({lab_, primary_, rofr});
    s_.jobs.push_back(TestJob("own", own, 0, 8, 0, {{h100, 1}}));  // work set per test
    s_.jobs.push_back(TestJob("lab", lab_, 10, 8, 3600, {{h100, 1}}));
  }

  Scenario s_;
  ProviderId primary_, neo_;
  PoolId pool_primary_, pool_neo_;
  TenantId lab_;
};

TEST_F(Delivery, AcceptedCapacityArrivingWithinGraceIsLate) {
  s_.jobs[0].work = 200;  // primary's own job ends at 200
  auto sim = Simulate(s_);
  const Broker& b = sim->broker();
  // At 10 the lab's job asks (neo had room); primary answers at 30 and promises its full pool.
  // Its capacity frees at 200, within 30 + 300: delivered late, on primary, at $4.
  EXPECT_EQ(b.outcome(JobId(1)).pool, pool_primary_);
  EXPECT_EQ(b.outcome(JobId(1)).first_start, 200);
  EXPECT_EQ(b.outcome(JobId(1)).end, 3800);
  EXPECT_EQ(b.outcome(JobId(1)).cost, 8 * 4 * kDollar);
  EXPECT_EQ(Kinds(b, JobId(1)),
            (std::vector<AuditKind>{AuditKind::kRequest, AuditKind::kAsk, AuditKind::kOffer,
                                    AuditKind::kAward, AuditKind::kLate}));
  EXPECT_EQ(b.rofr_wait(lab_), 20);
}

TEST_F(Delivery, AcceptedCapacityNotDeliveredIsReleasedToTheMarket) {
  s_.jobs[0].work = 1000;  // primary's own job holds its pool past 30 + 300
  auto sim = Simulate(s_);
  const Broker& b = sim->broker();
  // Released at 330; the second request skips the first look and leaves out primary, which
  // missed: neo answers at once and the job starts there at 330.
  EXPECT_EQ(b.outcome(JobId(1)).pool, pool_neo_);
  EXPECT_EQ(b.outcome(JobId(1)).first_start, 330);
  EXPECT_EQ(b.outcome(JobId(1)).cost, 8 * 5 * kDollar);
  int releases = 0;
  for (const AuditRecord& r : b.audit()) {
    if (r.kind != AuditKind::kRelease) continue;
    ++releases;
    EXPECT_EQ(r.time, 330);
    EXPECT_EQ(r.provider, primary_);
    EXPECT_EQ(r.start, 30);
  }
  EXPECT_EQ(releases, 1);
}

// rival: one pool of 2 nodes x 8 H100 at $4/h (spot $1.50), agent "reserve" keeping half for its
// own teams. lab buys spot.
class FirstParty : public ::testing::Test {
 protected:
  explicit FirstParty(bool preempt = true) {
    Fleet& f = s_.fleet;
    h100_ = f.AddAcceleratorType("H100");
    AgentConfig reserve;
    reserve.policy = "reserve";
    reserve.reserve = 500'000;
    reserve.preempt_spot = preempt;
    rival_ = f.AddProvider("rival", reserve);
    pool_ = AddTestPool(f, f.AddRegion(rival_, "r"), h100_, 2, 8, 4 * kDollar, 0, 1'500'000);
    own_ = f.AddTenant({"rival-models", 1, rival_});
    lab_ = f.AddTenant({"lab", 1, std::nullopt});
    f.AddContract({lab_, rival_, SpotTerms{}});
    s_.market.retry_delay = 600;
    Add("a", lab_, 0, 8, 1000);
    Add("b", lab_, 0, 8, 100);
    Add("own", own_, 100, 16, 500);
  }
  void Add(std::string name, TenantId t, Time submit, int32_t gang, Duration seconds) {
    s_.jobs.push_back(TestJob(std::move(name), t, submit, gang, seconds, {{h100_, 1}}));
  }

  Scenario s_;
  AcceleratorTypeId h100_;
  ProviderId rival_;
  PoolId pool_;
  TenantId own_, lab_;
};

TEST_F(FirstParty, ReserveDeclinesAndSpotIsPreemptedForOwnDemand) {
  auto sim = Simulate(s_);
  const Broker& b = sim->broker();
  // a gets half the pool at spot; b would exceed the external half: declined, retried at 600.
  // At 100 the rival's own 16-GPU job waits; the rival preempts a (no checkpoint: 100 s lost).
  const JobOutcome& a = b.outcome(JobId(0));
  EXPECT_EQ(a.interruptions, 1);
  EXPECT_EQ(a.lost_accelerator_seconds, 8 * 100);
  EXPECT_EQ(b.outcome(JobId(2)).first_start, 100);
  EXPECT_EQ(b.outcome(JobId(2)).end, 600);
  // At 100, right after the kill, a (submitted first) asks again before the rival's own job is
  // placed: the reserve agent declines while its own demand waits, so a retries at 700. b's
  // retry at 600 finds the pool free (the own job ended at 600): b runs 600-700; a then gets the
  // external half at 700 and runs from scratch (no checkpoint) to 1700.
  EXPECT_EQ(a.end, 1700);
  EXPECT_EQ(b.outcome(JobId(1)).first_start, 600);
  EXPECT_EQ(b.outcome(JobId(1)).end, 700);
  // Spot prices: a ran 100 s + 1000 s, b 100 s, at $1.50 x 8.
  EXPECT_EQ(a.cost, int64_t{8} * 1100 * 1'500'000 / 3600);
  int preempts = 0;
  for (const AuditRecord& r : b.audit()) preempts += r.kind == AuditKind::kPreempt;
  EXPECT_EQ(preempts, 1);
  // The rival's own job never waited for external work.
  EXPECT_EQ(b.first_party_impact(rival_).delayed_job_seconds, 0);
}

class FirstPartyNoPreemption : public FirstParty {
 protected:
  FirstPartyNoPreemption() : FirstParty(false) {}
};

TEST_F(FirstPartyNoPreemption, ExternalWorkDelaysAndDisplacesOwnDemand) {
  auto sim = Simulate(s_);
  const Broker& b = sim->broker();
  // Without preemption the rival's own job waits from 100 until a ends at 1000.
  EXPECT_EQ(b.outcome(JobId(2)).first_start, 1000);
  const FirstPartyImpact& impact = b.first_party_impact(rival_);
  EXPECT_EQ(impact.delayed_job_seconds, 900);
  EXPECT_EQ(impact.displaced_accelerator_seconds, 8 * 900);
}

TEST_F(FirstParty, ATenantsMarketRecordsNeverShowAProvidersOwnDemand) {
  auto sim = Simulate(s_);
  const Broker& b = sim->broker();
  // The rival's own jobs never go to the market, so no market record names its tenant or jobs;
  // what the lab sees (its records) concerns its own jobs only.
  for (const AuditRecord& r : b.audit()) {
    EXPECT_NE(r.tenant, own_);
    EXPECT_NE(r.job, JobId(2));
    if (r.tenant == lab_ && r.job.valid()) {
      EXPECT_EQ(b.spec(r.job).tenant, lab_);
    }
  }
}

}  // namespace
}  // namespace arbiter
