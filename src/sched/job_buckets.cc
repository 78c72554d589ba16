#include "sched/job_buckets.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "sched/eligibility.h"

namespace arbiter {

bool JobBuckets::After(const Entry& a, const Entry& b) {
  return std::tie(a.key.primary, a.key.secondary, a.job) >
         std::tie(b.key.primary, b.key.secondary, b.job);
}

bool JobBuckets::LongerThan(const Entry& a, const Entry& b) {
  return std::tie(a.runtime, a.key.primary, a.key.secondary, a.job) >
         std::tie(b.runtime, b.key.primary, b.key.secondary, b.job);
}

bool JobBuckets::Live(const Entry& e) const {
  const Slot& slot = slots_[e.job.index()];
  return slot.present && slot.generation == e.generation;
}

int32_t JobBuckets::BucketFor(AcceleratorTypeId type, const Job& job) {
  BucketKey key{static_cast<int32_t>(type.index()),
                static_cast<int32_t>(job.tenant.index()),
                job.accelerators,
                job.AcceleratorsPerNode(),
                {}};
  if (job.placement != nullptr) {
    for (const PlacementRule& rule : job.placement->rules) {
      key.placement.insert(key.placement.end(),
                           {rule.type.value(), rule.provider.value(), rule.region.value(),
                            static_cast<int32_t>(rule.spot), rule.preference});
    }
  }
  auto [it, inserted] = index_.try_emplace(std::move(key), static_cast<int32_t>(buckets_.size()));
  if (!inserted) return it->second;
  Bucket bucket;
  bucket.type = type;
  bucket.tenant = job.tenant;
  bucket.gang = job.accelerators;
  bucket.per_node = job.AcceleratorsPerNode();
  bucket.placement = job.placement;
  buckets_.push_back(std::move(bucket));
  if (by_type_.size() <= type.index()) by_type_.resize(type.index() + 1);
  std::vector<int32_t>& list = by_type_[type.index()];
  // Ascending gang, then insertion order (deterministic).
  auto pos = std::upper_bound(list.begin(), list.end(), job.accelerators,
                              [this](int32_t gang, int32_t b) { return gang < buckets_[b].gang; });
  list.insert(pos, it->second);
  return it->second;
}

void JobBuckets::Add(JobId job, const ClusterView& view, Key key) {
  if (slots_.size() <= job.index()) slots_.resize(job.index() + 1);
  Slot& slot = slots_[job.index()];
  if (slot.present) return;
  slot.present = true;
  ++slot.generation;
  ++size_;
  const Job& spec = view.job(job);
  const Work remaining = view.RemainingWork(job);
  slot.buckets.clear();
  for (const Throughput& t : spec.throughputs) {
    const int32_t b = BucketFor(t.type, spec);
    slots_[job.index()].buckets.push_back(b);
    Bucket& bucket = buckets_[b];
    const Entry entry{key, job, RuntimeFor(remaining, t.rate), slot.generation};
    bucket.by_key.push_back(entry);
    std::push_heap(bucket.by_key.begin(), bucket.by_key.end(), After);
    if (by_runtime_) {
      bucket.by_runtime.push_back(entry);
      std::push_heap(bucket.by_runtime.begin(), bucket.by_runtime.end(), LongerThan);
    }
    ++bucket.live;
  }
}

void JobBuckets::Compact(Bucket& bucket) {
  std::erase_if(bucket.by_key, [this](const Entry& e) { return !Live(e); });
  std::make_heap(bucket.by_key.begin(), bucket.by_key.end(), After);
  if (by_runtime_) {
    std::erase_if(bucket.by_runtime, [this](const Entry& e) { return !Live(e); });
    std::make_heap(bucket.by_runtime.begin(), bucket.by_runtime.end(), LongerThan);
  }
  bucket.live = static_cast<int64_t>(bucket.by_key.size());
}

void JobBuckets::Remove(JobId job) {
  if (!Contains(job)) return;
  Slot& slot = slots_[job.index()];
  slot.present = false;
  --size_;
  for (int32_t b : slot.buckets) {
    Bucket& bucket = buckets_[b];
    --bucket.live;
    if (bucket.by_key.size() > 64 && bucket.live * 2 < static_cast<int64_t>(bucket.by_key.size())) {
      Compact(bucket);
    }
  }
}

const JobBuckets::Entry* JobBuckets::Head(int32_t b) {
  std::vector<Entry>& heap = buckets_[b].by_key;
  while (!heap.empty() && !Live(heap.front())) {
    std::pop_heap(heap.begin(), heap.end(), After);
    heap.pop_back();
  }
  return heap.empty() ? nullptr : &heap.front();
}

const JobBuckets::Entry* JobBuckets::ShortestHead(int32_t b) {
  std::vector<Entry>& heap = buckets_[b].by_runtime;
  while (!heap.empty() && !Live(heap.front())) {
    std::pop_heap(heap.begin(), heap.end(), LongerThan);
    heap.pop_back();
  }
  return heap.empty() ? nullptr : &heap.front();
}

bool JobBuckets::Eligible(const Bucket& b, PoolId pool_id, const ClusterView& view) {
  const Pool& pool = view.fleet().pool(pool_id);
  return pool.type == b.type && b.gang <= pool.max_gang &&
         b.per_node <= pool.accelerators_per_node && view.PriceFor(b.tenant, pool_id).has_value() &&
         (b.placement == nullptr ||
          PlacementAllows(*b.placement, b.tenant, pool_id, Purchase::kDefault, view));
}

}  // namespace arbiter
