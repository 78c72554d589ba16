// Heterogeneity-aware allocation in rounds, in the manner of Gavel (OSDI'20): an allocation
// program over (job, accelerator type) decides what share of time each job should get on each
// type, and rounds enforce it.
//
// Every round (kRound seconds, while any job is active) the policy solves the program of
// sched/allocation_lp.h ("gavel-maxmin": max-min fairness, "gavel-makespan": minimum makespan,
// "gavel-cost": minimum cost subject to deadlines) over the running jobs it placed and the oldest
// pending ones, up to kMaxLpJobs in all unless more than that run; a program of more than
// kMaxLpJobs jobs is solved in partitions of at most kMaxLpJobs (POP, see allocation_lp.h).
// Capacity per type is the fleet's (all its pools of that type); a job can be given a type only if
// it can ever run on a pool of it; its rate there is its own, its price the cheapest its tenant
// pays on such a pool; its weight its tenant's.
//
// Enforcement, as Gavel's round-robin mechanism: a job's priority on type t is
// X[j][t] / (the fraction of its time in the queue it has run on t), so jobs behind their share
// come first. Pairs are taken by priority while the type has capacity left, at most one type per
// job: the round's wanted placements. A running job the round wants on another type moves there
// if that type will have room once the other movers have left (so swaps happen, and nobody stops
// only to wait); a job wanted nowhere stops if pending jobs wanted on its type need the room. Only
// jobs that checkpoint and have run for a round are stopped, and only at their next checkpoint (a
// wake-up is set), so that rounds cost no lost work; jobs that never checkpoint run to the end
// once started. (The setup time of a restart is not known to the policy, so a stop may lose up to
// that.) A job stopped to move is promised room on its new type: other jobs may use only what the
// promises leave, so that the first stop of a swap does not hand its capacity to a third job.
//
// Between rounds the policy is work-conserving within the promises: when a pool frees capacity,
// the jobs wanted on its type start first, then the round's other pending jobs in priority order
// for that type (those it gave a share of it); a job that becomes pending (arrived, or stopped)
// starts at once on its wanted type if it has room, or else wherever it fits (gavel-cost: the
// pool where the whole run costs least; the others: where it runs fastest).
//
// Cost of a pass: a freed pool walks only the pending jobs of its type's two lists (the round's
// lists remember which of their jobs are pending), and a job's pool is chosen from its shape's
// pools ranked by price per type (sched/ranked_pools.h) instead of from every eligible pool;
// debug builds check both against the plain scans.
#ifndef ARBITER_SCHED_GAVEL_H_
#define ARBITER_SCHED_GAVEL_H_

#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "sched/allocation_lp.h"
#include "sched/eligibility.h"
#include "sched/policy.h"
#include "sched/ranked_pools.h"
#include "sched/registry.h"

namespace arbiter {

class GavelPolicy final : public Policy {
 public:
  static constexpr Duration kRound = 3600;
  static constexpr int kMaxLpJobs = 1000;

  explicit GavelPolicy(AllocationObjective objective) : objective_(objective) {}
  std::string_view name() const override;
  OfferPreference preference() const override {
    return objective_ == AllocationObjective::kMinCost ? OfferPreference::kCost
                                                       : OfferPreference::kFinish;
  }

  void OnPending(JobId job, const ClusterView& view) override;
  void OnRemoved(JobId job) override;
  void OnReleased(JobId job) override;
  void Schedule(const ClusterView& view, std::span<const PoolId> grown, Placer& placer) override;
  Time NextWakeup() const override;

  // For tests: rounds solved, and the last round's allocation of a job (0 if none).
  int64_t rounds() const { return rounds_; }
  double share(JobId job, AcceleratorTypeId type) const;

