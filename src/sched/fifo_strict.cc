#include "sched/fifo_strict.h"

namespace arbiter {

void StrictFifoPolicy::OnPending(JobId job, const ClusterView& view) {
  if (slots_.size() <= job.index()) slots_.resize(job.index() + 1);
  Slot& slot = slots_[job.index()];
  if (slot.pending) return;
  const Job& spec = view.job(job);
  slot.pending = true;
  slot.key = {-static_cast<int64_t>(spec.priority), spec.submit, job};
  if (slot.ranked < 0) slot.ranked = ranked_.SetOf(spec, view);
  queue_.insert(slot.key);
}

void StrictFifoPolicy::OnRemoved(JobId job) {
  if (job.index() >= slots_.size() || !slots_[job.index()].pending) return;
  slots_[job.index()].pending = false;
  queue_.erase(slots_[job.index()].key);
}

void StrictFifoPolicy::Schedule(const ClusterView& view, std::span<const PoolId> grown,
                                Placer& placer) {
  for (PoolId pool : grown) ranked_.Grew(pool);
  while (!queue_.empty()) {
    const JobId job = std::get<JobId>(*queue_.begin());
    Slot& slot = slots_[job.index()];
    const PoolId pool = ranked_.Choose(job, slot.ranked, RankedPools::Rule::kFastest, view);
    if (!pool.valid() || !placer.Place(job, pool)) return;  // the head waits, and all behind it
    queue_.erase(queue_.begin());
    slot.pending = false;
  }
}

std::unique_ptr<Policy> MakeStrictFifoPolicy(const PolicyOptions& /*options*/) {
  return std::make_unique<StrictFifoPolicy>();
}

}  // namespace arbiter
