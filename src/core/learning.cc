#include "core/learning.h"

#include <algorithm>
#include <functional>

namespace arbiter {

Learning::Learning(const Fleet& fleet, const RecoveryOptions& options, Instant& instant)
    : options_(options), instant_(instant), pools_(fleet.pools.size()) {}

Ppm Learning::HoldPpm(PoolId pool) const {
  if (!options_.learn) return kPpmOne;
  // Laplace's rule of succession over the runs started on the pool: (held + 1) / (started + 2).
  const PoolLearning& l = pools_[pool.index()];
  const int64_t held = std::max<int64_t>(0, l.launches - l.launch_failures - l.kills);
  return (held + 1) * kPpmOne / (l.launches + 2);
}

void Learning::BackOff(PoolId pool) {
  if (options_.backoff <= 0) return;
  PoolLearning& l = pools_[pool.index()];
  ++l.streak;
  Duration wait = options_.backoff;
  for (int32_t k = 1; k < l.streak && (options_.max_backoff <= 0 || wait < options_.max_backoff);
       ++k) {
    wait = std::min<Duration>(wait * 2, kMaxTime);  // saturates: a streak can be long
    if (wait == kMaxTime) break;
  }
  if (options_.max_backoff > 0) wait = std::min(wait, options_.max_backoff);
  l.avoid_until = std::max(l.avoid_until, instant_.now + wait);
  ends_.emplace_back(l.avoid_until, pool);
  std::push_heap(ends_.begin(), ends_.end(), std::greater<>());
  // A pass at the end, so that work waiting for the pool starts then.
  instant_.Emit(SetTimer{l.avoid_until, TimerTag(kBackoff, pool.value())});
}

void Learning::PopEnded(Time now, std::vector<PoolId>& grown) {
  while (!ends_.empty() && ends_.front().first <= now) {
    std::pop_heap(ends_.begin(), ends_.end(), std::greater<>());
    const auto [end, pool] = ends_.back();
    ends_.pop_back();
    if (pools_[pool.index()].avoid_until == end) grown.push_back(pool);
  }
}

}  // namespace arbiter
