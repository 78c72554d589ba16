// The mechanism behind the preemptive priority policies (shortest-remaining-time first,
// Tiresias's discretised 2D-LAS): one queue of pending jobs ordered by a key the policy gives,
// where a pending job may stop running jobs it outranks to take their accelerators.
//
// After every pass: (1) pending jobs start in key order wherever they fit now (the fastest pool
// with room, holding pools first; a job that does not fit does not hold back the ones behind it),
// and (2) in key order, a pending job that fits nowhere stops running jobs of this policy that it
// outranks (Outranks) on the one pool where that frees room for it with the fewest accelerators
// stopped (then the fastest pool for it, then the cheaper, then the lower id), the lowest-ranked
// jobs first, and starts there. A job is only stopped if stopping it loses no work
// (ClusterView::WorkAtRisk is 0: it checkpoints at a preemption, Job::checkpoint_at_preemption,
// or it has made no progress since its last checkpoint); others run to their end once started.
// The stopped jobs return to the queue (the core calls OnPending) and start again when they rank
// high enough and fit.
//
// Cost: a pass does work only when a pool grew, a job became pending, or the policy changed a key
// (Rekey); then it walks the pending jobs in key order, choosing pools from ranked lists
// (sched/ranked_pools.h), and looks for victims only while the best pending job outranks the
// lowest-ranked running one (by its key when it last ranked it, a bound for keys that only fall).
#ifndef ARBITER_SCHED_PREEMPTIVE_QUEUE_H_
#define ARBITER_SCHED_PREEMPTIVE_QUEUE_H_

#include <compare>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/btree_set.h"
#include "sched/eligibility.h"
#include "sched/policy.h"
#include "sched/ranked_pools.h"

namespace arbiter {

class PreemptiveQueue : public Policy {
 public:
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
  // Whether pending job `p` may stop running job `v` (which ranks below it by key).
  virtual bool Outranks(JobId p, JobId v, const ClusterView& view) const = 0;
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
  // Starts pending jobs in key order where they fit now.
  void StartWhereTheyFit(const ClusterView& view, Placer& placer);
  // Stops outranked jobs for pending jobs in key order, while the best of them outranks some.
  void PreemptForBetter(const ClusterView& view, Placer& placer);
  // The pool where stopping the fewest accelerators of jobs `job` outranks makes room for it,
  // and those jobs (lowest-ranked first); invalid if none.
  std::pair<PoolId, std::vector<JobId>> Victims(JobId job, const ClusterView& view);

  RankedPools ranked_;
  EligibleCache eligible_;
  std::vector<Slot> slots_;
  absl::btree_set<Entry> pending_;
  absl::btree_set<Entry> running_;
  std::vector<JobId> released_;  // runs ended since the last Flush
  bool dirty_ = false;           // a job became pending or was rekeyed since the last pass
  int64_t preemptions_ = 0;
};

}  // namespace arbiter

#endif  // ARBITER_SCHED_PREEMPTIVE_QUEUE_H_
