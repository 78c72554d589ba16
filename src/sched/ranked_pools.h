// The eligible pools of a job shape, ordered for choosing where a job starts.
//
// A policy that picks "the fastest pool with room" or "the cheapest" must otherwise compute the
// runtime and price of every eligible pool (up to ~1,000) for every start. But on one accelerator
// type a job's runtime is the same on every pool, so per type the order of pools by the tenant's
// price (then id) is fixed for a run (prices come from contracts). RankedPools keeps, per job
// shape (tenant, accepted types, gang, per-node share: the things eligibility depends on), one
// list per (type, holding or not) sorted that way, each with a cursor past the pools that were
// full when last looked at. The cursor is only valid while the owner reports every growth of a
// pool's free capacity (Grew): the pools a pass is told have grown, and those its own preemptions
// or releases free (GrewAll when it cannot tell which pool that was).
//
// Built with Ways::kSpotAndOnDemand, the lists are per (type, way of buying: Purchase::kSpot or
// kOnDemand) instead, priced by ClusterView::PurchasePrice, holding only the pools the job's
// placement allows bought that way (PlacementAllows), and holding pools are not set apart: for
// policies that choose how to buy as well as where (sched/deadline_spot.h). Like the contracts'
// prices, purchase prices are fixed for a run.
//
// A job with `ordered` candidates (PreferenceOf) has its Ways::kDefault lists split further by
// preference, and Choose takes the lowest preference first (within the holding pools, then
// within the others), as FastestPool and CheapestPool do; a policy that does not honour the
// order (Gavel's allocation) builds its RankedPools with Preference::kIgnore.
#ifndef ARBITER_SCHED_RANKED_POOLS_H_
#define ARBITER_SCHED_RANKED_POOLS_H_

#include <cstdint>
#include <span>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "sched/eligibility.h"
#include "sched/view.h"

namespace arbiter {

class RankedPools {
 public:
  // What the lists of a job shape are split by and priced with.
  enum class Ways {
    kDefault,          // per (type, holding or not), priced by ClusterView::PriceFor
    kSpotAndOnDemand,  // per (type, kSpot or kOnDemand), priced by ClusterView::PurchasePrice
  };
  // Whether kDefault lists are split by the job's preference (PreferenceOf).
  enum class Preference { kHonour, kIgnore };
  explicit RankedPools(Ways ways = Ways::kDefault, Preference preference = Preference::kHonour)
      : ways_(ways), preference_(preference) {}

  struct List {
    AcceleratorTypeId type;
    bool holding = false;    // the tenant's holding pools (used before any other); kDefault only
    int32_t preference = 0;  // PreferenceOf of its pools (0 unless split by preference)
    Purchase how = Purchase::kDefault;             // kSpotAndOnDemand: how these pools are bought
    std::vector<std::pair<Micros, PoolId>> pools;  // by price, then id
    size_t full = 0;  // pools before this had no free accelerator when last looked at
  };

  // The lists of the job's shape, built on first use (in order of first eligible pool).
  int32_t SetOf(const Job& spec, const ClusterView& view);
  std::span<List> lists(int32_t set) { return sets_[set]; }

  // `pool` may have more free accelerators than when its lists last looked.
  void Grew(PoolId pool);
  // Any pool may have: every cursor goes back to the start.
  void GrewAll();

  // The index in `list` of its first pool with room for `gang`, or list.pools.size().
  static size_t FirstFit(List& list, int64_t gang, const ClusterView& view);

  // The pool FastestPool / CheapestPool (eligibility.h) would choose among the job's eligible
  // pools with room now, its tenant's holding pools first; invalid if it fits nowhere. (The
  // cheapest choice reads HoldPpm only among pools of equal cost.) Ways::kDefault only.
  enum class Rule { kFastest, kCheapest };
  PoolId Choose(JobId job, int32_t set, Rule rule, const ClusterView& view);

 private:
  struct Where {
    int32_t set = 0;
    int32_t list = 0;
    int32_t position = 0;
  };
  Ways ways_;
  Preference preference_;
  absl::flat_hash_map<JobShape, int32_t> set_by_shape_;
  std::vector<std::vector<List>> sets_;
  std::vector<std::vector<Where>> where_;  // per pool
};

}  // namespace arbiter

#endif  // ARBITER_SCHED_RANKED_POOLS_H_
