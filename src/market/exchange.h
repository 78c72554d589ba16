// The exchange: the rules by which a tenant's request for new capacity travels between providers,
// including a primary provider's right of first refusal (docs/market.md).
//
// A request holds items, one per gang. Each item lists the providers that could serve it and says
// whether it is covered by the tenant's right-of-first-refusal contract (its holder, window W,
// mode, partial rule, tolerance). The exchange decides whom to ask, when, and with what terms;
// the core carries out its asks and timers (through ExchangeOutbox) and reports answers back.
//
//  rofo (first offer): the holder is asked first about the covered items and has W to answer.
//     It may accept all of them, or (only if the contract allows partial acceptance) some; an
//     answer after W, or none, is a decline. What it does not take goes to the other providers.
//  rofr (first refusal, match): quotes for the covered items are gathered from the other
//     providers first; the holder then has W to match the best quote of each item (price at most
//     best x (1 + tolerance), start no later than the best quote's, or than now if that passed).
//     Matched items go to the holder; the others to their best quote. Partial matching needs the
//     contract's consent.
//  Items not covered go to every eligible provider (the holder included) at once.
//  Quotes are gathered until every asked provider answered, or for the market's quote window.
//
// Among offers for an item the tenant takes the best by its preference: earliest finish (start +
// runtime on the offered pool's type), then lower cost, then lower provider id; or lower cost
// first. The exchange never tells a provider who else was asked or what they quoted: a holder
// asked to match sees only the price and start to match.
#ifndef ARBITER_MARKET_EXCHANGE_H_
#define ARBITER_MARKET_EXCHANGE_H_

#include <map>
#include <optional>
#include <span>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/inlined_vector.h"
#include "model/fleet.h"
#include "model/market.h"

namespace arbiter {

struct ExchangeItem {
  JobId job;  // the tenant's job; kept by the exchange, never put in an Ask
  ItemTerms terms;
  std::vector<ProviderId> providers;  // eligible providers, ascending
  bool covered = false;               // subject to the holder's right of first refusal
};

struct RequestSpec {
  TenantId tenant;
  std::vector<ExchangeItem> items;
  std::optional<ProviderId> holder;  // the right-of-first-refusal holder, if any item is covered
  RofrTerms rofr;
  OfferPreference preference = OfferPreference::kFinish;
  Duration quote_window = 0;  // 0: wait for every asked provider
};

// What the exchange needs its user to do.
class ExchangeOutbox {
 public:
  virtual ~ExchangeOutbox() = default;
  virtual void SendAsk(Ask ask) = 0;
  virtual void WakeAt(Time at, RequestId request) = 0;
  // `item` of `request` goes to `provider` on `offer`. `holder`: it was won by the holder's right.
  virtual void Award(RequestId request, int32_t item, ProviderId provider, const Offer& offer,
                     bool holder) = 0;
  virtual void Unplaced(RequestId request, int32_t item) = 0;
  // Every item of `request` is settled: offers made for it no longer stand.
  virtual void Closed(RequestId request) = 0;
  virtual void Record(const AuditRecord& record) = 0;
};

// Who is asked about which items of a request (item indexes, ascending providers).
using AskPlan = absl::btree_map<ProviderId, absl::InlinedVector<int32_t, 2>>;

class Exchange {
 public:
  explicit Exchange(const Fleet& fleet) : fleet_(fleet) {}

  // Opens a request and sends its first asks. Items no provider can serve are unplaced at once.
  RequestId Open(Time now, RequestSpec spec, ExchangeOutbox& out);
  // A provider's answer. Answers to requests or phases that are over (after a timeout) are
  // recorded as declines and otherwise ignored.
  void OnAnswer(Time now, const Answer& answer, ExchangeOutbox& out);
  // A timer set through WakeAt fired. Stale timers are ignored.
  void OnTimer(Time now, RequestId request, ExchangeOutbox& out);

  size_t open_requests() const { return open_.size(); }
  // The id the next Open will return (so a caller can index the request before it is opened).
  RequestId next_id() const { return next_id_; }
  // Seconds the tenant's requests spent waiting on a holder's first look or match, in total.
  Duration holder_wait(TenantId tenant) const;

 private:
  enum class Phase { kFirstLook, kQuote, kMatch, kOpen };
  struct Request {
    RequestId id = 0;
    RequestSpec spec;
    Phase phase = Phase::kOpen;
    Time deadline = kNever;  // of the current phase, if timed
    Time phase_start = 0;
    AskPlan waiting;                                                // provider -> asked items
    std::vector<std::optional<std::pair<ProviderId, Offer>>> best;  // per item
    std::vector<bool> settled;
  };

  // Asks `items` of each provider in `asks` (provider -> items) in `phase`.
  void SendAsks(Time now, Request& r, Phase phase, const AskPlan& asks, ExchangeOutbox& out);
  void StartOpenPhase(Time now, Request& r, bool exclude_holder_for_covered, ExchangeOutbox& out);
  void StartMatchPhase(Time now, Request& r, ExchangeOutbox& out);
  void HolderAnswered(Time now, Request& r, std::span<const int32_t> items, const OfferList& offers,
                      ExchangeOutbox& out);
  void PhaseComplete(Time now, Request& r, ExchangeOutbox& out);
  // Awards every unsettled item to its best offer (or unplaced) and closes the request.
  void Finish(Time now, Request& r, ExchangeOutbox& out);
  void Settle(Time now, Request& r, int32_t item, ProviderId provider, const Offer& quoted,
              bool holder, ExchangeOutbox& out);
  bool Better(const Request& r, int32_t item, const Offer& a, ProviderId pa, const Offer& b,
              ProviderId pb, Time now) const;
  // An offer is usable if it names a pool of the provider with a type the item accepts.
  std::optional<Duration> RuntimeOf(const ItemTerms& item, ProviderId provider,
                                    const Offer& offer) const;
  AuditRecord Base(Time now, const Request& r, AuditKind kind) const;
  static AskPhase AuditPhase(Phase phase);

  const Fleet& fleet_;
  RequestId next_id_ = 1;
  std::map<RequestId, Request> open_;
  std::map<TenantId, Duration> holder_wait_;
};

}  // namespace arbiter

#endif  // ARBITER_MARKET_EXCHANGE_H_
