// Every path of the right of first refusal through the exchange, on hand-built requests with
// exact times and prices. Providers: primary (the holder), rival and neo, one H100 pool each.
#include "market/exchange.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "model/testing.h"

namespace arbiter {
namespace {

using testing::AddTestPool;

class RecordingOutbox final : public ExchangeOutbox {
 public:
  struct Won {
    RequestId request;
    int32_t item;
    ProviderId provider;
    Offer offer;
    bool holder;
  };
  void SendAsk(Ask ask) override { asks.push_back(std::move(ask)); }
  void WakeAt(Time at, RequestId request) override { timers.push_back({at, request}); }
  void Award(RequestId request, int32_t item, ProviderId provider, const Offer& offer,
             bool holder) override {
    awards.push_back({request, item, provider, offer, holder});
  }
  void Unplaced(RequestId request, int32_t item) override { unplaced.push_back({request, item}); }
  void Closed(RequestId request) override { closed.push_back(request); }
  void Record(const AuditRecord& record) override { audit.push_back(record); }

  int Count(AuditKind kind) const {
    int n = 0;
    for (const AuditRecord& r : audit) n += r.kind == kind;
    return n;
  }

  std::vector<Ask> asks;
  std::vector<std::pair<Time, RequestId>> timers;
  std::vector<Won> awards;
  std::vector<std::pair<RequestId, int32_t>> unplaced;
  std::vector<RequestId> closed;
  std::vector<AuditRecord> audit;
};

constexpr Micros kDollar = 1'000'000;

class ExchangeTest : public ::testing::Test {
 protected:
  ExchangeTest() {
    h100_ = fleet_.AddAcceleratorType("H100");
    primary_ = fleet_.AddProvider("primary");
    rival_ = fleet_.AddProvider("rival");
    neo_ = fleet_.AddProvider("neo");
    pool_primary_ = AddTestPool(fleet_, fleet_.AddRegion(primary_, "r"), h100_, 4, 8, 4 * kDollar);
    pool_rival_ = AddTestPool(fleet_, fleet_.AddRegion(rival_, "r"), h100_, 4, 8, 4 * kDollar);
    pool_neo_ = AddTestPool(fleet_, fleet_.AddRegion(neo_, "r"), h100_, 4, 8, 4 * kDollar);
    lab_ = fleet_.AddTenant({"lab", 1, std::nullopt});
  }

  // A request of `items` gangs of 8 H100 for one hour, each servable by all three providers.
  RequestSpec Spec(int items, RofrMode mode, bool partial = true, Ppm tolerance = 0,
                   int32_t min_accelerators = 0) {
    RequestSpec spec;
    spec.tenant = lab_;
    spec.holder = primary_;
    spec.rofr.mode = mode;
    spec.rofr.window = 7200;
    spec.rofr.partial_allowed = partial;
    spec.rofr.match_tolerance = tolerance;
    spec.rofr.min_accelerators = min_accelerators;
    for (int i = 0; i < items; ++i) {
      ExchangeItem item;
      item.job = JobId(10 + i);
      item.terms.accelerators = 8;
      item.terms.per_node = 8;
      item.terms.runtimes.push_back({h100_, 3600});
      item.providers = {primary_, rival_, neo_};
      item.covered = 8 >= min_accelerators;
      spec.items.push_back(item);
    }
    return spec;
  }

  Answer Offers(RequestId request, ProviderId provider,
                const std::vector<std::optional<Micros>>& prices, Time start, PoolId pool) {
    Answer answer;
    answer.request = request;
    answer.provider = provider;
    for (const std::optional<Micros>& price : prices) {
      if (price) {
        answer.offers.push_back(Offer{pool, *price, start});
      } else {
        answer.offers.push_back(std::nullopt);
      }
    }
    return answer;
  }

