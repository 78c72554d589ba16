#include "sched/list_scheduler.h"

#include <algorithm>
#include <tuple>

namespace arbiter {

bool ListScheduler::After(const Entry& a, const Entry& b) {
  return std::tie(a.key.primary, a.key.secondary, a.job) >
         std::tie(b.key.primary, b.key.secondary, b.job);
}

ListScheduler::Bucket& ListScheduler::BucketFor(PoolId pool, int32_t gang) {
  if (buckets_.size() <= pool.index()) buckets_.resize(pool.index() + 1);
  std::vector<Bucket>& list = buckets_[pool.index()];
  auto it = std::lower_bound(list.begin(), list.end(), gang,
                             [](const Bucket& b, int32_t g) { return b.gang < g; });
  if (it == list.end() || it->gang != gang) {
    it = list.insert(it, Bucket{});
    it->gang = gang;
  }
  return *it;
}

bool ListScheduler::Live(const Entry& e) const {
  const Slot& slot = slots_[e.job.index()];
  return slot.pending && slot.generation == e.generation;
}

void ListScheduler::OnPending(JobId job, const ClusterView& view) {
  if (slots_.size() <= job.index()) slots_.resize(job.index() + 1);
  Slot& slot = slots_[job.index()];
  if (slot.pending) return;
  slot.pending = true;
  ++slot.generation;
  ++pending_count_;
  const Job& spec = view.job(job);
  for (PoolId pool : EligiblePools(spec, view)) {
    Bucket& bucket = BucketFor(pool, spec.accelerators);
    bucket.heap.push_back({KeyOn(job, pool, view), job, slot.generation});
    std::push_heap(bucket.heap.begin(), bucket.heap.end(), After);
    ++bucket.live;
  }
  fresh_.push_back(job);
}

void ListScheduler::OnRemoved(JobId job) {
  if (job.index() >= slots_.size() || !slots_[job.index()].pending) return;
  slots_[job.index()].pending = false;
  --pending_count_;
  // Bucket live counts are corrected lazily: entries of removed jobs are dropped when they
  // surface, and compaction recounts.
}

void ListScheduler::Forget(JobId job, const ClusterView& view) {
  slots_[job.index()].pending = false;
  --pending_count_;
  const Job& spec = view.job(job);
  for (PoolId pool : EligiblePools(spec, view)) {
    Bucket& bucket = BucketFor(pool, spec.accelerators);
    --bucket.live;
    // Compact when most of a heap is stale, so memory stays proportional to pending work.
    if (bucket.heap.size() > 64 && bucket.live * 2 < static_cast<int64_t>(bucket.heap.size())) {
      std::erase_if(bucket.heap, [this](const Entry& e) { return !Live(e); });
      std::make_heap(bucket.heap.begin(), bucket.heap.end(), After);
      bucket.live = static_cast<int64_t>(bucket.heap.size());
    }
  }
}

PoolList ListScheduler::FitsNow(JobId job, const ClusterView& view) const {
  const Job& spec = view.job(job);
  PoolList fits;
  bool holding = false;
  for (PoolId pool : EligiblePools(spec, view)) {
    if (view.FreeAccelerators(pool) < spec.accelerators) continue;
    fits.push_back(pool);
    holding |= view.fleet().pool(pool).holding.has_value();
  }
  // Work that fits in its tenant's holdings goes there, never to the market.
  if (holding) {
    fits.erase(std::remove_if(fits.begin(), fits.end(),
                              [&view](PoolId pool) { return !view.fleet().pool(pool).holding; }),
               fits.end());
  }
  return fits;
}

void ListScheduler::Start(JobId job, PoolId pool, const ClusterView& view, Placer& placer) {
  Forget(job, view);
  placer.Place(job, pool);
}

void ListScheduler::Schedule(const ClusterView& view, std::span<const PoolId> grown,
                             Placer& placer) {
  for (PoolId pool : grown) {
    if (pool.index() >= buckets_.size()) continue;
    std::vector<Bucket>& list = buckets_[pool.index()];
    while (true) {
      const int64_t free = view.FreeAccelerators(pool);
      Entry* best = nullptr;
      for (Bucket& bucket : list) {
        if (bucket.gang > free) break;
        while (!bucket.heap.empty() && !Live(bucket.heap.front())) {
          std::pop_heap(bucket.heap.begin(), bucket.heap.end(), After);
          bucket.heap.pop_back();
        }
        if (bucket.heap.empty()) continue;
        if (best == nullptr || After(*best, bucket.heap.front())) best = &bucket.heap.front();
      }
      if (best == nullptr) break;
      const JobId job = best->job;
      const PoolList fits = FitsNow(job, view);
      Start(job, ChoosePool(job, fits, view), view, placer);
    }
  }
  for (JobId job : fresh_) {
    if (!slots_[job.index()].pending) continue;
    const PoolList fits = FitsNow(job, view);
    if (!fits.empty()) Start(job, ChoosePool(job, fits, view), view, placer);
  }
  fresh_.clear();
}

PoolId ListScheduler::FastestPool(JobId job, std::span<const PoolId> fits,
                                  const ClusterView& view) {
  const TenantId tenant = view.job(job).tenant;
  PoolId best = fits.front();
  Duration best_runtime = RuntimeOn(job, best, view);
  Micros best_price = *view.PriceFor(tenant, best);
  for (PoolId pool : fits.subspan(1)) {
    const Duration runtime = RuntimeOn(job, pool, view);
    const Micros price = *view.PriceFor(tenant, pool);
    if (std::tie(runtime, price) < std::tie(best_runtime, best_price)) {
      best = pool;
      best_runtime = runtime;
      best_price = price;
    }
  }
  return best;
}

PoolId ListScheduler::CheapestPool(JobId job, std::span<const PoolId> fits,
                                   const ClusterView& view) {
  const Job& spec = view.job(job);
  PoolId best;
  Micros best_cost = 0;
  Duration best_runtime = 0;
  for (PoolId pool : fits) {
    const Duration runtime = RuntimeOn(job, pool, view);
    const Micros cost = ChargeFor(spec.accelerators, runtime, *view.PriceFor(spec.tenant, pool));
    if (!best.valid() || std::tie(cost, runtime) < std::tie(best_cost, best_runtime)) {
      best = pool;
      best_cost = cost;
      best_runtime = runtime;
    }
  }
  return best;
}

}  // namespace arbiter
