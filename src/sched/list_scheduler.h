// The mechanism behind the list-scheduling policies (FIFO, shortest-job-first, cost-greedy).
//
// Every pending job waits in one bucket per (eligible pool, gang size), each a min-heap by the
// policy's key. When a pool gains free capacity f, the best-keyed job among that pool's buckets
// with gang size <= f is started (on the pool the policy chooses among those where it fits now),
// and again until nothing fits. Jobs made pending since the last pass (the arrivals of the instant)
// then start where they fit, best key first.
//
// This keeps an invariant after every pass: no pending job fits on any pool now. Hence an event
// can only unblock jobs that wait on the pools it freed, and a pass costs O(gang sizes x log n)
// per start instead of a scan of the queue. Choosing the pool of a start is the other cost: for
// the built-in choosers (fastest, cheapest) the choice comes from sched/ranked_pools.h, which
// looks at the first pools of each type with room instead of every eligible pool. Jobs that do not
// fit never block those behind them (no head-of-line blocking), so wide gangs can wait long under a
// stream of small jobs; the reservation and backfill policies address that.
#ifndef ARBITER_SCHED_LIST_SCHEDULER_H_
#define ARBITER_SCHED_LIST_SCHEDULER_H_

#include <cstdint>
#include <span>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "sched/eligibility.h"
#include "sched/policy.h"
#include "sched/ranked_pools.h"

namespace arbiter {

class ListScheduler : public Policy {
 public:
  void OnPending(JobId job, const ClusterView& view) override;
  void OnRemoved(JobId job) override;
  void Schedule(const ClusterView& view, std::span<const PoolId> grown, Placer& placer) override;

  // Pending jobs known to this policy (for tests and reports).
  int64_t pending_count() const { return pending_count_; }

 protected:
  // Lower keys start first; ties go to the lower job id.
  struct Key {
    int64_t primary = 0;
    int64_t secondary = 0;
  };
  // The job's key on `pool` (called when the job becomes pending, once per group of pools on
  // which the key is the same: see key_scope).
  virtual Key KeyOn(JobId job, PoolId pool, const ClusterView& view) const = 0;
  // What KeyOn depends on besides the job: nothing, the pool's accelerator type, or the pool.
  enum class KeyScope { kJob, kType, kPool };
  virtual KeyScope key_scope() const { return KeyScope::kPool; }
  // How to choose where a job starts among the pools where it fits now (its tenant's holding
  // pools first): FastestPool or CheapestPool (eligibility.h), computed from ranked lists.
  virtual RankedPools::Rule rule() const = 0;

 private:
  struct Entry {
    Key key;
    JobId job;
    uint32_t generation = 0;
  };
  struct Bucket {
    int32_t gang = 0;  // accelerators of every job in this bucket
    int64_t live = 0;  // entries whose job is still pending
    std::vector<Entry> heap;
  };
  struct Slot {
    uint32_t generation = 0;
    bool pending = false;
    int32_t cls = -1;     // eligibility class while pending
    int32_t ranked = -1;  // its set in ranked_ (built-in choosers)
  };
  // Jobs with the same eligible pools form a class; a class's pools are split into groups on
  // which the policy's key is the same (KeyScope), and each group keeps one bucket per gang size.
  struct Group {
    PoolId representative;        // KeyOn is asked on this pool
    std::vector<Bucket> buckets;  // ascending gang size
  };
  struct Class {
    PoolList pools;               // eligible pools, ascending
    std::vector<int32_t> groups;  // into groups_
  };
  static bool After(const Entry& a, const Entry& b);  // heap order: a starts after b
  static Bucket& BucketIn(Group& group, int32_t gang);
  int32_t ClassOf(const Job& spec, const ClusterView& view);
  bool Live(const Entry& e) const;
  void Start(JobId job, PoolId pool, const ClusterView& view, Placer& placer);
  // Starts the jobs made pending since the last pass that fit somewhere, best key first.
  void StartFresh(const ClusterView& view, Placer& placer);
  void Forget(JobId job, const ClusterView& view);
  // Pools where the job can ever run and fits now.
  PoolList FitsNow(JobId job, const ClusterView& view) const;
  // The pool the policy's chooser picks for a pending job among those where it fits now, or an
  // invalid id if it fits nowhere.
  PoolId Pick(JobId job, const ClusterView& view);

  std::vector<Class> classes_;
  std::vector<Group> groups_;
  std::vector<std::vector<int32_t>> pool_groups_;  // per pool: the groups that include it
  absl::flat_hash_map<std::vector<int32_t>, int32_t> class_by_pools_;
  // (tenant, accepted types as a bit set, gang, accelerators per node) -> class.
  absl::flat_hash_map<std::tuple<int32_t, uint64_t, int32_t, int32_t>, int32_t> class_by_shape_;
  RankedPools ranked_;
  std::vector<Slot> slots_;   // per job
  std::vector<JobId> fresh_;  // made pending since the last pass
  int64_t pending_count_ = 0;
};

}  // namespace arbiter

#endif  // ARBITER_SCHED_LIST_SCHEDULER_H_
