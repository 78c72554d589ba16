#include "core/pool_book.h"

#include <algorithm>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "model/testing.h"

namespace arbiter {
namespace {

using testing::AddTestPool;
using testing::TestJob;

class PoolBookTest : public ::testing::Test {
 protected:
  PoolBookTest() {
    h100_ = fleet_.AddAcceleratorType("H100");
    p_ = fleet_.AddProvider("p");
    pool_ = AddTestPool(fleet_, fleet_.AddRegion(p_, "r"), h100_, 2, 8, 3'600'000);
    own_ = fleet_.AddTenant({"own", 1, p_});
    lab_ = fleet_.AddTenant({"lab", 1, std::nullopt});
  }

  Fleet fleet_;
  AcceleratorTypeId h100_;
  ProviderId p_;
  PoolId pool_;
  TenantId own_, lab_;
};

TEST_F(PoolBookTest, RoomIsCapacityLessUseHoldsAndAwaitedDeliveries) {
  PoolBook book(fleet_);
  EXPECT_EQ(book.capacity(pool_), 16);
  EXPECT_EQ(book.Room(pool_), 16);
  const Job own = TestJob("own", own_, 0, 4, 1, {{h100_, 1}});
  const Job lab = TestJob("lab", lab_, 0, 2, 1, {{h100_, 1}});
  book.Occupy(pool_, own, +1);
  book.Occupy(pool_, lab, +1);
  book.AddHeld(pool_, 3);
  book.AddAwaiting(pool_, 5);
  EXPECT_EQ(book.used(pool_), 6);
  EXPECT_EQ(book.used_first_party(pool_), 4);
  EXPECT_EQ(book.Room(pool_), 2);
  book.AddHeld(pool_, -3);
  book.AddAwaiting(pool_, -5);
  book.Occupy(pool_, own, -1);
  book.Occupy(pool_, lab, -1);
  EXPECT_EQ(book.used(pool_), 0);
  EXPECT_EQ(book.used_first_party(pool_), 0);
  EXPECT_EQ(book.Room(pool_), 16);
}

TEST_F(PoolBookTest, CapacityIntegralIsExactAcrossChanges) {
  PoolBook book(fleet_);
  EXPECT_FALSE(book.SetNodes(pool_, 1, 100));  // 16 x 100 s, then 8
  EXPECT_TRUE(book.SetNodes(pool_, 3, 250));   // 8 x 150 s, then 24
  EXPECT_EQ(book.capacity(pool_), 24);
  EXPECT_EQ(book.CapacityIntegral(pool_, 250), 1600 + 1200);
  EXPECT_EQ(book.CapacityIntegral(pool_, 300), 1600 + 1200 + 24 * 50);
}

TEST_F(PoolBookTest, FirstPartyImpactAccruesOnlyWhileBothWaitAndExternalUse) {
  PoolBook book(fleet_);
  const Job lab = TestJob("lab", lab_, 0, 6, 1, {{h100_, 1}});
  std::vector<FirstPartyWaiting> waiting(1);
  book.Occupy(pool_, lab, +1);
  book.Advance(100, waiting);  // nothing waits: nothing accrues
  waiting[0] = {2, 4};         // two own jobs of 4 accelerators in all wait from t=100
  book.Advance(160, waiting);
  EXPECT_EQ(book.first_party_impact(p_).displaced_accelerator_seconds, 4 * 60);
  EXPECT_EQ(book.first_party_impact(p_).delayed_job_seconds, 2 * 60);
  book.Occupy(pool_, lab, -1);
  book.Advance(500, waiting);  // no external use any more
  EXPECT_EQ(book.first_party_impact(p_).displaced_accelerator_seconds, 4 * 60);
}

// Random starts and ends through the book, as the broker does them (a job is placed only where the
// room holds it): the running lists hold exactly the running jobs, and use never exceeds capacity.
TEST_F(PoolBookTest, RunningListsAndUseStayConsistentUnderRandomStartsAndEnds) {
  PoolBook book(fleet_);
  std::mt19937_64 rng(7);
  std::vector<Job> specs;
  std::vector<bool> running;
  for (int i = 0; i < 2000; ++i) {
    specs.push_back(TestJob("j", i % 3 == 0 ? own_ : lab_, 0, 1 + static_cast<int>(rng() % 8), 1,
                            {{h100_, 1}}));
    book.AddJob();
    running.push_back(false);
    for (int step = 0; step < 3; ++step) {
      const size_t k = rng() % specs.size();
      const JobId job = JobId::FromIndex(k);
      if (running[k]) {
        book.Occupy(pool_, specs[k], -1);
        book.RemoveRunning(pool_, job);
        running[k] = false;
      } else if (book.Room(pool_) >= specs[k].accelerators) {
        book.Occupy(pool_, specs[k], +1);
        book.AddRunning(pool_, job);
        running[k] = true;
      }
      ASSERT_LE(book.used(pool_), book.capacity(pool_));
    }
    std::vector<JobId> listed(book.running_on(pool_).begin(), book.running_on(pool_).end());
    std::sort(listed.begin(), listed.end());
    std::vector<JobId> expected;
    int64_t used = 0;
    for (size_t k = 0; k < specs.size(); ++k) {
      if (!running[k]) continue;
      expected.push_back(JobId::FromIndex(k));
      used += specs[k].accelerators;
    }
    ASSERT_EQ(listed, expected);
    ASSERT_EQ(book.used(pool_), used);
  }
}

}  // namespace
}  // namespace arbiter
