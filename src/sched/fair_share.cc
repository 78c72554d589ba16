#include "sched/fair_share.h"

#include <algorithm>
#include <cassert>
#include <tuple>

#include "model/strings.h"

namespace arbiter {
namespace {

// A provider's own first-party work on its pools is never reclaimed for an external tenant.
bool Protected(const Fleet& fleet, TenantId victim, TenantId preemptor, ProviderId provider) {
  return fleet.tenant(victim).first_party_of == provider &&
         fleet.tenant(preemptor).first_party_of != provider;
}

}  // namespace

void FairSharePolicy::Init(const ClusterView& view) {
  if (init_) return;
  init_ = true;
  const Fleet& fleet = view.fleet();
  const size_t types = fleet.accelerator_types.size();
  const size_t tenants = fleet.tenants.size();
  capacity_.assign(types, 0);
  for (const Pool& pool : fleet.pools) capacity_[pool.type.index()] += pool.capacity();
  queues_.resize(tenants);
  for (size_t q = 0; q < tenants; ++q) {
    Queue& queue = queues_[q];
    queue.weight = std::max(1, fleet.tenants[q].weight);
    queue.nominal.assign(types, 0);
    queue.limit.assign(types, -1);
    queue.usage.assign(types, 0);
    queue.blocked.assign(types, 0);
  }
  // Explicit quotas first; the rest of each type is shared by weight among the tenants that can
  // use it and did not list it.
  for (size_t t = 0; t < types; ++t) {
    const auto type = AcceleratorTypeId::FromIndex(t);
    int64_t listed = 0;
    int64_t weights = 0;
    std::vector<bool> share(tenants, false);
    for (size_t q = 0; q < tenants; ++q) {
      const Tenant& tenant = fleet.tenants[q];
      auto it = std::find_if(tenant.quotas.begin(), tenant.quotas.end(),
                             [type](const TypeQuota& quota) { return quota.type == type; });
      if (it != tenant.quotas.end()) {
        queues_[q].nominal[t] = it->nominal;
        queues_[q].limit[t] = it->borrowing_limit;
        listed += it->nominal;
        continue;
      }
      for (PoolId pool : fleet.PoolsOfType(type)) {
        if (view.PriceFor(TenantId::FromIndex(q), pool)) {
          share[q] = true;
          weights += queues_[q].weight;
          break;
        }
      }
    }
    const int64_t rest = std::max<int64_t>(0, capacity_[t] - listed);
    for (size_t q = 0; q < tenants; ++q) {
      if (share[q]) queues_[q].nominal[t] = rest * queues_[q].weight / weights;
    }
  }
  pool_usage_.assign(fleet.pools.size() * tenants, 0);
  // Every pool with free capacity is listed as idle, so that a quota held back can find it.
  idle_flag_.assign(fleet.pools.size(), 0);
  idle_.resize(types);
  for (size_t p = 0; p < fleet.pools.size(); ++p) NoteIdle(PoolId::FromIndex(p), view);
  quota_freed_.assign(types, 0);
  scratch_usage_.assign(tenants, 0);
}

int64_t FairSharePolicy::nominal(TenantId tenant, AcceleratorTypeId type) const {
  return queues_[tenant.index()].nominal[type.index()];
}

int64_t FairSharePolicy::usage(TenantId tenant, AcceleratorTypeId type) const {
  return queues_[tenant.index()].usage[type.index()];
}

bool FairSharePolicy::Admissible(TenantId q, AcceleratorTypeId t, int64_t gang) const {
  const Queue& queue = queues_[q.index()];
  const int64_t limit = queue.limit[t.index()];
  return limit < 0 || queue.usage[t.index()] + gang <= queue.nominal[t.index()] + limit;
}

bool FairSharePolicy::Within(TenantId q, AcceleratorTypeId t, int64_t gang) const {
  const Queue& queue = queues_[q.index()];
  return queue.usage[t.index()] + gang <= queue.nominal[t.index()];
}

bool FairSharePolicy::Less(const Share& a, const Share& b) {
  return static_cast<Int128>(a.num) * b.den < static_cast<Int128>(b.num) * a.den;
}

FairSharePolicy::Share FairSharePolicy::ShareOf(TenantId q) const {
  const Queue& queue = queues_[q.index()];
  Share best{0, 1};
  for (size_t t = 0; t < capacity_.size(); ++t) {
    if (capacity_[t] <= 0) continue;
    const Share s{queue.usage[t], capacity_[t] * queue.weight};
    if (Less(best, s)) best = s;
  }
  return best;
}

void FairSharePolicy::OnPending(JobId job, const ClusterView& view) {
  Init(view);
  if (job.index() < admitted_.size() && admitted_[job.index()].admitted) Release(job);
  const Job& spec = view.job(job);
  buckets_.Add(job, view, {-static_cast<int64_t>(spec.priority), spec.submit});
  fresh_.push_back(job);
}

void FairSharePolicy::OnRemoved(JobId job) { buckets_.Remove(job); }

void FairSharePolicy::OnReleased(JobId job) {
  if (job.index() < admitted_.size() && admitted_[job.index()].admitted) {
    ranked_.Grew(admitted_[job.index()].pool);  // also mid-pass, when this policy preempts
    Release(job);
  }
}

void FairSharePolicy::OnStartedElsewhere(JobId job, PoolId pool, const ClusterView& view) {
  Init(view);
  Admit(job, pool, view);
}

PoolId FairSharePolicy::Pick(JobId job, const ClusterView& view) {
  const Job& spec = view.job(job);
  const std::span<RankedPools::List> lists = ranked_.lists(ranked_.SetOf(spec, view));
  const Work remaining = view.RemainingWork(job);
  // [0]: the tenant's holding pools, [1]: the others. Types in the job's order, so that a tie
  // goes to the earlier type, as in FastestPool over FitsNow.
  // Within each, the job's order of preference first (PreferenceOf; lists are split by it).
  PoolId best[2];
  int32_t best_preference[2] = {0, 0};
  Duration best_runtime[2] = {0, 0};
  Micros best_price[2] = {0, 0};
  for (const Throughput& t : spec.throughputs) {
    PoolId first[2];
    int32_t preference[2] = {0, 0};
    Micros price[2] = {0, 0};
    for (RankedPools::List& list : lists) {
      if (list.type != t.type) continue;
      const size_t i = RankedPools::FirstFit(list, spec.accelerators, view);
      if (i == list.pools.size()) continue;
      const int h = list.holding ? 0 : 1;
      if (first[h].valid() &&
          std::tie(preference[h], price[h], first[h]) <
              std::tie(list.preference, list.pools[i].first, list.pools[i].second)) {
        continue;
      }
      preference[h] = list.preference;
      price[h] = list.pools[i].first;
      first[h] = list.pools[i].second;
    }
    if (!first[0].valid() && !first[1].valid()) continue;
    if (!Admissible(spec.tenant, t.type, spec.accelerators)) {
      queues_[spec.tenant.index()].blocked[t.type.index()] = 1;
      continue;
    }
    const Duration runtime = RuntimeFor(remaining, t.rate);
    for (int h = 0; h < 2; ++h) {
      if (!first[h].valid()) continue;
      if (!best[h].valid() || std::tie(preference[h], runtime, price[h]) <
                                  std::tie(best_preference[h], best_runtime[h], best_price[h])) {
        best[h] = first[h];
        best_preference[h] = preference[h];
        best_runtime[h] = runtime;
        best_price[h] = price[h];
      }
    }
  }
  const PoolId chosen = best[0].valid() ? best[0] : best[1];
#ifndef NDEBUG
  // Debug builds (the test suite) check the shortcut against the plain choice.
  std::vector<uint8_t> blocked = queues_[spec.tenant.index()].blocked;
  const PoolList fits = FitsNow(job, view);
  assert(blocked == queues_[spec.tenant.index()].blocked);
  assert(chosen == (fits.empty() ? PoolId() : FastestPool(job, fits, view)));
#endif
  return chosen;
}

void FairSharePolicy::Admit(JobId job, PoolId pool, const ClusterView& view) {
  if (admitted_.size() <= job.index()) admitted_.resize(job.index() + 1);
  const Job& spec = view.job(job);
  const AcceleratorTypeId type = view.fleet().pool(pool).type;
  Queue& queue = queues_[spec.tenant.index()];
  Admission& a = admitted_[job.index()];
  a.tenant = spec.tenant;
  a.pool = pool;
  a.type = type;
  a.gang = spec.accelerators;
  a.priority = spec.priority;
  a.borrowed = !Within(spec.tenant, type, spec.accelerators);
  a.admitted = true;
  queue.usage[type.index()] += spec.accelerators;
  ++queue.running_priorities[spec.priority];
  pool_usage_[pool.index() * queues_.size() + spec.tenant.index()] += spec.accelerators;
}

void FairSharePolicy::Release(JobId job) {
  Admission& a = admitted_[job.index()];
  a.admitted = false;
  Queue& queue = queues_[a.tenant.index()];
  queue.usage[a.type.index()] -= a.gang;
  auto it = queue.running_priorities.find(a.priority);
  if (--it->second == 0) queue.running_priorities.erase(it);
  pool_usage_[a.pool.index() * queues_.size() + a.tenant.index()] -= a.gang;
  // Jobs of this tenant that fit but were held back by its quota may start now.
  if (queue.blocked[a.type.index()]) {
    queue.blocked[a.type.index()] = 0;
    quota_freed_[a.type.index()] = 1;
  }
}

PoolList FairSharePolicy::FitsNow(JobId job, const ClusterView& view) {
  const Job& spec = view.job(job);
  const Fleet& fleet = view.fleet();
  PoolList fits;
  bool holding = false;
  for (const Throughput& t : spec.throughputs) {
    const bool admissible = Admissible(spec.tenant, t.type, spec.accelerators);
    for (PoolId pool : fleet.PoolsOfType(t.type)) {
      if (view.FreeAccelerators(pool) < spec.accelerators || !CanEverRun(spec, pool, view)) {
        continue;
      }
      if (!admissible) {
        queues_[spec.tenant.index()].blocked[t.type.index()] = 1;
        break;
      }
      fits.push_back(pool);
      holding |= fleet.pool(pool).holding.has_value();
    }
  }
  if (holding) {
    fits.erase(std::remove_if(fits.begin(), fits.end(),
                              [&fleet](PoolId pool) { return !fleet.pool(pool).holding; }),
               fits.end());
  }
  return fits;
}

void FairSharePolicy::Start(JobId job, PoolId pool, const ClusterView& view, Placer& placer) {
  buckets_.Remove(job);
  Admit(job, pool, view);
  if (!placer.Place(job, pool)) Release(job);  // a policy bug; the job is dropped, not looped on
}

void FairSharePolicy::NoteIdle(PoolId pool, const ClusterView& view) {
  if (idle_flag_[pool.index()] || view.FreeAccelerators(pool) <= 0) return;
  idle_flag_[pool.index()] = 1;
  idle_[view.fleet().pool(pool).type.index()].push_back(pool);
}

void FairSharePolicy::FillPool(PoolId pool, const ClusterView& view, Placer& placer) {
  const AcceleratorTypeId type = view.fleet().pool(pool).type;
  struct Candidate {
    bool within = false;
    TenantId tenant;
    JobBuckets::Key key;
    JobId job;
  };
  std::vector<Share> shares(queues_.size());
  for (size_t q = 0; q < queues_.size(); ++q) shares[q] = ShareOf(TenantId::FromIndex(q));
  // Within quota first, then the lower share, then the key (priority, submit), then the id.
  const auto better = [&shares](const Candidate& a, const Candidate& b) {
    if (a.within != b.within) return a.within;
    if (a.tenant != b.tenant) {
      if (Less(shares[a.tenant.index()], shares[b.tenant.index()])) return true;
      if (Less(shares[b.tenant.index()], shares[a.tenant.index()])) return false;
    }
    return std::tie(a.key.primary, a.key.secondary, a.job) <
           std::tie(b.key.primary, b.key.secondary, b.job);
  };
  while (true) {
    const int64_t free = view.FreeAccelerators(pool);
    if (free <= 0) break;
    Candidate best;
    for (int32_t b : buckets_.OfType(type)) {
      const JobBuckets::Bucket& bucket = buckets_.bucket(b);
      if (bucket.gang > free) break;
      if (bucket.live == 0 || !JobBuckets::Eligible(bucket, pool, view)) continue;
      const JobBuckets::Entry* head = buckets_.Head(b);
      if (head == nullptr) continue;
      if (!Admissible(bucket.tenant, type, bucket.gang)) {
        queues_[bucket.tenant.index()].blocked[type.index()] = 1;
        continue;
      }
      const Candidate c{Within(bucket.tenant, type, bucket.gang), bucket.tenant, head->key,
                        head->job};
      if (!best.job.valid() || better(c, best)) best = c;
    }
    if (!best.job.valid()) break;
    const PoolId chosen = Pick(best.job, view);
    Start(best.job, chosen.valid() ? chosen : pool, view, placer);
    shares[best.tenant.index()] = ShareOf(best.tenant);
  }
  NoteIdle(pool, view);
}

bool FairSharePolicy::PlanOn(JobId job, PoolId pool, AcceleratorTypeId type, bool within,
                             bool by_priority, const ClusterView& view, Plan& plan) {
  const Job& spec = view.job(job);
  const Fleet& fleet = view.fleet();
  const ProviderId provider = fleet.pool(pool).provider;
  struct Candidate {
    int32_t priority;
    int64_t lost;
    Time start;
    JobId job;
    int32_t gang;
    TenantId tenant;
  };
  std::vector<Candidate> candidates;
  for (JobId v : view.RunningOn(pool)) {
    if (v.index() >= admitted_.size() || !admitted_[v.index()].admitted) continue;
    const Admission& a = admitted_[v.index()];
    const bool priority_victim =
        by_priority && a.tenant == spec.tenant && a.priority < spec.priority;
    const bool reclaim_victim = within && a.tenant != spec.tenant && a.borrowed &&
                                !Protected(fleet, a.tenant, spec.tenant, provider);
    if (!priority_victim && !reclaim_victim) continue;
    const Rate rate = *view.job(v).RateOn(fleet.pool(pool).type);
    const int64_t lost = RuntimeFor(view.WorkAtRisk(v), rate) * a.gang;
    candidates.push_back({a.priority, lost, view.RunStart(v), v, a.gang, a.tenant});
  }
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& x, const Candidate& y) {
    return std::tie(x.priority, x.lost, y.start, x.job) <
           std::tie(y.priority, y.lost, x.start, y.job);
  });
  const int64_t need = spec.accelerators - view.FreeAccelerators(pool);
  std::vector<const Candidate*> chosen;
  int64_t freed = 0;
  for (size_t q = 0; q < queues_.size(); ++q) scratch_usage_[q] = queues_[q].usage[type.index()];
  for (const Candidate& c : candidates) {
    if (freed >= need) break;
    if (c.tenant != spec.tenant) {
      // A reclaim victim's tenant must still be borrowing when the victim is taken.
      if (scratch_usage_[c.tenant.index()] <= queues_[c.tenant.index()].nominal[type.index()]) {
        continue;
      }
      scratch_usage_[c.tenant.index()] -= c.gang;
    }
    chosen.push_back(&c);
    freed += c.gang;
  }
  if (freed < need) return false;
  // Minimal: drop every victim that can be spared, the last taken first.
  for (size_t i = chosen.size(); i-- > 0;) {
    if (freed - chosen[i]->gang >= need) {
      freed -= chosen[i]->gang;
      chosen.erase(chosen.begin() + static_cast<std::ptrdiff_t>(i));
    }
  }
  // The job must be admissible once its own tenant's victims are gone.
  int64_t own = 0;
  for (const Candidate* c : chosen) {
    if (c->tenant == spec.tenant) own += c->gang;
  }
  const Queue& queue = queues_[spec.tenant.index()];
  const int64_t limit = queue.limit[type.index()];
  if (limit >= 0 &&
      queue.usage[type.index()] - own + spec.accelerators > queue.nominal[type.index()] + limit) {
    return false;
  }
  plan.pool = pool;
  plan.victims.clear();
  plan.lost = 0;
  plan.accelerators = 0;
  for (const Candidate* c : chosen) {
    plan.victims.push_back(c->job);
    plan.lost += c->lost;
    plan.accelerators += c->gang;
  }
  return true;
}

