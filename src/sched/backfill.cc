#include "sched/backfill.h"

#include <algorithm>
#include <cassert>
#include <tuple>

namespace arbiter {

bool BackfillPolicy::Order::operator<(const Order& o) const {
  return std::tie(primary, secondary, job) < std::tie(o.primary, o.secondary, o.job);
}

BackfillPolicy::Order BackfillPolicy::OrderOf(JobId job, const ClusterView& view) const {
  const Job& spec = view.job(job);
  return {-static_cast<int64_t>(spec.priority), spec.submit, job};
}

void BackfillPolicy::OnPending(JobId job, const ClusterView& view) {
  if (buckets_.Contains(job)) return;
  const Order order = OrderOf(job, view);
  buckets_.Add(job, view, {order.primary, order.secondary});
  if (keys_.size() <= job.index()) keys_.resize(job.index() + 1);
  keys_[job.index()] = {order.primary, order.secondary};
  order_.insert(order);
  fresh_.push_back(job);
  if (first_reserved_.size() <= job.index()) first_reserved_.resize(job.index() + 1, kNever);
  // A job ahead of the last reservation (or while there are fewer than `depth` of them) changes
  // the reservations.
  if (static_cast<int>(reservations_.size()) < depth_ ||
      order < OrderOf(reservations_.back().job, view)) {
    walk_ = true;
  }
}

void BackfillPolicy::OnRemoved(JobId job) {
  if (!buckets_.Contains(job)) return;
  buckets_.Remove(job);
  const auto& [primary, secondary] = keys_[job.index()];
  order_.erase(Order{primary, secondary, job});
  walk_ = true;
}

void BackfillPolicy::OnReleased(JobId job) {
  if (job.index() >= placed_pool_.size() || !placed_pool_[job.index()].valid()) return;
  Touch(placed_pool_[job.index()]);
  ranked_.Grew(placed_pool_[job.index()]);
  placed_pool_[job.index()] = PoolId();
  walk_ = true;
}

void BackfillPolicy::Touch(PoolId pool) {
  if (pool.index() < profiles_.size()) profiles_[pool.index()].valid = false;
}

const BackfillPolicy::Profile& BackfillPolicy::ProfileOf(PoolId pool, const ClusterView& view) {
  if (profiles_.size() <= pool.index()) profiles_.resize(view.fleet().pools.size());
  Profile& p = profiles_[pool.index()];
  const std::span<const JobId> running = view.RunningOn(pool);
  if (p.valid && p.running == running.size()) return p;
  std::vector<std::pair<Time, int32_t>> ends;
  ends.reserve(running.size());
  for (JobId job : running) {
    ends.push_back({view.now() + RuntimeOn(job, pool, view), view.job(job).accelerators});
  }
  std::sort(ends.begin(), ends.end());
  p.ends.clear();
  p.freed.clear();
  int64_t sum = 0;
  for (const auto& [end, gang] : ends) {
    sum += gang;
    p.ends.push_back(end);
    p.freed.push_back(sum);
  }
  p.running = running.size();
  p.valid = true;
  return p;
}

int64_t BackfillPolicy::FreedBy(const Profile& profile, Time t) const {
  const auto it = std::upper_bound(profile.ends.begin(), profile.ends.end(), t);
  if (it == profile.ends.begin()) return 0;
  return profile.freed[static_cast<size_t>(it - profile.ends.begin()) - 1];
}

bool BackfillPolicy::Admits(PoolId pool, int32_t gang, Duration runtime, const ClusterView& view) {
  const int64_t free = view.FreeAccelerators(pool);
  if (free < gang) return false;
  if (pool.index() >= reserved_on_.size() || reserved_on_[pool.index()].empty()) return true;
  const std::vector<int32_t>& on_pool = reserved_on_[pool.index()];
  const Profile& profile = ProfileOf(pool, view);
  const Time now = view.now();
  const Time end = now + runtime;
  for (int32_t i : on_pool) {
    const Reservation& r = reservations_[i];
    if (r.start >= end) continue;
    const Time t = std::max(now, r.start);
    int64_t avail = free + FreedBy(profile, t);
    for (int32_t k : on_pool) {
      const Reservation& other = reservations_[k];
      if (other.start <= t && t < other.end) avail -= other.gang;
    }
    if (avail < gang) return false;
  }
  return true;
}

Time BackfillPolicy::EarliestStart(PoolId pool, int32_t gang, Duration runtime,
                                   const ClusterView& view) {
  const int64_t free = view.FreeAccelerators(pool);
  const Profile& profile = ProfileOf(pool, view);
  const Time now = view.now();
  const bool reserved = pool.index() < reserved_on_.size() && !reserved_on_[pool.index()].empty();
  if (!reserved) {
    if (free >= gang) return now;
    const auto it = std::lower_bound(profile.freed.begin(), profile.freed.end(), gang - free);
    if (it == profile.freed.end()) return kNever;
    return std::max(now, profile.ends[static_cast<size_t>(it - profile.freed.begin())]);
  }
  const std::vector<int32_t>& on_pool = reserved_on_[pool.index()];
  const auto avail_at = [&](Time t) {
    int64_t avail = free + FreedBy(profile, t);
    for (int32_t k : on_pool) {
      const Reservation& r = reservations_[k];
      if (r.start <= t && t < r.end) avail -= r.gang;
    }
    return avail;
  };
  // Availability rises only at ends (of runs and of reservations): a start is one of those or
  // now. It holds for the whole run if it holds at the start and at every reservation's start
  // within the run.
  std::vector<Time> candidates = {now};
  for (Time end : profile.ends) candidates.push_back(std::max(now, end));
  for (int32_t k : on_pool) candidates.push_back(std::max(now, reservations_[k].end));
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  for (Time t : candidates) {
    if (avail_at(t) < gang) continue;
    bool holds = true;
    for (int32_t k : on_pool) {
      const Time s = reservations_[k].start;
      if (s > t && s < t + runtime && avail_at(s) < gang) {
        holds = false;
        break;
      }
    }
    if (holds) return t;
  }
  return kNever;
}

PoolList BackfillPolicy::StartableNow(JobId job, const ClusterView& view) {
  const Job& spec = view.job(job);
  const Fleet& fleet = view.fleet();
  PoolList fits;
  bool holding = false;
  for (PoolId pool : eligible_.Pools(spec, view)) {
    if (view.FreeAccelerators(pool) < spec.accelerators) continue;
    if (!Admits(pool, spec.accelerators, RuntimeOn(job, pool, view), view)) continue;
    fits.push_back(pool);
    holding |= fleet.pool(pool).holding.has_value();
  }
  if (holding) {
    fits.erase(std::remove_if(fits.begin(), fits.end(),
                              [&fleet](PoolId pool) { return !fleet.pool(pool).holding; }),
               fits.end());
  }
  return fits;
}

PoolId BackfillPolicy::Pick(JobId job, const ClusterView& view) {
  const Job& spec = view.job(job);
  const std::span<RankedPools::List> lists = ranked_.lists(ranked_.SetOf(spec, view));
  const Work remaining = view.RemainingWork(job);
  PoolId chosen;
  for (const bool holding : {true, false}) {
    int32_t best_preference = 0;
    Duration best_runtime = 0;
    Micros best_price = 0;
    for (RankedPools::List& list : lists) {
      if (list.holding != holding) continue;
      const Duration runtime = RuntimeFor(remaining, *spec.RateOn(list.type));
      for (size_t i = RankedPools::FirstFit(list, spec.accelerators, view); i < list.pools.size();
           ++i) {
        const auto& [price, pool] = list.pools[i];
        if (!Admits(pool, spec.accelerators, runtime, view)) continue;
        if (!chosen.valid() || std::tie(list.preference, runtime, price, pool) <
                                   std::tie(best_preference, best_runtime, best_price, chosen)) {
          chosen = pool;
          best_preference = list.preference;
          best_runtime = runtime;
          best_price = price;
        }
        break;  // the first that admits the job is this type's best
      }
    }
    if (chosen.valid()) break;
  }
  // Debug builds (the test suite) check the shortcut against the plain choice.
  assert(chosen == (StartableNow(job, view).empty()
                        ? PoolId()
                        : FastestPool(job, StartableNow(job, view), view)));
  return chosen;
}

void BackfillPolicy::Start(JobId job, PoolId pool, const ClusterView& view, Placer& placer) {
  order_.erase(OrderOf(job, view));
  buckets_.Remove(job);
  if (placed_pool_.size() <= job.index()) placed_pool_.resize(job.index() + 1);
  placed_pool_[job.index()] = pool;
  Touch(pool);
  placer.Place(job, pool);
}

void BackfillPolicy::Walk(const ClusterView& view, Placer& placer) {
  for (const Reservation& r : reservations_) reserved_on_[r.pool.index()].clear();
  reservations_.clear();
  if (reserved_on_.size() < view.fleet().pools.size()) {
    reserved_on_.resize(view.fleet().pools.size());
  }
  int walked = 0;
  auto it = order_.begin();
  while (it != order_.end() && static_cast<int>(reservations_.size()) < depth_ &&
         walked < depth_ + kWalkSlack) {
    const Order current = *it;
    ++walked;
    if (const PoolId pool = Pick(current.job, view); pool.valid()) {
      Start(current.job, pool, view, placer);
      it = order_.upper_bound(current);
      continue;
    }
    const Job& spec = view.job(current.job);
    Reservation best;
    for (PoolId pool : eligible_.Pools(spec, view)) {
      if (view.fleet().pool(pool).capacity() < spec.accelerators) continue;
      const Duration runtime = RuntimeOn(current.job, pool, view);
      const Time start = EarliestStart(pool, spec.accelerators, runtime, view);
      if (start == kNever) continue;
      if (!best.job.valid() ||
          std::tie(start, runtime, pool) < std::tie(best.start, best.end, best.pool)) {
        // `end` holds the runtime while choosing.
        best = {current.job, pool, start, runtime, spec.accelerators};
      }
    }
    if (best.job.valid()) {
      best.end = best.start + best.end;
      reserved_on_[best.pool.index()].push_back(static_cast<int32_t>(reservations_.size()));
      reservations_.push_back(best);
      if (first_reserved_[current.job.index()] == kNever) {
        first_reserved_[current.job.index()] = best.start;
      }
    }
    ++it;
  }
}

void BackfillPolicy::FillPool(PoolId pool, const ClusterView& view, Placer& placer) {
  const AcceleratorTypeId type = view.fleet().pool(pool).type;
  while (true) {
    const int64_t free = view.FreeAccelerators(pool);
    if (free <= 0) return;
    const JobBuckets::Entry* best = nullptr;
    for (int32_t b : buckets_.OfType(type)) {
      const JobBuckets::Bucket& bucket = buckets_.bucket(b);
      if (bucket.gang > free) break;
      if (bucket.live == 0 || !JobBuckets::Eligible(bucket, pool, view)) continue;
      const JobBuckets::Entry* candidate = buckets_.Head(b);
      if (candidate == nullptr) continue;
      if (!Admits(pool, bucket.gang, candidate->runtime, view)) {
        candidate = buckets_.ShortestHead(b);
        if (candidate == nullptr || !Admits(pool, bucket.gang, candidate->runtime, view)) continue;
      }
      if (best == nullptr ||
          std::tie(candidate->key.primary, candidate->key.secondary, candidate->job) <
              std::tie(best->key.primary, best->key.secondary, best->job)) {
        best = candidate;
      }
    }
    if (best == nullptr) return;
    Start(best->job, pool, view, placer);
  }
}

void BackfillPolicy::Schedule(const ClusterView& view, std::span<const PoolId> grown,
                              Placer& placer) {
  std::vector<PoolId> examine(grown.begin(), grown.end());
  for (PoolId pool : grown) Touch(pool);
  for (PoolId pool : grown) ranked_.Grew(pool);
  if (!grown.empty()) walk_ = true;
  if (walk_) {
    walk_ = false;
    const std::vector<Reservation> before = reservations_;
    Walk(view, placer);
    // Where a reservation was dropped or moved, gaps may have opened.
    for (const Reservation& r : before) {
      const bool kept =
          std::any_of(reservations_.begin(), reservations_.end(), [&r](const Reservation& now) {
            return now.job == r.job && now.pool == r.pool && now.start == r.start;
          });
      if (!kept) examine.push_back(r.pool);
    }
  }
  std::sort(examine.begin(), examine.end());
  examine.erase(std::unique(examine.begin(), examine.end()), examine.end());
  for (PoolId pool : examine) FillPool(pool, view, placer);
  for (JobId job : fresh_) {
    if (!buckets_.Contains(job)) continue;
    if (const PoolId pool = Pick(job, view); pool.valid()) Start(job, pool, view, placer);
  }
  fresh_.clear();
}

std::unique_ptr<Policy> MakeEasyBackfillPolicy(const PolicyOptions& /*options*/) {
  return std::make_unique<BackfillPolicy>(1);
}

std::unique_ptr<Policy> MakeConservativeBackfillPolicy(const PolicyOptions& /*options*/) {
  return std::make_unique<BackfillPolicy>(BackfillPolicy::kConservativeDepth);
}

}  // namespace arbiter
