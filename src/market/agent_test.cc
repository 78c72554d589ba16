#include "market/agent.h"

#include <string>

#include "gtest/gtest.h"

namespace arbiter {
namespace {

// Two pools of one provider: pool 0 = H100 (fast), pool 1 = A100 (slow, cheap); 32 each.
ProviderState TwoPools() {
  ProviderState state;
  state.provider = ProviderId(0);
  state.now = 500;
  state.pools.push_back(
      {PoolId(0), AcceleratorTypeId(0), 8, 32, 32, 0, 0, 0, 4'000'000, 1'500'000, 2'000'000});
  state.pools.push_back(
      {PoolId(1), AcceleratorTypeId(1), 8, 32, 32, 0, 0, 0, 2'000'000, std::nullopt, 1'000'000});
  return state;
}

Ask OneItem(int32_t accelerators, OfferPreference preference = OfferPreference::kFinish) {
  Ask ask;
  ask.request = 1;
  ItemTerms item;
  item.accelerators = accelerators;
  item.per_node = std::min(accelerators, 8);
  item.runtimes.push_back({AcceleratorTypeId(0), 1000});  // H100: 1000 s
  item.runtimes.push_back({AcceleratorTypeId(1), 2500});  // A100: 2500 s
  item.preference = preference;
  ask.items.push_back(item);
  return ask;
}

std::unique_ptr<AgentPolicy> Agent(const AgentConfig& config) {
  absl::StatusOr<std::unique_ptr<AgentPolicy>> agent = MakeAgent(config, 7);
  EXPECT_TRUE(agent.ok());
  return *std::move(agent);
}

TEST(Agent, DeliverableOffersThePoolTheTenantPrefersAtItsContractPrice) {
  auto agent = Agent({});
  // Fastest: H100 (1000 s) although A100 is cheaper per hour.
  auto offers = agent->Answer(OneItem(8), TwoPools());
  ASSERT_TRUE(offers[0].has_value());
  EXPECT_EQ(offers[0]->pool, PoolId(0));
  EXPECT_EQ(offers[0]->price_per_accel_hour, 4'000'000);
  EXPECT_EQ(offers[0]->start, 500);
  // Cheapest run: H100 costs 8 x 1000 s x $4/h = $8.89, A100 8 x 2500 s x $2/h = $11.11.
  offers = agent->Answer(OneItem(8, OfferPreference::kCost), TwoPools());
  EXPECT_EQ(offers[0]->pool, PoolId(0));
  ProviderState pricey = TwoPools();
  pricey.pools[0].on_demand_price = 12'000'000;  // now $26.67 on H100
  offers = agent->Answer(OneItem(8, OfferPreference::kCost), pricey);
  EXPECT_EQ(offers[0]->pool, PoolId(1));
}

TEST(Agent, DeliverableDeclinesWhatItCannotDeliverNow) {
  auto agent = Agent({});
  ProviderState state = TwoPools();
  state.pools[0].used = 28;
  state.pools[1].used = 30;
  EXPECT_FALSE(agent->Answer(OneItem(8), state)[0].has_value());
  // Offers standing for open requests are not offered again.
  state.pools[0].used = 16;
  state.pools[0].promised = 8;
  state.pools[1].used = 32;
  EXPECT_TRUE(agent->Answer(OneItem(8), state)[0].has_value());
  EXPECT_FALSE(agent->Answer(OneItem(16), state)[0].has_value());
  // Two items in one ask do not both take the same room.
  state.pools[0].promised = 0;
  state.pools[0].used = 24;
  Ask two = OneItem(8);
  two.items.push_back(two.items[0]);
  const auto offers = agent->Answer(two, state);
  EXPECT_TRUE(offers[0].has_value());
  EXPECT_FALSE(offers[1].has_value());
}

TEST(Agent, NeverOffersAPoolTheTenantAvoids) {
  auto agent = Agent({});
  // The tenant backed off H100 (pool 0): A100 is offered although H100 is faster.
  Ask ask = OneItem(8);
  ask.items[0].avoid.push_back(PoolId(0));
  auto offers = agent->Answer(ask, TwoPools());
  ASSERT_TRUE(offers[0].has_value());
  EXPECT_EQ(offers[0]->pool, PoolId(1));
  // Both avoided: declined.
  ask.items[0].avoid.push_back(PoolId(1));
  EXPECT_FALSE(agent->Answer(ask, TwoPools())[0].has_value());
}

TEST(Agent, SpotItemsArePricedAtSpotAndNeedASpotPrice) {
  auto agent = Agent({});
  Ask ask = OneItem(8);
  ask.items[0].spot = true;
  const auto offers = agent->Answer(ask, TwoPools());
  ASSERT_TRUE(offers[0].has_value());
  EXPECT_EQ(offers[0]->pool, PoolId(0));  // A100 has no spot price for this tenant
  EXPECT_EQ(offers[0]->price_per_accel_hour, 1'500'000);
}

TEST(Agent, ReserveKeepsCapacityForFirstPartyWork) {
  AgentConfig config;
  config.policy = "reserve";
  config.reserve = 250'000;  // external work may use 24 of each 32
  auto agent = Agent(config);
  ProviderState state = TwoPools();
  state.pools[0].used = 20;
  state.pools[0].used_first_party = 4;  // 16 external
  state.pools[1].used = 32;
  EXPECT_TRUE(agent->Answer(OneItem(8), state)[0].has_value());    // 16 + 8 = 24
  EXPECT_FALSE(agent->Answer(OneItem(16), state)[0].has_value());  // 32 > 24
  state.first_party_waiting = 1;
  EXPECT_FALSE(agent->Answer(OneItem(8), state)[0].has_value());  // own demand waits
}

TEST(Agent, OptimisticPromisesWhatThePoolCouldEverHold) {
  AgentConfig config;
  config.policy = "optimistic";
  auto agent = Agent(config);
  ProviderState state = TwoPools();
  state.pools[0].used = 32;
  state.pools[1].used = 32;
  EXPECT_TRUE(agent->Answer(OneItem(32), state)[0].has_value());
  EXPECT_FALSE(agent->Answer(OneItem(40), state)[0].has_value());
}

TEST(Agent, DeclineRateIsSeededAndApproximate) {
  AgentConfig config;
  config.decline_rate = 300'000;
  auto a = Agent(config);
  auto b = Agent(config);
  int declined = 0;
  for (int i = 0; i < 1000; ++i) {
    const bool offered_a = a->Answer(OneItem(8), TwoPools())[0].has_value();
    const bool offered_b = b->Answer(OneItem(8), TwoPools())[0].has_value();
    EXPECT_EQ(offered_a, offered_b);  // same seed, same answers
    declined += !offered_a;
  }
  EXPECT_GT(declined, 250);
  EXPECT_LT(declined, 350);
}

TEST(Agent, MatchingLowersThePriceDownToTheCostBasisOnly) {
  AgentConfig config;
  config.match_quotes = true;
  auto agent = Agent(config);
  Ask ask = OneItem(8);
  ask.match.push_back(MatchTerms{3'000'000, 400});
  EXPECT_EQ(agent->Answer(ask, TwoPools())[0]->price_per_accel_hour, 3'000'000);
  ask.match[0] = MatchTerms{1'000'000, 400};  // below H100's cost basis of $2: no
  EXPECT_EQ(agent->Answer(ask, TwoPools())[0]->price_per_accel_hour, 4'000'000);
  auto plain = Agent({});
  ask.match[0] = MatchTerms{3'000'000, 400};
  EXPECT_EQ(plain->Answer(ask, TwoPools())[0]->price_per_accel_hour, 4'000'000);
}

TEST(Agent, UnknownPolicyIsAClearError) {
  AgentConfig config;
  config.policy = "greedy";
  EXPECT_EQ(std::string(MakeAgent(config, 0).status().message()),
            "unknown agent policy 'greedy'; known agent policies: deliverable, optimistic, "
            "reserve");
}

}  // namespace
}  // namespace arbiter
