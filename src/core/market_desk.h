// The market desk: the core's side of the capacity market.
//
// A placement on a pool the tenant must buy (AccessTable: `market`) does not start the job: the
// desk puts a tentative hold on the pool (so the pass does not ask twice for the same room) and,
// at the end of the pass, opens one capacity request per tenant with those jobs as items
// (OpenRequests). The Exchange (market/exchange.h) decides whom to ask and settles each item; the
// desk is its outbox: asks become AskProvider commands, windows become timers, awards become
// deliveries. An awarded job starts at once if its pool has room, else it waits, first in line
// for that pool (award order), until the offer's start plus the holder's grace; then the deal is
// released and the job asks again, without the provider that missed. Every step is recorded in
// the MarketTally.
//
// The desk never starts a run or talks to the scheduling policy itself: it asks its Host (the
// Broker) to start a delivered job, and to let go of a job whose request got no offer.
#ifndef ARBITER_CORE_MARKET_DESK_H_
#define ARBITER_CORE_MARKET_DESK_H_

#include <cstdint>
#include <optional>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/access.h"
#include "core/instant.h"
#include "core/job_table.h"
#include "core/learning.h"
#include "core/market_tally.h"
#include "core/options.h"
#include "core/pool_book.h"
#include "core/restarts.h"
#include "market/exchange.h"
#include "sched/view.h"

namespace arbiter {

class MarketDesk final : private ExchangeOutbox {
 public:
  class Host {
   public:
    virtual ~Host() = default;
    // The awarded capacity is there: start the job's run on `pool`.
    virtual void StartDelivered(JobId job, PoolId pool, Micros price, ChargeKind kind) = 0;
    // The job's request got no offer: whoever placed it lets go of it (it asks again after the
    // market's retry delay).
    virtual void LetGo(JobId job) = 0;
  };

  // Every reference must outlive the desk. `view` is the core's ClusterView (eligibility).
  MarketDesk(const Fleet& fleet, const BrokerOptions& options, Instant& instant,
             const JobTable& jobs, PoolBook& book, const AccessTable& access,
             const Learning& learning, const Restarts& restarts, const ClusterView& view,
             Host& host);

  void AddJob() { jobs_state_.emplace_back(); }
  void Reserve(size_t jobs) { jobs_state_.reserve(jobs); }

  // The job is in no request and holds no award.
  bool Idle(JobId job) const { return jobs_state_[job.index()].phase == Phase::kNone; }
  bool Awarded(JobId job) const { return jobs_state_[job.index()].phase == Phase::kAwarded; }

  // A placement of `job` on the market pool `pool`: a tentative hold, asked for at the end of the
  // pass. BuySpot: the placement buys spot capacity (Purchase::kSpot).
  void Request(JobId job, PoolId pool);
  void BuySpot(JobId job) { jobs_state_[job.index()].buy_spot = true; }
  // Opens one capacity request per tenant for the jobs placed on market pools since the last
  // call; `preference` is the scheduling policy's.
  void OpenRequests(OfferPreference preference);
  // Tries the awaiting deliveries of a pool that grew, in award order.
  void DeliverAwaiting(PoolId pool);

  void OnAnswer(const Answer& answer) { exchange_.OnAnswer(instant_.now, answer, *this); }
  void OnExchangeTimer(RequestId request) { exchange_.OnTimer(instant_.now, request, *this); }
  // The awarded offer's start: delivers the job if its pool has room.
  void OnDeliverTimer(JobId job) { TryDeliver(job); }
  // The award's release time passed without delivery: the deal is off (audited) and the job is
  // idle again. Returns false, changing nothing, if the release is not due.
  bool Release(JobId job);

  // Records a market step (also the exchange's, as its outbox).
  void Record(const AuditRecord& record) override { tally_.Record(record); }
  const MarketTally& tally() const { return tally_; }
  // Seconds the tenant's requests spent waiting on a right-of-first-refusal holder.
  Duration rofr_wait(TenantId tenant) const { return exchange_.holder_wait(tenant); }

 private:
  enum class Phase : uint8_t { kNone, kRequesting, kAwarded };
  // A job's place in the market.
  struct JobState {
    Phase phase = Phase::kNone;
    PoolId held_pool;  // while requesting
    RequestId request = 0;
    // While awarded:
    PoolId pool;
    ProviderId provider;
    Micros price = 0;
    bool spot = false;
    Time promised = 0;       // the offer's start
    Time release_at = 0;     // promised + grace
    bool skip_rofr = false;  // released once: its next request goes straight to the market
    ProviderId missed;       // the provider that last failed to deliver; not asked next time
    bool buy_spot = false;   // placed with Purchase::kSpot
  };
  struct RequestJobs {
    std::vector<JobId> jobs;  // by item
    int64_t left = 0;         // items not yet settled
  };

  // ExchangeOutbox.
  void SendAsk(Ask ask) override { instant_.Emit(AskProvider{std::move(ask)}); }
  void WakeAt(Time at, RequestId request) override {
    instant_.Emit(SetTimer{at, TimerTag(kExchange, request)});
  }
  void Award(RequestId request, int32_t item, ProviderId provider, const Offer& offer,
             bool holder) override;
  void Unplaced(RequestId request, int32_t item) override;
  void Closed(RequestId request) override;

  // The providers the job's tenant can buy capacity for it from (ascending).
  const std::vector<ProviderId>& MarketProviders(const Job& job);
  // Starts an awarded job if its pool has room now; otherwise it waits for room until its
  // release time.
  void TryDeliver(JobId job);
  void ReleaseHold(JobId job);
  // The job behind `item` of `request`; releases its hold and forgets the item.
  JobId SettleItem(RequestId request, int32_t item);
  void StopAwaiting(JobId job);
  AuditRecord DealRecord(JobId job, AuditKind kind) const;

  const Fleet& fleet_;
  MarketOptions options_;
  Instant& instant_;
  const JobTable& jobs_;
  PoolBook& book_;
  const AccessTable& access_;
  const Learning& learning_;
  const Restarts& restarts_;
  const ClusterView& view_;
  Host& host_;
  Exchange exchange_;
  MarketTally tally_;
  std::vector<JobState> jobs_state_;                     // per job
  std::vector<JobId> batch_;                             // placed on market pools in this pass
  absl::flat_hash_map<RequestId, RequestJobs> request_;  // open requests
  std::vector<std::vector<JobId>> awaiting_;             // per pool: awarded jobs, award order
  std::vector<std::optional<ProviderId>> rofr_holder_;   // per tenant
  std::vector<RofrTerms> rofr_terms_;                    // per tenant
  // MarketProviders' cache, by (tenant, accepted types, gang, per-node share).
  absl::flat_hash_map<std::tuple<int32_t, uint64_t, int32_t, int32_t>, std::vector<ProviderId>>
      providers_by_shape_;
  std::vector<ProviderId> uncached_providers_;
};

}  // namespace arbiter

#endif  // ARBITER_CORE_MARKET_DESK_H_
