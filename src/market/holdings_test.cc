#include "market/holdings.h"

#include <string>

#include "gtest/gtest.h"
#include "model/testing.h"

namespace arbiter {
namespace {

using testing::AddTestPool;

class HoldingsTest : public ::testing::Test {
 protected:
  HoldingsTest() {
    Fleet& f = s_.fleet;
    h100_ = f.AddAcceleratorType("H100");
    a100_ = f.AddAcceleratorType("A100");
    p_ = f.AddProvider("p");
    east_ = f.AddRegion(p_, "east");
    west_ = f.AddRegion(p_, "west");
    pool_ = AddTestPool(f, east_, h100_, 4, 8, 4'000'000, 24);
    west_pool_ = AddTestPool(f, west_, h100_, 2, 8, 4'000'000);
    lab_ = f.AddTenant({"lab", 1, std::nullopt});
    s_.capacity_changes.push_back({100, pool_, 6});
  }

  Scenario s_;
  AcceleratorTypeId h100_, a100_;
  ProviderId p_;
  RegionId east_, west_;
  PoolId pool_, west_pool_;
  TenantId lab_;
};

TEST_F(HoldingsTest, CommitmentCarvesWholeNodesForItsWindow) {
  s_.fleet.AddContract({lab_, p_, CommitmentTerms{h100_, east_, 16, 50, 200, 2'000'000}});
  ASSERT_TRUE(ExpandHoldings(s_).ok());
  ASSERT_EQ(s_.fleet.pools.size(), 3u);
  const Pool& held = s_.fleet.pools[2];
  EXPECT_EQ(held.name, "p/east/H100/commitment:lab");
  EXPECT_EQ(held.holding, ContractId(0));
  EXPECT_EQ(held.parent, pool_);
  EXPECT_EQ(held.nodes, 0);  // the window starts at 50
  EXPECT_EQ(held.max_gang, 16);
  EXPECT_EQ(held.committed_price, 2'000'000);
  EXPECT_EQ(s_.fleet.pool(pool_).nodes, 4);
  // The parent loses 2 nodes over [50, 200): 4 -> 2, then its own growth to 6 is 4 while held.
  const std::vector<std::tuple<Time, int32_t, int32_t>> expected = {
      {50, 2, 2}, {50, 0, 2}, {100, 0, 4}, {200, 2, 0}, {200, 0, 6}};
  ASSERT_EQ(s_.capacity_changes.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(s_.capacity_changes[i].at, std::get<0>(expected[i])) << i;
    EXPECT_EQ(s_.capacity_changes[i].pool.value(), std::get<1>(expected[i])) << i;
    EXPECT_EQ(s_.capacity_changes[i].nodes, std::get<2>(expected[i])) << i;
  }
  // A second call adds nothing.
  ASSERT_TRUE(ExpandHoldings(s_).ok());
  EXPECT_EQ(s_.fleet.pools.size(), 3u);
}

TEST_F(HoldingsTest, ReservationFromTheStartTakesItsNodesAtOnce) {
  s_.fleet.AddContract({lab_, p_, ReservationTerms{h100_, std::nullopt, 8, 0, 500, 3'000'000}});
  ASSERT_TRUE(ExpandHoldings(s_).ok());
  const Pool& held = s_.fleet.pools[2];
  EXPECT_EQ(held.name, "p/east/H100/reservation:lab");  // the first H100 pool of the provider
  EXPECT_EQ(held.nodes, 1);
  EXPECT_EQ(s_.fleet.pool(pool_).nodes, 3);
}

TEST_F(HoldingsTest, RegionSelectsTheParent) {
  s_.fleet.AddContract({lab_, p_, CommitmentTerms{h100_, west_, 8, 0, 10, 1}});
  ASSERT_TRUE(ExpandHoldings(s_).ok());
  EXPECT_EQ(s_.fleet.pools[2].parent, west_pool_);
  EXPECT_EQ(s_.fleet.pool(west_pool_).nodes, 1);
}

TEST_F(HoldingsTest, ErrorsNameTheContract) {
  Scenario partial = s_;
  partial.fleet.AddContract({lab_, p_, CommitmentTerms{h100_, east_, 12, 0, 10, 1}});
  EXPECT_EQ(std::string(ExpandHoldings(partial).message()),
            "contract 0 (commitment of lab with p): 12 accelerators are not whole nodes of "
            "p/east/H100 (8 per node)");
  Scenario missing = s_;
  missing.fleet.AddContract({lab_, p_, ReservationTerms{a100_, std::nullopt, 8, 0, 10, 1}});
  EXPECT_EQ(std::string(ExpandHoldings(missing).message()),
            "contract 0 (reservation of lab with p): the provider has no pool of A100");
}

}  // namespace
}  // namespace arbiter
