#include "sched/list_scheduler.h"

#include <algorithm>
#include <cassert>
#include <tuple>

namespace arbiter {

bool ListScheduler::After(const Entry& a, const Entry& b) {
  return std::tie(a.key.primary, a.key.secondary, a.job) >
         std::tie(b.key.primary, b.key.secondary, b.job);
}

ListScheduler::Bucket& ListScheduler::BucketIn(Group& group, int32_t gang) {
  std::vector<Bucket>& list = group.buckets;
  auto it = std::lower_bound(list.begin(), list.end(), gang,
                             [](const Bucket& b, int32_t g) { return b.gang < g; });
  if (it == list.end() || it->gang != gang) {
    it = list.insert(it, Bucket{});
    it->gang = gang;
  }
  return *it;
}

int32_t ListScheduler::ClassOf(const Job& spec, const ClusterView& view) {
  // Eligibility depends only on the tenant's access, the accepted types, the gang and its
  // per-node share, so jobs of one shape share a class and EligiblePools runs once per shape.
  uint64_t types = 0;
  bool cacheable = true;
  for (const Throughput& t : spec.throughputs) {
    if (t.type.index() < 64) {
      types |= uint64_t{1} << t.type.index();
    } else {
      cacheable = false;
    }
  }
  const auto shape =
      std::make_tuple(spec.tenant.value(), types, spec.accelerators, spec.AcceleratorsPerNode());
  if (cacheable) {
    if (auto it = class_by_shape_.find(shape); it != class_by_shape_.end()) return it->second;
  }
  const PoolList pools = EligiblePools(spec, view);
  std::vector<int32_t> ids;
  ids.reserve(pools.size());
  for (PoolId p : pools) ids.push_back(p.value());
  auto [it, added] = class_by_pools_.try_emplace(ids, static_cast<int32_t>(classes_.size()));
  if (added) {
    Class cls;
    cls.pools = pools;
    const Fleet& fleet = view.fleet();
    if (pool_groups_.size() < fleet.pools.size()) pool_groups_.resize(fleet.pools.size());
    const KeyScope scope = key_scope();
    for (PoolId p : pools) {
      int32_t group = -1;
      if (scope == KeyScope::kJob && !cls.groups.empty()) {
        group = cls.groups.front();
      } else if (scope == KeyScope::kType) {
        for (int32_t g : cls.groups) {
          if (fleet.pool(groups_[g].representative).type == fleet.pool(p).type) group = g;
        }
      }
      if (group < 0) {
        group = static_cast<int32_t>(groups_.size());
        groups_.push_back(Group{p, {}});
        cls.groups.push_back(group);
      }
      pool_groups_[p.index()].push_back(group);
    }
    classes_.push_back(std::move(cls));
  }
  if (cacheable) class_by_shape_.emplace(shape, it->second);
  return it->second;
}

bool ListScheduler::Live(const Entry& e) const {
  const Slot& slot = slots_[e.job.index()];
  return slot.pending && slot.generation == e.generation;
}

void ListScheduler::OnPending(JobId job, const ClusterView& view) {
  if (slots_.size() <= job.index()) slots_.resize(job.index() + 1);
  if (slots_[job.index()].pending) return;
  const Job& spec = view.job(job);
  const int32_t cls = ClassOf(spec, view);
  Slot& slot = slots_[job.index()];
  slot.pending = true;
  slot.cls = cls;
  if (slot.ranked < 0) slot.ranked = ranked_.SetOf(spec, view);
  ++slot.generation;
  ++pending_count_;
  for (int32_t g : classes_[cls].groups) {
    Group& group = groups_[g];
    Bucket& bucket = BucketIn(group, spec.accelerators);
    bucket.heap.push_back({KeyOn(job, group.representative, view), job, slot.generation});
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
  Slot& slot = slots_[job.index()];
  slot.pending = false;
  --pending_count_;
  const Job& spec = view.job(job);
  for (int32_t g : classes_[slot.cls].groups) {
    Bucket& bucket = BucketIn(groups_[g], spec.accelerators);
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
  for (PoolId pool : classes_[slots_[job.index()].cls].pools) {
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
  for (PoolId pool : grown) ranked_.Grew(pool);
  for (PoolId pool : grown) {
    if (pool.index() >= pool_groups_.size()) continue;
    while (true) {
      const int64_t free = view.FreeAccelerators(pool);
      Entry* best = nullptr;
      for (int32_t g : pool_groups_[pool.index()]) {
        for (Bucket& bucket : groups_[g].buckets) {
          if (bucket.gang > free) break;
          while (!bucket.heap.empty() && !Live(bucket.heap.front())) {
            std::pop_heap(bucket.heap.begin(), bucket.heap.end(), After);
            bucket.heap.pop_back();
          }
          if (bucket.heap.empty()) continue;
          if (best == nullptr || After(*best, bucket.heap.front())) best = &bucket.heap.front();
        }
      }
      if (best == nullptr) break;
      const JobId job = best->job;
      Start(job, Pick(job, view), view, placer);
    }
  }
  StartFresh(view, placer);
  fresh_.clear();
}

void ListScheduler::StartFresh(const ClusterView& view, Placer& placer) {
  // Jobs made pending since the last pass (all the arrivals of an instant) start in key order,
  // each on the pool the chooser picks and keyed there. A job whose pick changed since it was
  // keyed (an earlier start took the room) is keyed again: room only shrinks during the pass, so
  // keys only grow, and the job popped with an unchanged pick is the best one left.
  struct Fresh {
    Entry entry;
    PoolId pool;
  };
  std::vector<Fresh> heap;
  for (JobId job : fresh_) {
    if (!slots_[job.index()].pending) continue;
    const PoolId pool = Pick(job, view);
    if (!pool.valid()) continue;
    if (fresh_.size() == 1) {  // the common case: one arrival, nothing to order
      Start(job, pool, view, placer);
      return;
    }
    heap.push_back({{KeyOn(job, pool, view), job, 0}, pool});
  }
  const auto after = [](const Fresh& a, const Fresh& b) { return After(a.entry, b.entry); };
  std::make_heap(heap.begin(), heap.end(), after);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), after);
    const Fresh top = heap.back();
    heap.pop_back();
    const JobId job = top.entry.job;
    if (!slots_[job.index()].pending) continue;
    const PoolId pool = Pick(job, view);
    if (!pool.valid()) continue;
    if (pool != top.pool) {
      heap.push_back({{KeyOn(job, pool, view), job, 0}, pool});
      std::push_heap(heap.begin(), heap.end(), after);
      continue;
    }
    Start(job, pool, view, placer);
  }
}

PoolId ListScheduler::Pick(JobId job, const ClusterView& view) {
  const RankedPools::Rule how = rule();
  const PoolId pool = ranked_.Choose(job, slots_[job.index()].ranked, how, view);
  // Debug builds (the test suite) check the shortcut against the plain choice.
  assert(pool == (FitsNow(job, view).empty() ? PoolId()
                  : how == RankedPools::Rule::kFastest
                      ? FastestPool(job, FitsNow(job, view), view)
                      : CheapestPool(job, FitsNow(job, view), view)));
  return pool;
}

}  // namespace arbiter
