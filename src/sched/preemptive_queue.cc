#include "sched/preemptive_queue.h"

#include <algorithm>
#include <tuple>

namespace arbiter {

PreemptiveQueue::Slot& PreemptiveQueue::SlotOf(JobId job) {
  if (slots_.size() <= job.index()) slots_.resize(job.index() + 1);
  return slots_[job.index()];
}

void PreemptiveQueue::Flush(Time now) {
  for (JobId job : released_) Stopped(job, now);
  released_.clear();
}

void PreemptiveQueue::OnPending(JobId job, const ClusterView& view) {
  Flush(view.now());
  Slot& slot = SlotOf(job);
  if (slot.pending) return;
  slot.pending = true;
  slot.key = KeyOf(job, view);
  pending_.insert({slot.key, job});
  dirty_ = true;
}

void PreemptiveQueue::OnRemoved(JobId job) {
  if (!pending(job)) return;
  Slot& slot = slots_[job.index()];
  pending_.erase({slot.key, job});
  slot.pending = false;
}

void PreemptiveQueue::OnReleased(JobId job) {
  if (!running(job)) return;
  Slot& slot = slots_[job.index()];
  running_.erase({slot.key, job});
  slot.running = false;
  released_.push_back(job);
}

void PreemptiveQueue::Rekey(JobId job, const ClusterView& view) {
  Slot& slot = SlotOf(job);
  absl::btree_set<Entry>* set = slot.pending ? &pending_ : slot.running ? &running_ : nullptr;
  if (set == nullptr) return;
  set->erase({slot.key, job});
  slot.key = KeyOf(job, view);
  set->insert({slot.key, job});
  dirty_ = true;
}

void PreemptiveQueue::StartOn(JobId job, PoolId pool, const ClusterView& view, Placer& placer) {
  if (!placer.Place(job, pool)) return;
  Slot& slot = slots_[job.index()];
  pending_.erase({slot.key, job});
  slot.pending = false;
  slot.running = true;
  slot.pool = pool;
  Started(job, view);
  slot.key = KeyOf(job, view);
  running_.insert({slot.key, job});
}

void PreemptiveQueue::Schedule(const ClusterView& view, std::span<const PoolId> grown,
                               Placer& placer) {
  Flush(view.now());
  for (PoolId pool : grown) ranked_.Grew(pool);
  Update(view);
  // Nothing pending fitted anywhere after the last pass, and nothing outranked a running job it
  // could stop: only a pool with more room, a newly pending job or a new rank changes that.
  if (grown.empty() && !dirty_) return;
  dirty_ = false;
  StartWhereTheyFit(view, placer);
  PreemptForBetter(view, placer);
}

void PreemptiveQueue::StartWhereTheyFit(const ClusterView& view, Placer& placer) {
  const Fleet& fleet = view.fleet();
  const auto largest_room = [&] {
    int64_t room = 0;
    for (size_t p = 0; p < fleet.pools.size(); ++p) {
      room = std::max(room, view.FreeAccelerators(PoolId::FromIndex(p)));
    }
    return room;
  };
  int64_t room = largest_room();
  const std::vector<Entry> queue(pending_.begin(), pending_.end());
  for (const auto& [key, job] : queue) {
    if (room <= 0) break;
    const Job& spec = view.job(job);
    if (spec.accelerators > room || !pending(job)) continue;
    Slot& slot = slots_[job.index()];
    if (slot.ranked < 0) slot.ranked = ranked_.SetOf(spec, view);
    const PoolId pool = ranked_.Choose(job, slot.ranked, RankedPools::Rule::kFastest, view);
    if (!pool.valid()) continue;
    StartOn(job, pool, view, placer);
    room = largest_room();
  }
}

std::pair<PoolId, std::vector<JobId>> PreemptiveQueue::Victims(JobId job, const ClusterView& view) {
  const Job& spec = view.job(job);
  const Fleet& fleet = view.fleet();
  PoolId best;
  std::vector<JobId> best_victims;
  std::tuple<int64_t, bool, Duration, Micros> best_key;
  for (PoolId pool : eligible_.Pools(spec, view)) {
    const int64_t need = spec.accelerators - view.FreeAccelerators(pool);
    std::vector<std::pair<Key, JobId>> candidates;
    if (need > 0) {
      for (JobId v : view.RunningOn(pool)) {
        if (running(v) && view.WorkAtRisk(v) == 0 && Outranks(job, v, view)) {
          candidates.emplace_back(KeyOf(v, view), v);
        }
      }
    }
    // The lowest-ranked first, until the job fits.
    std::sort(candidates.begin(), candidates.end(),
              [](const auto& a, const auto& b) { return b < a; });
    std::vector<JobId> victims;
    int64_t freed = 0;
    for (const auto& [key, v] : candidates) {
      if (freed >= need) break;
      victims.push_back(v);
      freed += view.job(v).accelerators;
    }
    if (freed < need) continue;
    const auto key = std::make_tuple(freed, !fleet.pool(pool).holding.has_value(),
                                     RuntimeOn(job, pool, view), *view.PriceFor(spec.tenant, pool));
    if (!best.valid() || key < best_key) {
      best = pool;
      best_key = key;
      best_victims = std::move(victims);
    }
  }
  return {best, best_victims};
}

void PreemptiveQueue::PreemptForBetter(const ClusterView& view, Placer& placer) {
  const std::vector<Entry> queue(pending_.begin(), pending_.end());
  for (const auto& [key, job] : queue) {
    // Keys of running jobs only fall while they run, so the lowest-ranked one's key when it was
    // last ranked bounds them all: a pending job that does not rank above it outranks none, and
    // nor do the ones behind it.
    if (running_.empty() || !(key < running_.rbegin()->first)) break;
    if (!pending(job)) continue;
    const auto [pool, victims] = Victims(job, view);
    if (!pool.valid()) continue;
    for (JobId v : victims) {
      if (placer.Preempt(v, stop_reason())) ++preemptions_;
    }
    ranked_.Grew(pool);
    StartOn(job, pool, view, placer);
  }
}

}  // namespace arbiter
