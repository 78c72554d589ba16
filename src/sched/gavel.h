// Heterogeneity-aware allocation in rounds, in the manner of Gavel (Narayanan et al., OSDI'20):
// a policy decides what share of time each job should get on each accelerator type, and rounds
// enforce it.
//
// Every round (`round` seconds, 3600 unless the scenario's policy_options say otherwise; Gavel's
// own is 360, while any job is active) the policy enforces an allocation X[job][type] over the
// running jobs it placed and the oldest pending ones (up to kMaxLpJobs in all unless more than
// that run), computed again, as in Gavel, only at the first round after a job arrived or left:
//   - "gavel-maxmin", "gavel-makespan", "gavel-cost": the programs of sched/allocation_lp.h
//     (max-min fairness: Gavel's least-attained-service policy, by job; minimum makespan; minimum
//     cost subject to deadlines). Capacity per type is the fleet's (all its pools of that type); a
//     job can be given a type only if it can ever run on a pool of it; its rate there is its own,
//     its price the cheapest its tenant pays on such a pool, its weight its tenant's.
//   - "gavel-fifo": Gavel's heterogeneity-aware FIFO: in order of priority, then arrival, each job
//     is given the fastest type with capacity left for it (X = 1 there), from scratch each round,
//     so older jobs move up to faster types as these free; at the first job that fits nowhere
//     the order stops (no job passes a waiting older one).
//   - the "-agnostic" variants are Gavel's heterogeneity-agnostic baselines: the same with every
//     throughput set to 1. gavel-maxmin-agnostic is Gavel's LAS (equal time shares by job, each
//     spread over the types by capacity); gavel-fifo-agnostic keeps a running job on its type
//     and gives each next job in line a type with room drawn at random (seeded by the run's
//     seed), as Gavel's base FIFO does. Their arrivals between rounds also take a type with room
//     at random, not the fastest.
//
// Enforcement, as Gavel's round-robin mechanism: a job's priority on type t is
// X[j][t] / (the fraction of its time since it arrived that it has run on t), so jobs behind
// their share come first. Pairs are taken by priority while the type has capacity left, at most
// one type per job: the round's wanted placements. A running job the round wants on another type
// moves there if that type will have room once the other movers have left (so swaps happen, and
// nobody stops only to wait); a job wanted nowhere stops if pending jobs wanted on its type need
// the room. Only jobs that have run for a round and lose nothing by stopping are stopped: jobs
// that checkpoint at a preemption (Job::checkpoint_at_preemption, Gavel's assumption) at once,
// jobs with periodic checkpoints at their next one (a wake-up is set); jobs that never checkpoint
// run to the end once started. A job stopped to move is promised room on its new type: other jobs
// may use only what the promises leave, so that the first stop of a swap does not hand its
// capacity to a third job (with periodic checkpoints that room can stay free until the mover's
// checkpoint; with checkpoints at preemption the mover takes it in the same pass).
//
// Between rounds the policy is work-conserving within the promises: when a pool frees capacity,
// the jobs wanted on its type start first, then the round's other pending jobs in priority order
// for that type (those it gave a share of it), then any other pending job that fits there in
// order of priority and arrival (jobs that arrived since the round, or that the round gave no
// share of the type), as Gavel's mechanism fills capacity left over by its priorities with the
// jobs of zero priority. A job that becomes pending (arrived, or stopped) starts at once on its
// wanted type if it has room, or else wherever it fits (gavel-cost: the pool where the whole run
// costs least; the agnostic variants: a type with room at random; the others: where it runs
// fastest). (Gavel's own simulator starts work only at round boundaries.)
//
// Cost of a pass: a freed pool walks only the pending jobs of its type's two lists (the round's
// lists remember which of their jobs are pending) and the heads of the pending jobs' buckets
// (sched/job_buckets.h), and a job's pool is chosen from its shape's pools ranked by price per
// type (sched/ranked_pools.h) instead of from every eligible pool; debug builds check both against
// the plain scans.
#ifndef ARBITER_SCHED_GAVEL_H_
#define ARBITER_SCHED_GAVEL_H_

#include <cstdint>
#include <memory>
#include <random>
#include <span>
#include <utility>
#include <vector>

#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "sched/allocation_lp.h"
#include "sched/eligibility.h"
#include "sched/job_buckets.h"
#include "sched/policy.h"
#include "sched/ranked_pools.h"
#include "sched/registry.h"

namespace arbiter {

class GavelPolicy final : public Policy {
 public:
  static constexpr Duration kDefaultRound = 3600;
  static constexpr int kMaxLpJobs = 1000;

  enum class Objective { kFifo, kMaxMinFairness, kMinMakespan, kMinCost };
  struct Options {
    Duration round = kDefaultRound;
    bool agnostic = false;  // every throughput 1: Gavel's heterogeneity-agnostic baselines
    MaxMinBaseline baseline = MaxMinBaseline::kEqualShare;
    uint64_t seed = 0;  // the agnostic variants' random choices
  };

  GavelPolicy(Objective objective, Options options);
  explicit GavelPolicy(Objective objective) : GavelPolicy(objective, Options()) {}
  std::string_view name() const override;
  OfferPreference preference() const override {
    return objective_ == Objective::kMinCost ? OfferPreference::kCost : OfferPreference::kFinish;
  }

