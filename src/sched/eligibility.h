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
// it, the gang fits in one interconnect domain (accelerators <= max_gang), one node holds the
// job's per-node share, and the job's placement allows the pool bought the tenant's default way
// (PlacementAllows with Purchase::kDefault). Capacity is not part of this: it changes over time.
bool CanEverRun(const Job& job, PoolId pool, const ClusterView& view);

// Whether the job's placement (model/job.h; a live job's cloud / region / any_of / ordered /
// use_spot) lets it run on `pool` bought `how`; true for a job without one. A rule allows a pool
// of its type, provider (if set) and region (if set) when its spot choice agrees with the
// purchase: kOnly needs a spot purchase, kNever a purchase that is not spot. Purchase::kDefault
// is spot where the tenant's default way of buying on the pool is spot, i.e. where
// PurchasePrice(kOnDemand) has no price while PriceFor has one (a view that only implements
// PriceFor counts every default purchase as spot). Policies that buy with PlaceAs check this
// for the purchase they make; CanEverRun checks it for the default.
bool PlacementAllows(const Job& job, PoolId pool, Purchase how, const ClusterView& view);
// The same for a placement that `tenant`'s jobs share (sched/job_buckets.h).
bool PlacementAllows(const Placement& placement, TenantId tenant, PoolId pool, Purchase how,
                     const ClusterView& view);

// The job's preference for `pool`: under `ordered`, the index of the first candidate that allows
// the pool (0: most preferred); 0 for every pool of a job without a placement or without
// `ordered`. Where FastestPool / CheapestPool (and the policies that reproduce them from
// RankedPools) choose among pools with room, a lower preference comes first, after the tenant's
// holding pools: a job uses capacity its tenant already holds before any other, and then the
// earliest candidate of its `ordered` list that has room. Requires CanEverRun.
int32_t PreferenceOf(const Job& job, PoolId pool, const ClusterView& view);

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

// What eligibility depends on: tenant, gang, per-node share, the accepted types (sorted) and the
// placement's rules (empty without one; five integers per rule: type, provider, region, spot
// choice, preference). Access comes from the contracts and is fixed for a run, so jobs of one
// shape have the same eligible pools and preferences.
using JobShape = std::tuple<int32_t, int32_t, int32_t, absl::InlinedVector<int32_t, 4>,
                            absl::InlinedVector<int32_t, 5>>;
JobShape ShapeOf(const Job& job);

// EligiblePools remembered per job shape, for policies that ask for a job's pools often.
class EligibleCache {
 public:
  std::span<const PoolId> Pools(const Job& job, const ClusterView& view);

 private:
  absl::flat_hash_map<JobShape, PoolList> pools_;
};

// The pool chosen among `fits` (non-empty; pools where the job can run and fits now), the job's
// lowest PreferenceOf first (always 0 without `ordered`), then:
// FastestPool: shortest runtime, then lowest price, then the first in `fits`;
// CheapestPool: lowest cost of the whole run (price x accelerators x runtime), then the pool most
// likely to hold (ClusterView::HoldPpm), then shortest runtime, then the first in `fits`.
PoolId FastestPool(JobId job, std::span<const PoolId> fits, const ClusterView& view);
PoolId CheapestPool(JobId job, std::span<const PoolId> fits, const ClusterView& view);

// Seconds the job needs on `pool` from its remaining work (requires CanEverRun).
Duration RuntimeOn(JobId id, PoolId pool, const ClusterView& view);

}  // namespace arbiter

#endif  // ARBITER_SCHED_ELIGIBILITY_H_