bool FairSharePolicy::TryPreempt(JobId job, const ClusterView& view, Placer& placer) {
  const Job& spec = view.job(job);
  const Fleet& fleet = view.fleet();
  const Queue& queue = queues_[spec.tenant.index()];
  const bool by_priority =
      !queue.running_priorities.empty() && queue.running_priorities.begin()->first < spec.priority;
  Plan best;
  bool found = false;
  for (const Throughput& t : spec.throughputs) {
    const bool within = Within(spec.tenant, t.type, spec.accelerators);
    if (!within && !by_priority) continue;
    // Pools where enough could be freed, most room first.
    std::vector<std::pair<int64_t, PoolId>> rooms;
    for (PoolId pool : fleet.PoolsOfType(t.type)) {
      if (!CanEverRun(spec, pool, view)) continue;
      int64_t room = view.FreeAccelerators(pool);
      const ProviderId provider = fleet.pool(pool).provider;
      const int64_t* row = &pool_usage_[pool.index() * queues_.size()];
      for (size_t q = 0; q < queues_.size(); ++q) {
        if (q == spec.tenant.index()) {
          if (by_priority) room += row[q];
        } else if (within &&
                   queues_[q].usage[t.type.index()] > queues_[q].nominal[t.type.index()] &&
                   !Protected(fleet, TenantId::FromIndex(q), spec.tenant, provider)) {
          room += row[q];
        }
      }
      if (room >= spec.accelerators) rooms.push_back({-room, pool});
    }
    const size_t n = std::min<size_t>(rooms.size(), kPreemptPools);
    std::partial_sort(rooms.begin(), rooms.begin() + static_cast<std::ptrdiff_t>(n), rooms.end());
    for (size_t i = 0; i < n; ++i) {
      Plan plan;
      if (!PlanOn(job, rooms[i].second, t.type, within, by_priority, view, plan)) continue;
      const int64_t victims = static_cast<int64_t>(plan.victims.size());
      const int64_t best_victims = static_cast<int64_t>(best.victims.size());
      if (!found || std::tie(plan.lost, victims, plan.accelerators, plan.pool) <
                        std::tie(best.lost, best_victims, best.accelerators, best.pool)) {
        best = std::move(plan);
        found = true;
      }
    }
  }
  if (!found) return false;
  const std::string reason =
      StrCat("preempted for job ", job.value(), " of tenant ", fleet.tenant(spec.tenant).name);
  for (JobId v : best.victims) {
    if (placer.Preempt(v, reason)) log_.push_back({job, v});
  }
  if (view.FreeAccelerators(best.pool) < spec.accelerators) return false;
  Start(job, best.pool, view, placer);
  return true;
}

