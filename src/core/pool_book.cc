#include "core/pool_book.h"

#include <algorithm>

namespace arbiter {

PoolBook::PoolBook(const Fleet& fleet)
    : fleet_(fleet), pools_(fleet.pools.size()), providers_(fleet.providers.size()) {
  for (size_t i = 0; i < fleet.pools.size(); ++i) pools_[i].capacity = fleet.pools[i].capacity();
}

bool PoolBook::SetNodes(PoolId pool, int32_t nodes, Time now) {
  PoolState& p = pools_[pool.index()];
  p.integral += p.capacity * (now - p.since);
  p.since = now;
  const int64_t capacity = static_cast<int64_t>(nodes) * fleet_.pool(pool).accelerators_per_node;
  const bool grew = capacity > p.capacity;
  p.capacity = capacity;
  return grew;
}

void PoolBook::Accrue(Time now, std::span<const FirstPartyWaiting> waiting) {
  const Duration dt = now - advanced_;
  advanced_ = now;
  for (size_t i = 0; i < providers_.size(); ++i) {
    ProviderState& p = providers_[i];
    const FirstPartyWaiting& w = waiting[i];
    if (w.jobs == 0 || p.external_used == 0) continue;
    p.impact.displaced_accelerator_seconds += std::min(p.external_used, w.accelerators) * dt;
    p.impact.delayed_job_seconds += w.jobs * dt;
  }
}

}  // namespace arbiter
