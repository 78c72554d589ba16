#include "core/market_desk.h"

#include <algorithm>
#include <utility>

#include "sched/eligibility.h"

namespace arbiter {

MarketDesk::MarketDesk(const Fleet& fleet, const BrokerOptions& options, Instant& instant,
                       const JobTable& jobs, PoolBook& book, const AccessTable& access,
                       const Learning& learning, const Restarts& restarts, const ClusterView& view,
                       Host& host)
    : fleet_(fleet),
      options_(options.market),
      instant_(instant),
      jobs_(jobs),
      book_(book),
      access_(access),
      learning_(learning),
      restarts_(restarts),
      view_(view),
      host_(host),
      exchange_(fleet),
      tally_(fleet, options.keep_audit),
      awaiting_(fleet.pools.size()),
      rofr_holder_(fleet.tenants.size()),
      rofr_terms_(fleet.tenants.size()) {
  for (const Contract& c : fleet.contracts) {
    if (const auto* rofr = std::get_if<RofrTerms>(&c.terms)) {
      if (!rofr_holder_[c.tenant.index()]) {
        rofr_holder_[c.tenant.index()] = c.provider;
        rofr_terms_[c.tenant.index()] = *rofr;
      }
    }
  }
}

void MarketDesk::Request(JobId job, PoolId pool) {
  JobState& market = jobs_state_[job.index()];
  market.buy_spot = false;
  // New capacity: hold the pool tentatively and ask for it at the end of the pass.
  book_.AddHeld(pool, jobs_.spec(job).accelerators);
  market.phase = Phase::kRequesting;
  market.held_pool = pool;
  batch_.push_back(job);
}

void MarketDesk::OpenRequests(OfferPreference preference) {
  if (batch_.empty()) return;
  const Time now = instant_.now;
  std::vector<JobId> batch;
  batch.swap(batch_);
  std::stable_sort(batch.begin(), batch.end(), [this](JobId a, JobId b) {
    return jobs_.spec(a).tenant < jobs_.spec(b).tenant;
  });
  for (size_t first = 0; first < batch.size();) {
    const TenantId tenant = jobs_.spec(batch[first]).tenant;
    size_t last = first;
    while (last < batch.size() && jobs_.spec(batch[last]).tenant == tenant) ++last;
    RequestSpec spec;
    spec.tenant = tenant;
    spec.preference = preference;
    spec.quote_window = options_.quote_window;
    const std::optional<ProviderId> holder = rofr_holder_[tenant.index()];
    if (holder) spec.rofr = rofr_terms_[tenant.index()];
    RequestJobs& jobs = request_[exchange_.next_id()];
    for (size_t k = first; k < last; ++k) {
      const JobId job = batch[k];
      const Job& j = jobs_.spec(job);
      const JobState& market = jobs_state_[job.index()];
      ExchangeItem item;
      item.job = job;
      item.terms.accelerators = j.accelerators;
      item.terms.per_node = j.AcceleratorsPerNode();
      item.terms.earliest_start = now;
      const Work remaining = jobs_.RemainingWork(job, now);
      Duration fastest = kNever;
      for (const Throughput& t : j.throughputs) {
        const Duration runtime = RuntimeFor(remaining, t.rate);
        item.terms.runtimes.push_back({t.type, runtime});
        fastest = std::min(fastest, runtime);
      }
      if (j.deadline != kNever) item.terms.latest_start = std::max(now, j.deadline - fastest);
      item.terms.spot =
          market.buy_spot || access_.Of(tenant, market.held_pool)->kind == ChargeKind::kSpot;
      item.terms.preference = spec.preference;
      // A recovering job asks only for the pool its recovery policy chose; no job takes a pool
      // in back-off (the providers' agents are told to avoid them).
      const bool pinned = restarts_.pinned(job);
      const ProviderId chosen = fleet_.pool(market.held_pool).provider;
      if (pinned || learning_.AnyBackOff()) {  // some pool is in back-off now
        for (PoolId pool : EligiblePools(j, view_)) {
          if (pool == market.held_pool) continue;
          if ((pinned && fleet_.pool(pool).provider == chosen) || learning_.BackedOff(pool, now)) {
            item.terms.avoid.push_back(pool);
          }
        }
      }
      for (ProviderId provider : MarketProviders(j)) {
        if (provider != market.missed && (!pinned || provider == chosen)) {
          item.providers.push_back(provider);
        }
      }
      item.covered = holder && !market.skip_rofr &&
                     j.accelerators >= rofr_terms_[tenant.index()].min_accelerators;
      if (item.covered) spec.holder = holder;
      spec.items.push_back(std::move(item));
      jobs.jobs.push_back(job);
    }
    jobs.left = static_cast<int64_t>(jobs.jobs.size());
    const RequestId id = exchange_.next_id();
    for (JobId job : jobs.jobs) jobs_state_[job.index()].request = id;
    exchange_.Open(now, std::move(spec), *this);
    first = last;
  }
}

const std::vector<ProviderId>& MarketDesk::MarketProviders(const Job& job) {
  // The providers depend only on the tenant, the accepted types, the gang and its per-node share.
  uint64_t types = 0;
  bool cacheable = true;
  for (const Throughput& t : job.throughputs) {
    if (t.type.index() < 64) {
      types |= uint64_t{1} << t.type.index();
    } else {
      cacheable = false;
    }
  }
  const auto shape =
      std::make_tuple(job.tenant.value(), types, job.accelerators, job.AcceleratorsPerNode());
  if (cacheable) {
    if (auto it = providers_by_shape_.find(shape); it != providers_by_shape_.end()) {
      return it->second;
    }
  }
  std::vector<ProviderId> providers;
  for (PoolId pool : EligiblePools(job, view_)) {
    if (access_.Of(job.tenant, pool)->market) providers.push_back(fleet_.pool(pool).provider);
  }
  std::sort(providers.begin(), providers.end());
  providers.erase(std::unique(providers.begin(), providers.end()), providers.end());
  if (!cacheable) {
    uncached_providers_ = std::move(providers);
    return uncached_providers_;
  }
  return providers_by_shape_.emplace(shape, std::move(providers)).first->second;
}

void MarketDesk::Closed(RequestId request) {
  tally_.Closed(request);
  instant_.Emit(RequestClosed{request});
}

void MarketDesk::ReleaseHold(JobId job) {
  JobState& market = jobs_state_[job.index()];
  book_.AddHeld(market.held_pool, -static_cast<int64_t>(jobs_.spec(job).accelerators));
  instant_.Grew(market.held_pool);
  market.held_pool = PoolId();
}

JobId MarketDesk::SettleItem(RequestId request, int32_t item) {
  auto it = request_.find(request);
  const JobId job = it->second.jobs[item];
  if (--it->second.left == 0) request_.erase(it);
  ReleaseHold(job);
  return job;
}

void MarketDesk::Award(RequestId request, int32_t item, ProviderId provider, const Offer& offer,
                       bool /*holder*/) {
  const JobId job = SettleItem(request, item);
  JobState& market = jobs_state_[job.index()];
  const TenantId tenant = jobs_.spec(job).tenant;
  market.phase = Phase::kAwarded;
  market.pool = offer.pool;
  market.provider = provider;
  market.price = offer.price_per_accel_hour;
  const std::optional<Access>& access = access_.Of(tenant, offer.pool);
  market.spot = market.buy_spot || (access && access->kind == ChargeKind::kSpot);
  market.promised = offer.start;
  market.release_at =
      offer.start + (rofr_holder_[tenant.index()] ? rofr_terms_[tenant.index()].grace : 0);
  if (offer.start > instant_.now) {
    instant_.Emit(SetTimer{offer.start, TimerTag(kDeliver, job.value())});
  } else {
    TryDeliver(job);
  }
}

void MarketDesk::Unplaced(RequestId request, int32_t item) {
  const JobId job = SettleItem(request, item);
  jobs_state_[job.index()].phase = Phase::kNone;
  host_.LetGo(job);
  // No provider offered: ask again after the retry delay rather than at once.
  instant_.Emit(SetTimer{instant_.now + options_.retry_delay, TimerTag(kRetryStart, job.value())});
}

AuditRecord MarketDesk::DealRecord(JobId job, AuditKind kind) const {
  const JobState& market = jobs_state_[job.index()];
  AuditRecord record;
  record.time = instant_.now;
  record.kind = kind;
  record.request = market.request;
  record.tenant = jobs_.spec(job).tenant;
  record.provider = market.provider;
  record.pool = market.pool;
  record.accelerators = jobs_.spec(job).accelerators;
  record.price_per_accel_hour = market.price;
  record.start = market.promised;
  record.job = job;
  return record;
}

void MarketDesk::TryDeliver(JobId job) {
  JobState& market = jobs_state_[job.index()];
  const std::vector<JobId>& waiting = awaiting_[market.pool.index()];
  const int64_t accelerators = jobs_.spec(job).accelerators;
  // Earlier awards waiting for this pool go first.
  const auto pos = std::find(waiting.begin(), waiting.end(), job);
  int64_t ahead = 0;
  for (auto it = waiting.begin(); it != pos; ++it) ahead += jobs_.spec(*it).accelerators;
  if (book_.capacity(market.pool) - book_.used(market.pool) - ahead >= accelerators) {
    if (pos != waiting.end()) StopAwaiting(job);
    Record(
        DealRecord(job, instant_.now > market.promised ? AuditKind::kLate : AuditKind::kDeliver));
    market.phase = Phase::kNone;
    market.missed = ProviderId();
    host_.StartDelivered(job, market.pool, market.price,
                         market.spot ? ChargeKind::kSpot : ChargeKind::kOnDemand);
    return;
  }
  if (pos != waiting.end()) return;  // still waiting
  awaiting_[market.pool.index()].push_back(job);
  book_.AddAwaiting(market.pool, accelerators);
  instant_.Emit(
      SetTimer{std::max(instant_.now, market.release_at), TimerTag(kRelease, job.value())});
}

void MarketDesk::DeliverAwaiting(PoolId pool) {
  // In award order; stop at the first that does not fit, so a wide gang is not starved.
  while (!awaiting_[pool.index()].empty()) {
    const JobId head = awaiting_[pool.index()].front();
    TryDeliver(head);
    if (Awarded(head)) break;
  }
}

void MarketDesk::StopAwaiting(JobId job) {
  const JobState& market = jobs_state_[job.index()];
  std::vector<JobId>& waiting = awaiting_[market.pool.index()];
  auto it = std::find(waiting.begin(), waiting.end(), job);
  if (it == waiting.end()) return;
  waiting.erase(it);
  book_.AddAwaiting(market.pool, -static_cast<int64_t>(jobs_.spec(job).accelerators));
  instant_.Grew(market.pool);
}

bool MarketDesk::Release(JobId job) {
  JobState& market = jobs_state_[job.index()];
  if (market.phase != Phase::kAwarded || instant_.now < market.release_at) return false;
  // Accepted but not delivered in time: the deal is off, and the job asks the market again,
  // without a first look for the holder (it has had its chance) and without the provider that
  // missed (for this one request).
  StopAwaiting(job);
  Record(DealRecord(job, AuditKind::kRelease));
  market.phase = Phase::kNone;
  market.skip_rofr = true;
  market.missed = market.provider;
  return true;
}

}  // namespace arbiter
