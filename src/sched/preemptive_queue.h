// The mechanism behind the preemptive priority policies (shortest-remaining-time first,
// Tiresias's discretised 2D-LAS): one queue of pending jobs ordered by a key the policy gives,
// where a pending job may stop running jobs it outranks to take their accelerators.
//
// In every pass: (1) pending jobs start in key order wherever they fit now (the fastest pool with
// room, holding pools first; a job that does not fit does not hold back the ones behind it), and
// (2) a pending job that fits nowhere stops running jobs of this policy that it outranks
// (Outranks), the lowest-ranked first, on the first pool where that makes room for it, and
// starts there. A pending job looks for such jobs when it becomes pending or its rank rises; when
// a running job's rank falls, the best pending jobs that outrank it look. A pass looks at no more
// than kPreemptWork running jobs in all (a bound on its cost in a large cluster); what it did not
// get to, it does at the next pass. A job is only stopped if stopping it loses no work
// (ClusterView::WorkAtRisk is 0: it checkpoints at a preemption, Job::checkpoint_at_preemption,
// or it has made no progress since its last checkpoint); others run to their end once started.
// The stopped jobs return to the queue (the core calls OnPending) and start again when they rank
// high enough and fit.
//
// Cost: a pass does work only when a pool grew, a job became pending, or the policy changed a key
// (Rekey). The pending jobs that may fit are those made pending since the last pass and those on
// the buckets (sched/job_buckets.h) of a pool that grew: after a pass no pending job fits
// anywhere, as in sched/list_scheduler.h. Pools are chosen from ranked lists
// (sched/ranked_pools.h), and victims are looked for only among the running jobs whose key (when
// last ranked: keys only fall while jobs run, unless rekeyed) is above the pending job's
// OutranksAbove, lowest-ranked first.
#ifndef ARBITER_SCHED_PREEMPTIVE_QUEUE_H_
#define ARBITER_SCHED_PREEMPTIVE_QUEUE_H_

#include <compare>
#include <cstdint>
#include <deque>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/btree_set.h"
#include "sched/eligibility.h"
#include "sched/job_buckets.h"
#include "sched/policy.h"
#include "sched/ranked_pools.h"

namespace arbiter {

class PreemptiveQueue : public Policy {
 public:
  // Running (and pending) jobs a pass looks at, at most, in looking for jobs to stop.
  static constexpr int64_t kPreemptWork = 512;

  void OnPending(JobId job, const ClusterView& view) override;
  void OnRemoved(JobId job) override;
  void OnReleased(JobId job) override;
  void Schedule(const ClusterView& view, std::span<const PoolId> grown, Placer& placer) override;

  // For tests: jobs this policy stopped so far.
  int64_t preemptions() const { return preemptions_; }

 protected:
  // Lower keys rank higher.
  struct Key {
    int64_t primary = 0;
    int64_t secondary = 0;
    auto operator<=>(const Key&) const = default;
  };
  // The job's key now (called when it becomes pending, when it starts, and on Rekey).
  virtual Key KeyOf(JobId job, const ClusterView& view) const = 0;
  // Whether pending job `p` may stop running job `v`.
  virtual bool Outranks(JobId p, JobId v, const ClusterView& view) const = 0;
  // A key that every job `p` outranks is above: only running jobs whose key (when last ranked)
  // is greater than this are looked at as jobs for `p` to stop.
  virtual Key OutranksAbove(JobId p, const ClusterView& view) const = 0;
  // Called at the start of every pass, before anything starts: the policy updates its books and
  // calls Rekey for jobs whose rank changed.
  virtual void Update(const ClusterView& /*view*/) {}
  // Called when a job of this policy starts a run, and (at the next call that knows the time,
  // which is at the same instant) when its run ended.
  virtual void Started(JobId /*job*/, const ClusterView& /*view*/) {}
  virtual void Stopped(JobId /*job*/, Time /*now*/) {}
  // What the reason of a stop says ("a shorter job", ...).
  virtual std::string_view stop_reason() const = 0;

  // The job's rank changed: its key is asked again, and the next pass looks at the queue.
  void Rekey(JobId job, const ClusterView& view);
  bool running(JobId job) const {
    return job.index() < slots_.size() && slots_[job.index()].running;
  }
  bool pending(JobId job) const {
    return job.index() < slots_.size() && slots_[job.index()].pending;
  }

 private:
  struct Slot {
    bool pending = false;
    bool running = false;  // placed by this policy and not released
    Key key;               // in pending_ or running_ under this key
    PoolId pool;           // while running
    int32_t ranked = -1;   // its shape's set in ranked_, once looked up
  };
  using Entry = std::pair<Key, JobId>;

  Slot& SlotOf(JobId job);
  // Tells the policy of the runs that ended (OnReleased does not know the time).
  void Flush(Time now);
  void StartOn(JobId job, PoolId pool, const ClusterView& view, Placer& placer);
  // Adds or removes a pending job's entry in the queue and the buckets.
  void Enqueue(JobId job, const ClusterView& view);
  void Dequeue(JobId job);
  // Starts the job on the pool the ranked lists choose, if it fits anywhere now.
  bool TryStart(JobId job, const ClusterView& view, Placer& placer);
  // Starts the pending jobs that fit on `pool`, best key first.
  void Fill(PoolId pool, const ClusterView& view, Placer& placer);
  // If `job` can take room from jobs it outranks, stops them and starts it; true if it did.
  bool TryPreempt(JobId job, const ClusterView& view, Placer& placer);
  // The pool where stopping jobs `job` outranks, the lowest-ranked first, first makes room for
  // it, and those jobs; invalid if none.
  std::pair<PoolId, std::vector<JobId>> Victims(JobId job, const ClusterView& view);

  RankedPools ranked_;
  JobBuckets waiting_;  // the pending jobs by key, per type and shape
  std::vector<Slot> slots_;
  absl::btree_set<Entry> pending_;
  absl::btree_set<Entry> running_;
  std::vector<JobId> released_;  // runs ended since the last Flush
  std::vector<JobId> fresh_;     // became pending, or rose in rank while pending, since the pass
  std::vector<JobId> lowered_;   // fell in rank while running, since the pass
  std::deque<JobId> deferred_;   // pending jobs the last pass had no time to look for room for
  int64_t work_ = 0;             // jobs the pass may still look at
  int64_t preemptions_ = 0;
};

}  // namespace arbiter

#endif  // ARBITER_SCHED_PREEMPTIVE_QUEUE_H_
