// The capacity market's messages, as plain data: what a provider is asked, what it answers, and
// the audit record of every step. The rules that produce them are in src/market.
//
// A provider sees only the terms below: gang sizes, node shapes, acceptable types, expected
// runtimes, start times, whether spot is wanted, and (when asked to match under a right of first
// refusal) the price and start it must match. Never a job's name or id, never the tenant's other
// offers, never who quoted what.
#ifndef ARBITER_MODEL_MARKET_H_
#define ARBITER_MODEL_MARKET_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "model/ids.h"
#include "model/units.h"

namespace arbiter {

using RequestId = int64_t;

// How a tenant ranks offers for an item: earliest finish first, or lowest cost first.
enum class OfferPreference : uint8_t { kFinish, kCost };

// One gang's worth of new capacity.
struct ItemTerms {
  int32_t accelerators = 0;
  int32_t per_node = 0;  // accelerators needed on each node
  // Acceptable types with the expected runtime on each.
  absl::InlinedVector<std::pair<AcceleratorTypeId, Duration>, 3> runtimes;
  Time earliest_start = 0;
  Time latest_start = kNever;  // the latest start still useful (deadline minus runtime)
  bool spot = false;           // wants spot capacity at the spot price
  // What the tenant values: earliest finish (then cost) or lowest cost (then finish). A provider
  // offers its pool that serves this best.
  OfferPreference preference = OfferPreference::kFinish;
  // Pools the tenant will not take (backed off after failures, or not the pool its recovery
  // chose); a provider offers another of its pools or declines.
  absl::InlinedVector<PoolId, 2> avoid;
};

// The terms a right-of-first-refusal holder is asked to match (rofr mode).
struct MatchTerms {
  Micros price_per_accel_hour = 0;
  Time start = 0;
};

// A question to one provider about one request.
struct Offer {
  PoolId pool;
  Micros price_per_accel_hour = 0;
  Time start = 0;
};

// Containers sized for the common case (a request of one gang) so that asks and answers, made by
// the million in a large run, rarely allocate.
using ItemList = absl::InlinedVector<ItemTerms, 1>;
using MatchList = absl::InlinedVector<std::optional<MatchTerms>, 1>;
using OfferList = absl::InlinedVector<std::optional<Offer>, 1>;

struct Ask {
  RequestId request = 0;
  ProviderId provider;
  TenantId tenant;
  ItemList items;
  // Empty, or one entry per item: the terms to match (nullopt: no quote to match, make an offer).
  MatchList match;
  Time answer_by = kNever;  // the end of the holder's window; answers after it count as declines
};

// A provider's answer: one entry per item of the ask (nullopt: declined).
struct Answer {
  RequestId request = 0;
  ProviderId provider;
  OfferList offers;
};

enum class AuditKind : uint8_t {
  kRequest,   // a tenant needs new capacity: items opened
  kAsk,       // a provider asked (first look, quote, or match)
  kOffer,     // a provider offered for an item
  kDecline,   // a provider declined an item
  kTimeout,   // a holder did not answer within its window (counts as a decline)
  kAward,     // an item went to a provider
  kUnplaced,  // no provider offered for an item
  kDeliver,   // awarded capacity arrived and the job started on it
  kLate,      // it arrived after the promised start (within the grace period)
  kRelease,   // it did not arrive by start + grace: released to the market again
  kPreempt,   // a provider stopped external spot work for its own demand
};

std::string_view AuditKindName(AuditKind kind);

// What phase of a request an ask belongs to.
enum class AskPhase : uint8_t { kFirstLook, kQuote, kMatch, kOpen };

std::string_view AskPhaseName(AskPhase phase);

struct AuditRecord {
  Time time = 0;
  AuditKind kind = AuditKind::kRequest;
  RequestId request = 0;
  TenantId tenant;
  ProviderId provider;  // invalid where no provider is involved
  int32_t item = -1;    // item index within the request, -1 for the whole request
  int32_t accelerators = 0;
  PoolId pool;
  Micros price_per_accel_hour = 0;
  Time start = 0;
  AskPhase phase = AskPhase::kOpen;
  JobId job;  // the tenant's job behind an item (never shown to providers)
};

}  // namespace arbiter

#endif  // ARBITER_MODEL_MARKET_H_
