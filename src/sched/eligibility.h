// Which pools can ever run a job, and why none can: the one rule every policy and the core share.
#ifndef ARBITER_SCHED_ELIGIBILITY_H_
#define ARBITER_SCHED_ELIGIBILITY_H_

#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "model/outcome.h"
#include "sched/view.h"

namespace arbiter {

using PoolList = absl::InlinedVector<PoolId, 8>;

// A pool can run a job when the job accepts its accelerator type, the job's tenant has access to
// it, the gang fits in one interconnect domain (accelerators <= max_gang) and one node holds the
// job's per-node share. Capacity is not part of this: it changes over time.
bool CanEverRun(const Job& job, PoolId pool, const ClusterView& view);

// Whether any pool can ever run the job (stops at the first).
bool AnyEligiblePool(const Job& job, const ClusterView& view);

// All pools that can ever run the job, in pool order.
PoolList EligiblePools(const Job& job, const ClusterView& view);

// Why no pool can run the job: a category to count by, and a sentence that says it, e.g.
// "no pool with 2048 H100 in one interconnect domain; largest is 1024 in primary/us-east/H100".
struct NoPool {
  RejectReason reason = RejectReason::kNoType;
  std::string sentence;
};
NoPool WhyNoPoolOf(const Job& job, const ClusterView& view);
inline std::string WhyNoPool(const Job& job, const ClusterView& view) {
  return WhyNoPoolOf(job, view).sentence;
}

// What eligibility depends on: tenant, gang, per-node share and the accepted types (sorted).
// Access comes from the contracts and is fixed for a run, so jobs of one shape have the same
// eligible pools.
using JobShape = std::tuple<int32_t, int32_t, int32_t, absl::InlinedVector<int32_t, 4>>;
JobShape ShapeOf(const Job& job);

// EligiblePools remembered per job shape, for policies that ask for a job's pools often.
class EligibleCache {
 public:
  std::span<const PoolId> Pools(const Job& job, const ClusterView& view);

 private:
  absl::flat_hash_map<JobShape, PoolList> pools_;
};

// The pool chosen among `fits` (non-empty; pools where the job can run and fits now):
// FastestPool: shortest runtime, then lowest price, then the first in `fits`;
// CheapestPool: lowest cost of the whole run (price x accelerators x runtime), then the pool most
// likely to hold (ClusterView::HoldPpm), then shortest runtime, then the first in `fits`.
PoolId FastestPool(JobId job, std::span<const PoolId> fits, const ClusterView& view);
PoolId CheapestPool(JobId job, std::span<const PoolId> fits, const ClusterView& view);

// Seconds the job needs on `pool` from its remaining work (requires CanEverRun).
Duration RuntimeOn(JobId id, PoolId pool, const ClusterView& view);

}  // namespace arbiter

#endif  // ARBITER_SCHED_ELIGIBILITY_H_