 private:
  struct Active {
    bool pending = false;
    bool placed = false;  // placed by this policy and not released
    PoolId pool;
    Time started = 0;
    Time since = 0;                  // became active (first pending)
    std::vector<Duration> received;  // per type: seconds run there
    Time stop_at = kNever;           // a stop deferred to this checkpoint
    int32_t want = -1;               // the type the last round wants it on, or -1
    bool in_lp = false;              // in the last round's program
    bool promised = false;           // room on `want` is promised to it
    int32_t gang = 0;
    int32_t ranked = -1;  // its shape's set in ranked_pools_, once looked up
    // Where the last round's lists hold it: (list in lists_, position there).
    absl::InlinedVector<std::pair<int32_t, int32_t>, 2> slots;
  };

  // One of the last round's lists: per type, the jobs it wants there (wanted) or its other jobs
  // pending at the round with a share of the type (ranked), by priority; and the positions of
  // the jobs pending now, kept up to date as jobs start and return, so that a pool that frees
  // capacity walks only those.
  struct RoundList {
    std::vector<JobId> jobs;
    absl::btree_set<int32_t> pending;
  };
  RoundList& Wanted(size_t type) { return lists_[2 * type]; }
  RoundList& Ranked(size_t type) { return lists_[2 * type + 1]; }
  void Enlist(JobId job, size_t list);
  // Sets the job's pending flag and its place in the round lists' pending sets.
  void SetPending(Active& a, bool pending);

  void DoRound(const ClusterView& view);
  // Drops a job that left (finished or cancelled), and any promise to it.
  void Forget(JobId job);
  void Account(const ClusterView& view);
  void FillPool(PoolId pool, const ClusterView& view, Placer& placer);
  // The pool of `type` where the job fits now, for a job the round wants there (so the promises
  // do not apply): its tenant's holding pools first, then the cheaper, then the lower id; invalid
  // if none.
  PoolId PoolFor(JobId job, AcceleratorTypeId type, const ClusterView& view);
  // Any pool where the job fits now outside the promises: holding pools first, then the fastest
  // (then the cheaper), or (gavel-cost) the cheapest whole run (then the faster, the cheaper per
  // hour); then the lower id.
  PoolId AnyPool(JobId job, const ClusterView& view);
  // The same choices by scanning every pool, which debug builds compare them with.
  PoolId ScanPoolFor(JobId job, AcceleratorTypeId type, const ClusterView& view) const;
  PoolId ScanAnyPool(JobId job, const ClusterView& view) const;
  int32_t RankedSet(JobId job, const ClusterView& view);
  // Capacity of `type` promised to wanted jobs not running there yet.
  int64_t Promised(size_t type) const { return type < promised_.size() ? promised_[type] : 0; }
  void Start(JobId job, PoolId pool, const ClusterView& view, Placer& placer);
  Active& StateOf(JobId job, const ClusterView& view);

  AllocationObjective objective_;
  // Eligible pools per job shape, by price per type (Gavel's choices do not follow `ordered`).
  RankedPools ranked_pools_{RankedPools::Ways::kDefault, RankedPools::Preference::kIgnore};
  absl::btree_set<JobId> active_;  // pending or placed, in id (= submission) order
  std::vector<Active> state_;      // per job
  std::vector<JobId> released_;    // to account at the next pass
  std::vector<JobId> fresh_;       // became pending since the last pass
  absl::flat_hash_map<JobId, std::vector<double>> shares_;  // last round's X per LP job
  std::vector<RoundList> lists_;                            // per type: Wanted, Ranked
  std::vector<int64_t> promised_;                           // per type
  Time next_round_ = 0;
  Time next_stop_ = kNever;
  int64_t rounds_ = 0;
};

std::unique_ptr<Policy> MakeGavelMaxMinPolicy(const PolicyOptions& options);
std::unique_ptr<Policy> MakeGavelMakespanPolicy(const PolicyOptions& options);
std::unique_ptr<Policy> MakeGavelCostPolicy(const PolicyOptions& options);

}  // namespace arbiter

#endif  // ARBITER_SCHED_GAVEL_H_