void FairSharePolicy::Schedule(const ClusterView& view, std::span<const PoolId> grown,
                               Placer& placer) {
  if (!init_) {
    fresh_.clear();
    return;
  }
  for (PoolId pool : grown) ranked_.Grew(pool);
  for (PoolId pool : grown) FillPool(pool, view, placer);
  for (size_t t = 0; t < quota_freed_.size(); ++t) {
    if (!quota_freed_[t]) continue;
    quota_freed_[t] = 0;
    std::vector<PoolId> pools;
    pools.swap(idle_[t]);
    for (PoolId pool : pools) idle_flag_[pool.index()] = 0;
    for (PoolId pool : pools) FillPool(pool, view, placer);
  }
  // Victims of preemptions made here are appended while the loop runs, and handled by it.
  for (size_t i = 0; i < fresh_.size(); ++i) {
    const JobId job = fresh_[i];
    if (!buckets_.Contains(job)) continue;
    if (const PoolId chosen = Pick(job, view); chosen.valid()) {
      Start(job, chosen, view, placer);
    } else if (preempt_) {
      TryPreempt(job, view, placer);
    }
  }
  fresh_.clear();
}

std::unique_ptr<Policy> MakeFairSharePolicy(const PolicyOptions& /*options*/) {
  return std::make_unique<FairSharePolicy>(true);
}

std::unique_ptr<Policy> MakeFairShareNoPreemptPolicy(const PolicyOptions& /*options*/) {
  return std::make_unique<FairSharePolicy>(false);
}

}  // namespace arbiter
