// What the core learns about pools from the launches and kills it sees, and the back-off that
// keeps it away from a pool that just failed.
//
// Per pool it counts launches, failed launches and kills; its estimate that a run started there
// holds is (held + 1) / (launches + 2) in parts per million (Laplace's rule of succession), used
// to rank pools of equal cost. A failed launch, or a kill with capacity_lost, backs the pool off:
// after the k-th such failure in a row the pool shows no room for min(backoff x 2^(k-1),
// max_backoff) seconds (RecoveryOptions); a finished run resets the count. Back-offs in force are
// kept in a min-heap of ends, so that the first event at or after an end offers the pool to the
// scheduling pass as grown.
#ifndef ARBITER_CORE_LEARNING_H_
#define ARBITER_CORE_LEARNING_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "core/instant.h"
#include "core/options.h"
#include "model/fleet.h"

namespace arbiter {

// Per pool: what the core learned about runs started there.
struct PoolLearning {
  int64_t launches = 0;         // runs started (including those whose launch then failed)
  int64_t launch_failures = 0;  // JobStartFailed
  int64_t kills = 0;            // JobKilled
  int32_t streak = 0;           // failures in a row that count for back-off
  Time avoid_until = 0;         // in back-off before this time
};

class Learning {
 public:
  // `instant` must outlive the learning: back-off timers go out through it.
  Learning(const Fleet& fleet, const RecoveryOptions& options, Instant& instant);

  const PoolLearning& of(PoolId pool) const { return pools_[pool.index()]; }
  // ClusterView::HoldPpm: kPpmOne unless RecoveryOptions::learn.
  Ppm HoldPpm(PoolId pool) const;
  bool BackedOff(PoolId pool, Time now) const { return pools_[pool.index()].avoid_until > now; }
  // Whether some back-off is in force (or ended but not yet offered to a pass).
  bool AnyBackOff() const { return !ends_.empty(); }

  void CountLaunch(PoolId pool) { ++pools_[pool.index()].launches; }
  void CountLaunchFailure(PoolId pool) { ++pools_[pool.index()].launch_failures; }
  void CountKill(PoolId pool) { ++pools_[pool.index()].kills; }
  // A run held to its end: the pool's back-off count starts over.
  void Held(PoolId pool) { pools_[pool.index()].streak = 0; }
  // A failure of `pool` that counts for its back-off (no effect without RecoveryOptions::backoff).
  // Sets a timer for the back-off's end, so that work waiting for the pool starts then.
  void BackOff(PoolId pool);
  // Pools whose back-off ended at or before `now` go to `grown` (once each).
  void OfferEnded(Time now, std::vector<PoolId>& grown) {
    if (!ends_.empty() && ends_.front().first <= now) PopEnded(now, grown);
  }

 private:
  void PopEnded(Time now, std::vector<PoolId>& grown);

  RecoveryOptions options_;
  Instant& instant_;
  std::vector<PoolLearning> pools_;
  std::vector<std::pair<Time, PoolId>> ends_;  // min-heap of (end, pool)
};

}  // namespace arbiter

#endif  // ARBITER_CORE_LEARNING_H_