  Fleet fleet_;
  AcceleratorTypeId h100_;
  ProviderId primary_, rival_, neo_;
  PoolId pool_primary_, pool_rival_, pool_neo_;
  TenantId lab_;
  Exchange exchange_{fleet_};
  RecordingOutbox out_;
};

TEST_F(ExchangeTest, RofoHolderAcceptsInFull) {
  const RequestId r = exchange_.Open(0, Spec(2, RofrMode::kRofo), out_);
  // Only the holder is asked, with the window as its deadline, and sees no other terms.
  ASSERT_EQ(out_.asks.size(), 1u);
  EXPECT_EQ(out_.asks[0].provider, primary_);
  EXPECT_EQ(out_.asks[0].items.size(), 2u);
  EXPECT_TRUE(out_.asks[0].match.empty());
  EXPECT_EQ(out_.asks[0].answer_by, 7200);
  EXPECT_EQ(out_.timers, (std::vector<std::pair<Time, RequestId>>{{7200, r}}));
  exchange_.OnAnswer(100, Offers(r, primary_, {4 * kDollar, 4 * kDollar}, 100, pool_primary_),
                     out_);
  ASSERT_EQ(out_.awards.size(), 2u);
  for (const auto& won : out_.awards) {
    EXPECT_EQ(won.provider, primary_);
    EXPECT_TRUE(won.holder);
    EXPECT_EQ(won.offer.price_per_accel_hour, 4 * kDollar);
    EXPECT_EQ(won.offer.start, 100);
  }
  EXPECT_EQ(out_.asks.size(), 1u);  // nobody else was asked
  EXPECT_EQ(exchange_.holder_wait(lab_), 100);
  EXPECT_EQ(exchange_.open_requests(), 0u);
  EXPECT_EQ(out_.closed, std::vector<RequestId>{r});
  // The stale window timer does nothing.
  exchange_.OnTimer(7200, r, out_);
  EXPECT_EQ(out_.Count(AuditKind::kTimeout), 0);
}

TEST_F(ExchangeTest, RofoPartialAcceptanceSendsTheRestToTheOthers) {
  const RequestId r = exchange_.Open(0, Spec(2, RofrMode::kRofo, /*partial=*/true), out_);
  exchange_.OnAnswer(30, Offers(r, primary_, {4 * kDollar, std::nullopt}, 30, pool_primary_), out_);
  ASSERT_EQ(out_.awards.size(), 1u);
  EXPECT_EQ(out_.awards[0].item, 0);
  EXPECT_TRUE(out_.awards[0].holder);
  // Item 1 goes to rival and neo (not the holder again).
  ASSERT_EQ(out_.asks.size(), 3u);
  EXPECT_EQ(out_.asks[1].provider, rival_);
  EXPECT_EQ(out_.asks[2].provider, neo_);
  EXPECT_EQ(out_.asks[1].items.size(), 1u);
  EXPECT_TRUE(out_.asks[1].match.empty());
  exchange_.OnAnswer(40, Offers(r, rival_, {5 * kDollar}, 40, pool_rival_), out_);
  EXPECT_EQ(out_.awards.size(), 1u);  // still waiting for neo
  exchange_.OnAnswer(50, Offers(r, neo_, {3 * kDollar}, 50, pool_neo_), out_);
  ASSERT_EQ(out_.awards.size(), 2u);
  // Both would start at 50 and finish at 3650; neo is cheaper (8 x 1 h x $3 = $24 vs $40).
  EXPECT_EQ(out_.awards[1].provider, neo_);
  EXPECT_FALSE(out_.awards[1].holder);
  EXPECT_EQ(out_.awards[1].offer.price_per_accel_hour, 3 * kDollar);
  EXPECT_EQ(exchange_.holder_wait(lab_), 30);
}

TEST_F(ExchangeTest, RofoPartialAcceptanceIsADeclineWhereTheContractForbidsIt) {
  const RequestId r = exchange_.Open(0, Spec(2, RofrMode::kRofo, /*partial=*/false), out_);
  exchange_.OnAnswer(30, Offers(r, primary_, {4 * kDollar, std::nullopt}, 30, pool_primary_), out_);
  EXPECT_TRUE(out_.awards.empty());
  // Both items go on to rival and neo.
  ASSERT_EQ(out_.asks.size(), 3u);
  EXPECT_EQ(out_.asks[1].items.size(), 2u);
  exchange_.OnAnswer(40, Offers(r, rival_, {5 * kDollar, 5 * kDollar}, 40, pool_rival_), out_);
  exchange_.OnAnswer(40, Offers(r, neo_, {std::nullopt, std::nullopt}, 40, pool_neo_), out_);
  ASSERT_EQ(out_.awards.size(), 2u);
  EXPECT_EQ(out_.awards[0].provider, rival_);
  EXPECT_EQ(out_.awards[1].provider, rival_);
}

TEST_F(ExchangeTest, RofoDeclineSendsEverythingOn) {
  const RequestId r = exchange_.Open(0, Spec(1, RofrMode::kRofo), out_);
  exchange_.OnAnswer(10, Offers(r, primary_, {std::nullopt}, 10, pool_primary_), out_);
  EXPECT_EQ(out_.Count(AuditKind::kDecline), 1);
  ASSERT_EQ(out_.asks.size(), 3u);
  exchange_.OnAnswer(20, Offers(r, rival_, {std::nullopt}, 20, pool_rival_), out_);
  exchange_.OnAnswer(25, Offers(r, neo_, {6 * kDollar}, 25, pool_neo_), out_);
  ASSERT_EQ(out_.awards.size(), 1u);
  EXPECT_EQ(out_.awards[0].provider, neo_);
  EXPECT_EQ(out_.awards[0].offer.start, 25);
}

TEST_F(ExchangeTest, RofoTimeoutCountsAsDeclineAndLateAnswersAreIgnored) {
  const RequestId r = exchange_.Open(0, Spec(1, RofrMode::kRofo), out_);
  exchange_.OnTimer(7200, r, out_);
  EXPECT_EQ(out_.Count(AuditKind::kTimeout), 1);
  EXPECT_EQ(exchange_.holder_wait(lab_), 7200);
  ASSERT_EQ(out_.asks.size(), 3u);  // rival and neo asked when the window closed
  // The holder's answer after its window changes nothing.
  exchange_.OnAnswer(8000, Offers(r, primary_, {1 * kDollar}, 8000, pool_primary_), out_);
  EXPECT_TRUE(out_.awards.empty());
  exchange_.OnAnswer(8000, Offers(r, rival_, {5 * kDollar}, 8000, pool_rival_), out_);
  exchange_.OnAnswer(8000, Offers(r, neo_, {std::nullopt}, 8000, pool_neo_), out_);
  ASSERT_EQ(out_.awards.size(), 1u);
  EXPECT_EQ(out_.awards[0].provider, rival_);
}

TEST_F(ExchangeTest, RofrHolderMatchesTheBestQuote) {
  const RequestId r = exchange_.Open(0, Spec(1, RofrMode::kRofr), out_);
  // Quotes first, from the others only.
  ASSERT_EQ(out_.asks.size(), 2u);
  EXPECT_EQ(out_.asks[0].provider, rival_);
  EXPECT_EQ(out_.asks[1].provider, neo_);
  exchange_.OnAnswer(50, Offers(r, rival_, {4 * kDollar}, 50, pool_rival_), out_);
  exchange_.OnAnswer(60, Offers(r, neo_, {3'500'000}, 60, pool_neo_), out_);
  // Then the holder is asked to match the best quote's price and start, and nothing else.
  ASSERT_EQ(out_.asks.size(), 3u);
  const Ask& match = out_.asks[2];
  EXPECT_EQ(match.provider, primary_);
  ASSERT_EQ(match.match.size(), 1u);
  ASSERT_TRUE(match.match[0].has_value());
  EXPECT_EQ(match.match[0]->price_per_accel_hour, 3'500'000);
  EXPECT_EQ(match.match[0]->start, 60);
  EXPECT_EQ(match.answer_by, 60 + 7200);
  exchange_.OnAnswer(100, Offers(r, primary_, {3'500'000}, 60, pool_primary_), out_);
  ASSERT_EQ(out_.awards.size(), 1u);
  EXPECT_EQ(out_.awards[0].provider, primary_);
  EXPECT_TRUE(out_.awards[0].holder);
  EXPECT_EQ(out_.awards[0].offer.start, 100);  // an offer cannot start before it is made
  EXPECT_EQ(exchange_.holder_wait(lab_), 40);  // from the match ask at 60 to the answer at 100
}

TEST_F(ExchangeTest, RofrNoMatchGivesTheDealToTheBestQuote) {
  const RequestId r = exchange_.Open(0, Spec(1, RofrMode::kRofr), out_);
  exchange_.OnAnswer(10, Offers(r, rival_, {4 * kDollar}, 10, pool_rival_), out_);
  exchange_.OnAnswer(10, Offers(r, neo_, {3'500'000}, 10, pool_neo_), out_);
  exchange_.OnAnswer(20, Offers(r, primary_, {3'600'000}, 20, pool_primary_), out_);
  ASSERT_EQ(out_.awards.size(), 1u);
  EXPECT_EQ(out_.awards[0].provider, neo_);
  EXPECT_FALSE(out_.awards[0].holder);
  EXPECT_EQ(out_.awards[0].offer.start, 20);  // quoted for 10; awarded when the holder refused
}

TEST_F(ExchangeTest, RofrToleranceAdmitsANearMatch) {
  // 5% over $3.50 is $3.675: $3.60 matches.
  const RequestId r = exchange_.Open(0, Spec(1, RofrMode::kRofr, true, 50'000), out_);
  exchange_.OnAnswer(10, Offers(r, rival_, {4 * kDollar}, 10, pool_rival_), out_);
  exchange_.OnAnswer(10, Offers(r, neo_, {3'500'000}, 10, pool_neo_), out_);
  exchange_.OnAnswer(10, Offers(r, primary_, {3'600'000}, 10, pool_primary_), out_);
  ASSERT_EQ(out_.awards.size(), 1u);
  EXPECT_EQ(out_.awards[0].provider, primary_);
}

TEST_F(ExchangeTest, RofrMatchMustNotStartLater) {
  const RequestId r = exchange_.Open(0, Spec(1, RofrMode::kRofr), out_);
  exchange_.OnAnswer(10, Offers(r, rival_, {std::nullopt}, 10, pool_rival_), out_);
  exchange_.OnAnswer(10, Offers(r, neo_, {3 * kDollar}, 10, pool_neo_), out_);
  exchange_.OnAnswer(20, Offers(r, primary_, {3 * kDollar}, 500, pool_primary_), out_);
  ASSERT_EQ(out_.awards.size(), 1u);
  EXPECT_EQ(out_.awards[0].provider, neo_);
}

TEST_F(ExchangeTest, RofrHolderTimeoutGivesTheDealToTheBestQuote) {
  const RequestId r = exchange_.Open(0, Spec(1, RofrMode::kRofr), out_);
  exchange_.OnAnswer(10, Offers(r, rival_, {4 * kDollar}, 10, pool_rival_), out_);
  exchange_.OnAnswer(10, Offers(r, neo_, {std::nullopt}, 10, pool_neo_), out_);
  EXPECT_EQ(out_.timers.back(), (std::pair<Time, RequestId>{10 + 7200, r}));
  exchange_.OnTimer(10 + 7200, r, out_);
  EXPECT_EQ(out_.Count(AuditKind::kTimeout), 1);
  ASSERT_EQ(out_.awards.size(), 1u);
  EXPECT_EQ(out_.awards[0].provider, rival_);
  EXPECT_EQ(out_.awards[0].offer.start, 10 + 7200);  // the quote starts when it is awarded
}

TEST_F(ExchangeTest, RofrPartialMatchNeedsConsent) {
  const RequestId r = exchange_.Open(0, Spec(2, RofrMode::kRofr, /*partial=*/false), out_);
  exchange_.OnAnswer(10, Offers(r, rival_, {4 * kDollar, 4 * kDollar}, 10, pool_rival_), out_);
  exchange_.OnAnswer(10, Offers(r, neo_, {std::nullopt, std::nullopt}, 10, pool_neo_), out_);
  // The holder matches item 0 only: without consent to partial matching, that is no match.
  exchange_.OnAnswer(20, Offers(r, primary_, {4 * kDollar, std::nullopt}, 10, pool_primary_), out_);
  ASSERT_EQ(out_.awards.size(), 2u);
  EXPECT_EQ(out_.awards[0].provider, rival_);
  EXPECT_EQ(out_.awards[1].provider, rival_);
}

TEST_F(ExchangeTest, RofrWithoutQuotesTheHolderMayStillOffer) {
  const RequestId r = exchange_.Open(0, Spec(1, RofrMode::kRofr), out_);
  exchange_.OnAnswer(10, Offers(r, rival_, {std::nullopt}, 10, pool_rival_), out_);
  exchange_.OnAnswer(10, Offers(r, neo_, {std::nullopt}, 10, pool_neo_), out_);
  ASSERT_EQ(out_.asks.size(), 3u);
  ASSERT_EQ(out_.asks[2].match.size(), 1u);
  EXPECT_FALSE(out_.asks[2].match[0].has_value());  // nothing to match: a plain offer
  exchange_.OnAnswer(30, Offers(r, primary_, {9 * kDollar}, 30, pool_primary_), out_);
  ASSERT_EQ(out_.awards.size(), 1u);
  EXPECT_EQ(out_.awards[0].provider, primary_);
}

TEST_F(ExchangeTest, ItemsOutOfScopeGoToEveryoneAtOnce) {
  // The contract covers only requests of 16 or more accelerators.
  const RequestId r = exchange_.Open(0, Spec(1, RofrMode::kRofo, true, 0, 16), out_);
  ASSERT_EQ(out_.asks.size(), 3u);
  EXPECT_EQ(out_.asks[0].provider, primary_);
  exchange_.OnAnswer(5, Offers(r, primary_, {4 * kDollar}, 5, pool_primary_), out_);
  exchange_.OnAnswer(5, Offers(r, rival_, {4 * kDollar}, 5, pool_rival_), out_);
  exchange_.OnAnswer(5, Offers(r, neo_, {4 * kDollar}, 5, pool_neo_), out_);
  // Equal offers: the lowest provider id wins, and not as the holder.
  ASSERT_EQ(out_.awards.size(), 1u);
  EXPECT_EQ(out_.awards[0].provider, primary_);
  EXPECT_FALSE(out_.awards[0].holder);
  EXPECT_EQ(exchange_.holder_wait(lab_), 0);
}

TEST_F(ExchangeTest, CostPreferencePicksTheCheaperRunOverTheEarlierStart) {
  RequestSpec spec = Spec(1, RofrMode::kRofo, true, 0, 1000);  // not covered
  spec.preference = OfferPreference::kCost;
  const RequestId r = exchange_.Open(0, std::move(spec), out_);
  exchange_.OnAnswer(0, Offers(r, primary_, {4 * kDollar}, 0, pool_primary_), out_);
  exchange_.OnAnswer(0, Offers(r, rival_, {3 * kDollar}, 600, pool_rival_), out_);
  exchange_.OnAnswer(0, Offers(r, neo_, {std::nullopt}, 0, pool_neo_), out_);
  ASSERT_EQ(out_.awards.size(), 1u);
  EXPECT_EQ(out_.awards[0].provider, rival_);
}

TEST_F(ExchangeTest, UnservableAndUnofferedItemsAreUnplaced) {
  RequestSpec spec = Spec(2, RofrMode::kRofo, true, 0, 1000);
  spec.items[1].providers.clear();
  const RequestId r = exchange_.Open(0, std::move(spec), out_);
  EXPECT_EQ(out_.unplaced, (std::vector<std::pair<RequestId, int32_t>>{{r, 1}}));
  exchange_.OnAnswer(1, Offers(r, primary_, {std::nullopt}, 1, pool_primary_), out_);
  exchange_.OnAnswer(1, Offers(r, rival_, {std::nullopt}, 1, pool_rival_), out_);
  exchange_.OnAnswer(1, Offers(r, neo_, {std::nullopt}, 1, pool_neo_), out_);
  EXPECT_EQ(out_.unplaced, (std::vector<std::pair<RequestId, int32_t>>{{r, 1}, {r, 0}}));
  EXPECT_EQ(out_.Count(AuditKind::kUnplaced), 2);
  EXPECT_EQ(exchange_.open_requests(), 0u);
}

TEST_F(ExchangeTest, QuoteWindowClosesWithTheQuotesAtHand) {
  RequestSpec spec = Spec(1, RofrMode::kRofo, true, 0, 1000);
  spec.quote_window = 300;
  const RequestId r = exchange_.Open(0, std::move(spec), out_);
  EXPECT_EQ(out_.timers, (std::vector<std::pair<Time, RequestId>>{{300, r}}));
  exchange_.OnAnswer(100, Offers(r, neo_, {5 * kDollar}, 100, pool_neo_), out_);
  exchange_.OnTimer(300, r, out_);
  EXPECT_EQ(out_.Count(AuditKind::kTimeout), 2);  // primary and rival never answered
  ASSERT_EQ(out_.awards.size(), 1u);
  EXPECT_EQ(out_.awards[0].provider, neo_);
}

TEST_F(ExchangeTest, OffersOnAnotherProvidersPoolAreDeclines) {
  const RequestId r = exchange_.Open(0, Spec(1, RofrMode::kRofo), out_);
  exchange_.OnAnswer(1, Offers(r, primary_, {1 * kDollar}, 1, pool_rival_), out_);
  EXPECT_TRUE(out_.awards.empty());
  EXPECT_EQ(out_.Count(AuditKind::kDecline), 1);
}

TEST_F(ExchangeTest, NoProviderIsEverHandedAnotherProvidersQuoteOrATenantsJob) {
  // rofo: every ask, to the holder or to the others, carries no terms to match.
  RequestId r = exchange_.Open(0, Spec(2, RofrMode::kRofo), out_);
  exchange_.OnAnswer(1, Offers(r, primary_, {std::nullopt, std::nullopt}, 1, pool_primary_), out_);
  exchange_.OnAnswer(2, Offers(r, rival_, {3 * kDollar, 3 * kDollar}, 2, pool_rival_), out_);
  exchange_.OnAnswer(2, Offers(r, neo_, {2 * kDollar, 2 * kDollar}, 2, pool_neo_), out_);
  for (const Ask& ask : out_.asks) EXPECT_TRUE(ask.match.empty());
  // rofr: only the holder's match ask carries terms, and only a price and a start.
  const size_t before = out_.asks.size();
  r = exchange_.Open(10, Spec(1, RofrMode::kRofr), out_);
  exchange_.OnAnswer(11, Offers(r, rival_, {3 * kDollar}, 11, pool_rival_), out_);
  exchange_.OnAnswer(11, Offers(r, neo_, {2 * kDollar}, 11, pool_neo_), out_);
  for (size_t i = before; i < out_.asks.size(); ++i) {
    EXPECT_EQ(out_.asks[i].match.empty(), out_.asks[i].provider != primary_);
  }
  // Every ask's items are exactly the request's terms: no job ids or names travel.
  const ItemTerms expected = Spec(1, RofrMode::kRofo).items[0].terms;
  for (const Ask& ask : out_.asks) {
    for (const ItemTerms& item : ask.items) {
      EXPECT_EQ(item.accelerators, expected.accelerators);
      EXPECT_EQ(item.runtimes, expected.runtimes);
    }
  }
  static_assert(sizeof(Ask) > 0, "");
}

}  // namespace
}  // namespace arbiter
