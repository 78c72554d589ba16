#include "core/market_tally.h"

#include "gtest/gtest.h"

namespace arbiter {
namespace {

AuditRecord Step(AuditKind kind, RequestId request, int32_t provider, AskPhase phase,
                 int32_t item = 0) {
  AuditRecord r;
  r.kind = kind;
  r.request = request;
  r.tenant = TenantId(0);
  r.provider = ProviderId(provider);
  r.phase = phase;
  r.item = item;
  return r;
}

class MarketTallyTest : public ::testing::Test {
 protected:
  MarketTallyTest() {
    fleet_.AddProvider("a");
    fleet_.AddProvider("b");
    fleet_.AddTenant({"lab", 1, std::nullopt});
  }
  Fleet fleet_;
};

TEST_F(MarketTallyTest, AnAskCountsOnceWhenAllItsItemsAreAnsweredOrItTimesOut) {
  MarketTally tally(fleet_, /*keep_audit=*/false);
  tally.Record(Step(AuditKind::kRequest, 1, -1, AskPhase::kOpen, 0));
  tally.Record(Step(AuditKind::kRequest, 1, -1, AskPhase::kOpen, 1));
  // Provider a is asked about both items; it offers for one and declines the other.
  tally.Record(Step(AuditKind::kAsk, 1, 0, AskPhase::kOpen, 0));
  tally.Record(Step(AuditKind::kAsk, 1, 0, AskPhase::kOpen, 1));
  tally.Record(Step(AuditKind::kOffer, 1, 0, AskPhase::kOpen, 0));
  EXPECT_EQ(tally.providers()[0].asks, 0);  // half answered
  tally.Record(Step(AuditKind::kDecline, 1, 0, AskPhase::kOpen, 1));
  // Holder b gets a first look at item 0 and lets its window pass.
  tally.Record(Step(AuditKind::kAsk, 1, 1, AskPhase::kFirstLook, 0));
  tally.Record(Step(AuditKind::kTimeout, 1, 1, AskPhase::kFirstLook, -1));
  tally.Record(Step(AuditKind::kTimeout, 1, 1, AskPhase::kFirstLook, -1));  // counted once
  tally.Record(Step(AuditKind::kAward, 1, 0, AskPhase::kOpen, 0));
  tally.Record(Step(AuditKind::kAward, 1, 1, AskPhase::kMatch, 1));
  const ProviderMarket& a = tally.providers()[0];
  const ProviderMarket& b = tally.providers()[1];
  EXPECT_EQ(tally.tenants()[0].requests, 1);
  EXPECT_EQ(tally.tenants()[0].items, 2);
  EXPECT_EQ(a.requests_seen, 1);
  EXPECT_EQ(a.asks, 1);
  EXPECT_EQ(a.accepted_part, 1);
  EXPECT_EQ(a.accepted_full + a.declined, 0);
  EXPECT_EQ(b.asks, 1);
  EXPECT_EQ(b.timed_out, 1);
  EXPECT_EQ(a.items_won, 1);
  EXPECT_EQ(a.items_won_by_right, 0);
  EXPECT_EQ(b.items_won_by_right, 1);
  EXPECT_TRUE(tally.audit().empty());  // counts only
}

TEST_F(MarketTallyTest, RequestsSeenCountEachProviderOncePerRequest) {
  MarketTally tally(fleet_, /*keep_audit=*/true);
  tally.Record(Step(AuditKind::kAsk, 7, 0, AskPhase::kQuote, 0));
  tally.Record(Step(AuditKind::kAsk, 7, 0, AskPhase::kOpen, 0));
  EXPECT_EQ(tally.providers()[0].requests_seen, 1);
  tally.Closed(7);
  tally.Record(Step(AuditKind::kAsk, 8, 0, AskPhase::kOpen, 0));
  EXPECT_EQ(tally.providers()[0].requests_seen, 2);
  EXPECT_EQ(tally.audit().size(), 3u);
}

}  // namespace
}  // namespace arbiter
