#include "core/learning.h"

#include <vector>

#include "gtest/gtest.h"
#include "model/testing.h"

namespace arbiter {
namespace {

using testing::AddTestPool;

class LearningTest : public ::testing::Test {
 protected:
  LearningTest() {
    const AcceleratorTypeId h100 = fleet_.AddAcceleratorType("H100");
    const RegionId r = fleet_.AddRegion(fleet_.AddProvider("p"), "r");
    a_ = AddTestPool(fleet_, r, h100, 1, 8, 1);
    b_ = AddTestPool(fleet_, r, h100, 1, 8, 1);
    instant_.out = &out_;
  }

  Fleet fleet_;
  PoolId a_, b_;
  Instant instant_;
  std::vector<Command> out_;
};

TEST_F(LearningTest, HoldEstimateIsLaplacesRuleOverLaunches) {
  RecoveryOptions options;
  options.learn = true;
  Learning learning(fleet_, options, instant_);
  EXPECT_EQ(learning.HoldPpm(a_), 500'000);  // nothing seen: 1/2
  for (int i = 0; i < 8; ++i) learning.CountLaunch(a_);
  learning.CountLaunchFailure(a_);
  learning.CountKill(a_);
  EXPECT_EQ(learning.HoldPpm(a_), 700'000);  // (6 held + 1) / (8 + 2)
  RecoveryOptions off;
  Learning blind(fleet_, off, instant_);
  blind.CountKill(a_);
  EXPECT_EQ(blind.HoldPpm(a_), kPpmOne);
}

TEST_F(LearningTest, BackOffDoublesUpToItsCapAndEndsOnce) {
  RecoveryOptions options;
  options.backoff = 60;
  options.max_backoff = 200;
  Learning learning(fleet_, options, instant_);
  instant_.now = 1000;
  learning.BackOff(a_);  // 60 s
  EXPECT_TRUE(learning.BackedOff(a_, 1059));
  EXPECT_FALSE(learning.BackedOff(a_, 1060));
  learning.BackOff(a_);  // second in a row: 120 s from now
  learning.BackOff(a_);  // third: 240 s, capped at 200
  EXPECT_EQ(learning.of(a_).avoid_until, 1200);
  ASSERT_EQ(out_.size(), 3u);
  EXPECT_EQ(std::get<SetTimer>(out_[2]).at, 1200);
  EXPECT_EQ(TimerKindOf(std::get<SetTimer>(out_[2]).tag), kBackoff);
  std::vector<PoolId> grown;
  learning.OfferEnded(1100, grown);  // the earlier ends are superseded by the later one
  EXPECT_TRUE(grown.empty());
  learning.OfferEnded(1200, grown);
  EXPECT_EQ(grown, std::vector<PoolId>{a_});
  learning.OfferEnded(5000, grown);  // offered once
  EXPECT_EQ(grown.size(), 1u);
  EXPECT_FALSE(learning.AnyBackOff());
  learning.Held(a_);  // a run held: the next failure starts over at 60 s
  instant_.now = 2000;
  learning.BackOff(a_);
  EXPECT_EQ(learning.of(a_).avoid_until, 2060);
  EXPECT_FALSE(learning.BackedOff(b_, 2000));
}

TEST_F(LearningTest, NoBackOffWithoutItsSetting) {
  Learning learning(fleet_, RecoveryOptions{}, instant_);
  learning.BackOff(a_);
  EXPECT_FALSE(learning.BackedOff(a_, 0));
  EXPECT_TRUE(out_.empty());
}

}  // namespace
}  // namespace arbiter
