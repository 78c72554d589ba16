#include "sched/preemptive_queue.h"

#include <algorithm>
#include <tuple>

#include "absl/container/flat_hash_map.h"

namespace arbiter {

PreemptiveQueue::Slot& PreemptiveQueue::SlotOf(JobId job) {
  if (slots_.size() <= job.index()) slots_.resize(job.index() + 1);
  return slots_[job.index()];
}

void PreemptiveQueue::Flush(Time now) {
  for (JobId job : released_) Stopped(job, now);
  released_.clear();
}

void PreemptiveQueue::Enqueue(JobId job, const ClusterView& view) {
  const Slot& slot = slots_[job.index()];
  pending_.insert({slot.key, job});
  waiting_.Add(job, view, {slot.key.primary, slot.key.secondary});
}

void PreemptiveQueue::Dequeue(JobId job) {
  pending_.erase({slots_[job.index()].key, job});
  waiting_.Remove(job);
}

void PreemptiveQueue::OnPending(JobId job, const ClusterView& view) {
  Flush(view.now());
  Slot& slot = SlotOf(job);
  if (slot.pending) return;
  slot.pending = true;
  slot.key = KeyOf(job, view);
  Enqueue(job, view);
  fresh_.push_back(job);
}

void PreemptiveQueue::OnRemoved(JobId job) {
  if (!pending(job)) return;
  Dequeue(job);
  slots_[job.index()].pending = false;
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
  const Key before = slot.key;
  if (slot.pending) {
    Dequeue(job);
    slot.key = KeyOf(job, view);
    Enqueue(job, view);
    if (slot.key < before) fresh_.push_back(job);
  } else if (slot.running) {
    running_.erase({slot.key, job});
    slot.key = KeyOf(job, view);
    running_.insert({slot.key, job});
    if (before < slot.key) lowered_.push_back(job);
  }
}

void PreemptiveQueue::StartOn(JobId job, PoolId pool, const ClusterView& view, Placer& placer) {
  if (!placer.Place(job, pool)) return;
  Slot& slot = slots_[job.index()];
  Dequeue(job);
  slot.pending = false;
  slot.running = true;
  slot.pool = pool;
  Started(job, view);
  slot.key = KeyOf(job, view);
  running_.insert({slot.key, job});
}

bool PreemptiveQueue::TryStart(JobId job, const ClusterView& view, Placer& placer) {
  Slot& slot = slots_[job.index()];
  if (slot.ranked < 0) slot.ranked = ranked_.SetOf(view.job(job), view);
  const PoolId pool = ranked_.Choose(job, slot.ranked, RankedPools::Rule::kFastest, view);
  if (!pool.valid()) return false;
  StartOn(job, pool, view, placer);
  return !pending(job);
}

void PreemptiveQueue::Fill(PoolId pool, const ClusterView& view, Placer& placer) {
  const AcceleratorTypeId type = view.fleet().pool(pool).type;
  while (true) {
    const int64_t free = view.FreeAccelerators(pool);
    if (free <= 0) return;
    const JobBuckets::Entry* best = nullptr;
    for (int32_t b : waiting_.OfType(type)) {
      if (waiting_.bucket(b).gang > free) break;
      if (!JobBuckets::Eligible(waiting_.bucket(b), pool, view)) continue;
      const JobBuckets::Entry* head = waiting_.Head(b);
      if (head == nullptr) continue;
      if (best == nullptr || std::tie(head->key.primary, head->key.secondary, head->job) <
                                 std::tie(best->key.primary, best->key.secondary, best->job)) {
        best = head;
      }
    }
    if (best == nullptr || !TryStart(best->job, view, placer)) return;
  }
}

void PreemptiveQueue::Schedule(const ClusterView& view, std::span<const PoolId> grown,
                               Placer& placer) {
  Flush(view.now());
  for (PoolId pool : grown) ranked_.Grew(pool);
  Update(view);
  if (grown.empty() && fresh_.empty() && lowered_.empty() && deferred_.empty()) return;
  // (1) After the last pass no pending job fitted anywhere: only the jobs made pending since,
  // and the pools that grew, can start something.
  std::vector<JobId> fresh;
  fresh.swap(fresh_);
  std::sort(fresh.begin(), fresh.end(), [this](JobId a, JobId b) {
    return std::tie(slots_[a.index()].key, a) < std::tie(slots_[b.index()].key, b);
  });
  fresh.erase(std::unique(fresh.begin(), fresh.end()), fresh.end());
  for (JobId job : fresh) {
    if (pending(job)) TryStart(job, view, placer);
  }
  for (PoolId pool : grown) Fill(pool, view, placer);
  // (2) Jobs that rank higher than running ones take their room.
  // The jobs the last pass had no time for first, then the new ones.
  work_ = kPreemptWork;
  while (!deferred_.empty() && work_ > 0) {
    const JobId job = deferred_.front();
    deferred_.pop_front();
    if (pending(job)) TryPreempt(job, view, placer);
  }
  for (JobId job : fresh) {
    if (!pending(job)) continue;
    if (work_ <= 0) {
      deferred_.push_back(job);
    } else {
      TryPreempt(job, view, placer);
    }
  }
  // For jobs whose rank fell, the best pending jobs that outrank them look for room.
  std::vector<JobId> lowered;
  lowered.swap(lowered_);
  for (size_t i = 0; i < lowered.size(); ++i) {
    if (work_ <= 0) {
      lowered_.insert(lowered_.end(), lowered.begin() + static_cast<std::ptrdiff_t>(i),
                      lowered.end());
      break;
    }
    const JobId low = lowered[i];
    if (!running(low) || view.WorkAtRisk(low) != 0) continue;  // nobody could take its room
    const Key key = slots_[low.index()].key;
    for (auto it = pending_.begin(); it != pending_.end() && it->first < key && work_ > 0;) {
      const Entry entry = *it;
      if (OutranksAbove(entry.second, view) < key && TryPreempt(entry.second, view, placer)) {
        break;
      }
      --work_;  // (each pending job looked at counts too)
      it = pending_.upper_bound(entry);
    }
  }
  // The stopped jobs may fit where there is room (they rank below those that stopped them).
  while (!fresh_.empty()) {
    std::vector<JobId> stopped;
    stopped.swap(fresh_);
    for (JobId job : stopped) {
      if (pending(job)) TryStart(job, view, placer);
    }
  }
}

std::pair<PoolId, std::vector<JobId>> PreemptiveQueue::Victims(JobId job, const ClusterView& view) {
  const Job& spec = view.job(job);
  const Key bound = OutranksAbove(job, view);
  // Running jobs from the lowest-ranked up (by their key when last ranked, which bounds their
  // key now): the first pool where those it outranks and that lose nothing make room wins.
  absl::flat_hash_map<int32_t, std::pair<int64_t, std::vector<JobId>>> freed;  // per pool
  for (auto it = running_.rbegin(); it != running_.rend() && bound < it->first; ++it) {
    if (--work_ < 0) break;
    const JobId v = it->second;
    const PoolId pool = slots_[v.index()].pool;
    if (view.WorkAtRisk(v) != 0 || !Outranks(job, v, view) || !CanEverRun(spec, pool, view)) {
      continue;
    }
    const std::span<const JobId> on_pool = view.RunningOn(pool);
    if (std::find(on_pool.begin(), on_pool.end(), v) == on_pool.end()) continue;  // moved
    auto& [room, victims] = freed[pool.value()];
    room += view.job(v).accelerators;
    victims.push_back(v);
    if (view.FreeAccelerators(pool) + room >= spec.accelerators) return {pool, victims};
  }
  return {PoolId(), {}};
}

bool PreemptiveQueue::TryPreempt(JobId job, const ClusterView& view, Placer& placer) {
  if (running_.empty() || !(OutranksAbove(job, view) < running_.rbegin()->first)) return false;
  const auto [pool, victims] = Victims(job, view);
  if (!pool.valid()) return false;
  for (JobId v : victims) {
    if (placer.Preempt(v, stop_reason())) ++preemptions_;
  }
  ranked_.Grew(pool);
  StartOn(job, pool, view, placer);
  Fill(pool, view, placer);  // what the stopped jobs left beyond its need
  return !pending(job);
}

}  // namespace arbiter
