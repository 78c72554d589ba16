#include "core/billing.h"

#include <random>

#include "gtest/gtest.h"
#include "market/holdings.h"
#include "model/testing.h"

namespace arbiter {
namespace {

using testing::AddTestPool;
using testing::TestJob;

class BillingTest : public ::testing::Test {
 protected:
  BillingTest() {
    h100_ = fleet_.AddAcceleratorType("H100");
    p_ = fleet_.AddProvider("p");
    pool_ = AddTestPool(fleet_, fleet_.AddRegion(p_, "r"), h100_, 2, 8, 3'600'000);
    lab_ = fleet_.AddTenant({"lab", 1, std::nullopt});
  }

  Fleet fleet_;
  AcceleratorTypeId h100_;
  ProviderId p_;
  PoolId pool_;
  TenantId lab_;
};

// However often a run is billed, every second of it is charged once: the charges tile the run.
TEST_F(BillingTest, EverySecondOfARunIsChargedExactlyOnce) {
  Billing billing(fleet_);
  billing.AddJob();
  const JobId job(0);
  const Job spec = TestJob("j", lab_, 0, 4, 1, {{h100_, 1}});
  billing.Open(job, 100, 3'600'000, ChargeKind::kOnDemand);  // $1 per accelerator-second
  std::mt19937_64 rng(3);
  Time t = 100;
  int64_t seconds = 0;
  for (int i = 0; i < 50; ++i) {
    t += static_cast<Time>(rng() % 1000);  // including closes at the same instant
    seconds += billing.ChargeRun(job, spec, pool_, t).accelerator_seconds;
  }
  EXPECT_EQ(seconds, 4 * (t - 100));
  Time expected_start = 100;
  Micros total = 0;
  for (const Charge& c : billing.ledger().charges()) {
    EXPECT_EQ(c.start, expected_start);
    EXPECT_GE(c.end, c.start);
    expected_start = c.end;
    total += c.amount;
  }
  EXPECT_EQ(expected_start, t);
  EXPECT_EQ(total, 4 * (t - 100) * 1000);  // exact: 1,000 micro-dollars per accelerator-second
  EXPECT_EQ(billing.ledger().total(), total);
}

TEST_F(BillingTest, CancelledAttemptsAndEgressAreChargedOnceAndRounded) {
  Billing billing(fleet_);
  billing.AddJob();
  const Job spec = TestJob("j", lab_, 0, 2, 1, {{h100_, 1}});
  // An attempt cancelled at its launch instant costs nothing and leaves no charge.
  EXPECT_EQ(billing.ChargeAttempt(JobId(0), spec, pool_, ChargeKind::kSpot, 720'000, 50, 50).amount,
            0);
  EXPECT_TRUE(billing.ledger().charges().empty());
  // 2 accelerators x 30 s at $0.72/h = 2 x 30 x 200 micro-dollars.
  const Billed held =
      billing.ChargeAttempt(JobId(0), spec, pool_, ChargeKind::kSpot, 720'000, 50, 80);
  EXPECT_EQ(held.amount, 12'000);
  EXPECT_EQ(held.accelerator_seconds, 60);
  // 1.5 GB at $0.09 per GB: $0.135; 1 byte at $0.09 per GB rounds to nothing.
  EXPECT_EQ(billing.ChargeEgress(JobId(0), lab_, pool_, 1'500'000'000, 90'000, 80), 135'000);
  EXPECT_EQ(billing.ChargeEgress(JobId(0), lab_, pool_, 1, 90'000, 80), 0);
  ASSERT_EQ(billing.ledger().charges().size(), 2u);
  EXPECT_EQ(billing.ledger().charges()[1].kind, ChargeKind::kEgress);
  EXPECT_EQ(billing.ledger().total(), 147'000);
}

TEST_F(BillingTest, CommitmentsAccrueOnceAndReservationsAreBilledOnceInFull) {
  Scenario scenario;
  scenario.fleet = fleet_;
  CommitmentTerms commitment{h100_, std::nullopt, 8, 0, 7200, 1'800'000};
  ReservationTerms reservation{h100_, std::nullopt, 8, 3600, 10800, 2'000'000};
  scenario.fleet.AddContract({lab_, p_, commitment});
  scenario.fleet.AddContract({lab_, p_, reservation});
  ASSERT_TRUE(ExpandHoldings(scenario).ok());
  Billing billing(scenario.fleet);
  billing.BillHoldings(1800);
  billing.BillHoldings(1800);
  billing.BillHoldings(9000);
  billing.BillHoldings(20000);
  Micros committed = 0;
  Micros reserved = 0;
  for (const Charge& c : billing.ledger().charges()) {
    if (c.kind == ChargeKind::kCommitted) committed += c.amount;
    if (c.kind == ChargeKind::kReserved) reserved += c.amount;
  }
  EXPECT_EQ(committed, 8 * 2 * 1'800'000);  // 8 accelerators x 2 h, whatever the closes
  EXPECT_EQ(reserved, 8 * 2 * 2'000'000);   // 8 accelerators x 2 h, once
}

}  // namespace
}  // namespace arbiter