  void OnPending(JobId job, const ClusterView& view) override;
  void OnRemoved(JobId job) override;
  void OnReleased(JobId job) override;
  void Schedule(const ClusterView& view, std::span<const PoolId> grown, Placer& placer) override;
  Time NextWakeup() const override;

  // For tests: rounds computed, and the last round's allocation of a job (0 if none).
  int64_t rounds() const { return rounds_; }
  double share(JobId job, AcceleratorTypeId type) const;
  const Options& options() const { return options_; }

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
    bool in_lp = false;              // in the last round's allocation
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
  // Puts a pending job among those any pool may take (in waiting_).
  void Wait(JobId job, const ClusterView& view);
  // Sets the job's pending flag, its place in the round lists' pending sets and in the buckets
  // of pending jobs.
  void SetPending(JobId job, Active& a, bool pending, const ClusterView* view);

  void DoRound(const ClusterView& view);
  // The round's allocation over `jobs`: the jobs that can be given a type (`in`) and their rows
  // of X; false if there is none this round.
  bool Allocate(const std::vector<JobId>& jobs, const ClusterView& view, std::vector<JobId>& in,
                std::vector<std::vector<double>>& x);
  // gavel-fifo's allocation (see the header comment) of `in`, given each job's rate per type
  // (0: cannot run there) and each type's capacity.
  void AllocateFifo(const std::vector<JobId>& in, const std::vector<std::vector<Rate>>& rates,
                    std::vector<int64_t> left, const ClusterView& view,
                    std::vector<std::vector<double>>& x);
  // Drops a job that left (finished or cancelled), and any promise to it.
  void Forget(JobId job);
  void Account(const ClusterView& view);
  // Starts pending jobs on `pool` (see the header comment); only the round's wanted ones if
  // `wanted_only`.
  void FillPool(PoolId pool, const ClusterView& view, Placer& placer, bool wanted_only = false);
  // The pool of `type` where the job fits now, for a job the round wants there (so the promises
  // do not apply): its tenant's holding pools first, then the cheaper, then the lower id; invalid
  // if none.
  PoolId PoolFor(JobId job, AcceleratorTypeId type, const ClusterView& view);
  // Any pool where the job fits now outside the promises: holding pools first, then the fastest
  // (then the cheaper), or (gavel-cost) the cheapest whole run (then the faster, the cheaper per
  // hour); then the lower id. The agnostic variants: a type with such a pool at random, then its
  // cheapest pool.
  PoolId AnyPool(JobId job, const ClusterView& view);
  // The same choices by scanning every pool, which debug builds compare them with (the agnostic
  // choice only in which types have room).
  PoolId ScanPoolFor(JobId job, AcceleratorTypeId type, const ClusterView& view) const;
  PoolId ScanAnyPool(JobId job, const ClusterView& view) const;
  int32_t RankedSet(JobId job, const ClusterView& view);
  // Capacity of `type` promised to wanted jobs not running there yet.
  int64_t Promised(size_t type) const { return type < promised_.size() ? promised_[type] : 0; }
  void Start(JobId job, PoolId pool, const ClusterView& view, Placer& placer);
  Active& StateOf(JobId job, const ClusterView& view);
  // A uniform draw in [0, n) from the policy's own stream.
  size_t Draw(size_t n);

  Objective objective_;
  Options options_;
  // Eligible pools per job shape, by price per type (Gavel's choices do not follow `ordered`).
  RankedPools ranked_pools_{RankedPools::Ways::kDefault, RankedPools::Preference::kIgnore};
  JobBuckets waiting_;             // pending jobs by (-priority, submit), per type and shape
  absl::btree_set<JobId> active_;  // pending or placed, in id (= submission) order
  std::vector<Active> state_;      // per job
  std::vector<JobId> released_;    // to account at the next pass
  std::vector<JobId> fresh_;       // became pending since the last pass
  absl::flat_hash_map<JobId, std::vector<double>> shares_;  // last round's X per job in it
  std::vector<RoundList> lists_;                            // per type: Wanted, Ranked
  std::vector<int64_t> promised_;                           // per type
  AllocationMemo memo_;  // the last program, solved again only when it changed
  // The last allocation: its jobs, the ones it covers and their rows; computed again when a job
  // arrived or left (reset_) or the jobs considered changed.
  bool reset_ = true;
  std::vector<JobId> last_jobs_;
  std::vector<JobId> last_in_;
  std::vector<std::vector<double>> last_x_;
  std::mt19937_64 random_;
  Time next_round_ = 0;
  Time next_stop_ = kNever;
  int64_t rounds_ = 0;
};

std::unique_ptr<Policy> MakeGavelFifoPolicy(const PolicyOptions& options);
std::unique_ptr<Policy> MakeGavelFifoAgnosticPolicy(const PolicyOptions& options);
std::unique_ptr<Policy> MakeGavelMaxMinPolicy(const PolicyOptions& options);
std::unique_ptr<Policy> MakeGavelMaxMinAgnosticPolicy(const PolicyOptions& options);
std::unique_ptr<Policy> MakeGavelMakespanPolicy(const PolicyOptions& options);
std::unique_ptr<Policy> MakeGavelCostPolicy(const PolicyOptions& options);

}  // namespace arbiter

#endif  // ARBITER_SCHED_GAVEL_H_
