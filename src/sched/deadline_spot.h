// Deadline-aware use of spot capacity: the Uniform Progress rule of "Can't Be Late" (Wu et al.,
// NSDI'24) and its greedy baseline, choosing for each job with a deadline between spot capacity
// (cheaper, preempted when its provider needs it) and on-demand capacity, so that it finishes by
// its deadline at the least cost.
//
// A placement buys spot or on-demand explicitly (Placer::PlaceAs; the tenant needs a spot
// contract and an on-demand contract with the pool's provider, or first-party access). For a job
// with deadline D, submitted at S, of work W with R left, at time t:
//   on-demand runtime  T = R / (its fastest on-demand rate)
//   changeover         d = kChangeover + the job's checkpoint interval (a restart, and the work a
//                      preemption can cost)
//   critical           D - t - T <= d: only on-demand now can still meet the deadline
//   behind             W - R < W (t - S) / (D - S): less done than uniform progress
// Rules (each pass, for the job's state):
//   spot-greedy: critical -> on-demand, to the end (spot if no on-demand pool has room); else
//                spot if a pool has room; else wait.
//   spot-up:     critical -> as spot-greedy; else spot if a pool has room; else behind ->
//                on-demand; else wait. A job on on-demand that is not committed moves back to spot
//                (stopped and placed again) when it is ahead of uniform progress by a changeover's
//                worth of work, counting the work the stop loses, and has two changeovers of slack.
// A job that cannot meet its deadline even on on-demand from now is treated as one without a
// deadline (the cheapest way that has room). A job running on spot that becomes critical is stopped
// and placed on on-demand (committed) if an on-demand pool has room. Waiting jobs are woken when
// they become critical (and, for spot-up, behind), so no event is needed. A job changes how it is
// bought at most three times between preemptions (spot, on-demand when behind, spot when ahead,
// on-demand when critical, for good), and each change needs time to pass: no two rules undo each
// other at one instant.
//
// Jobs without a deadline are placed as cost-greedy does, over both ways to buy: in queue order
// (priority, then submission), each takes the cheapest whole run (spot or on-demand, any pool with
// room now); they are indexed by sched/job_buckets.h. Jobs with a deadline are re-examined at
// every pass that freed capacity, so the cost of a pass grows with the deadline jobs waiting.
// Where a start goes comes from sched/ranked_pools.h's lists per (type, way of buying), sorted by
// price with cursors past full pools, not from pricing every eligible pool both ways; it is the
// same choice (debug builds assert it against that scan).
#ifndef ARBITER_SCHED_DEADLINE_SPOT_H_
#define ARBITER_SCHED_DEADLINE_SPOT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "sched/eligibility.h"
#include "sched/job_buckets.h"
#include "sched/policy.h"
#include "sched/ranked_pools.h"
#include "sched/registry.h"

namespace arbiter {

class DeadlineSpotPolicy final : public Policy {
 public:
  enum class Rule { kGreedy, kUniformProgress };
  static constexpr Duration kChangeover = 600;

  explicit DeadlineSpotPolicy(Rule rule) : rule_(rule) {}
  std::string_view name() const override {
    return rule_ == Rule::kGreedy ? "spot-greedy" : "spot-up";
  }
  OfferPreference preference() const override { return OfferPreference::kCost; }

  void OnPending(JobId job, const ClusterView& view) override;
  void OnRemoved(JobId job) override;
  void OnReleased(JobId job) override;
  void Schedule(const ClusterView& view, std::span<const PoolId> grown, Placer& placer) override;
  Time NextWakeup() const override;

  // For tests: how each placement of deadline jobs was bought, in order.
  const std::vector<std::pair<JobId, Purchase>>& decisions() const { return decisions_; }

 private:
  enum class Choice { kWait, kSpot, kOnDemand };
  struct Option {
    PoolId pool;
    Purchase how = Purchase::kDefault;
    Micros cost = 0;
    Duration runtime = 0;
  };
  // A bucket's head as FillPool last saw it; the heap of them is ordered by (key, job).
  struct QueuedHead {
    int64_t primary = 0;
    int64_t secondary = 0;
    JobId job;
    int32_t bucket = 0;
    auto operator<=>(const QueuedHead&) const = default;
  };
  struct State {
    bool pending = false;
    bool placed = false;
    bool committed = false;  // on on-demand to the end
    Purchase how = Purchase::kDefault;
    Time wake = kNever;   // the wake-up currently asked for it
    int32_t ranked = -1;  // its job shape's set in ranked_, once asked
  };

  bool HasDeadline(JobId job, const ClusterView& view) const {
    return view.job(job).deadline != kNever;
  }
  // The set of ranked lists of the job's shape (built on first use, with its on-demand rate).
  int32_t SetOf(JobId job, const ClusterView& view);
  // The cheapest whole run among pools with room now, bought `how` (kDefault: any way); among
  // equal costs the shorter run, then the lower pool id, then spot.
  std::optional<Option> Cheapest(JobId job, Purchase how, const ClusterView& view);
  // The fastest on-demand pool with room now (then the cheaper, then the lower id), if any.
  std::optional<Option> FastestOnDemand(JobId job, const ClusterView& view);
  // The cheapest pool with room now in one ranked list (then the lower id), if any.
  static std::optional<Option> FirstFit(JobId job, RankedPools::List& list,
                                        const ClusterView& view);
  // The same two choices by scanning every eligible pool both ways: what the ranked lists must
  // agree with (debug builds assert it).
  std::optional<Option> CheapestByScan(JobId job, Purchase how, const ClusterView& view) const;
  std::optional<Option> FastestOnDemandByScan(JobId job, const ClusterView& view) const;
  static bool Same(const std::optional<Option>& a, const std::optional<Option>& b);
  // The job's best on-demand rate over the pools it can ever use, or 0.
  Rate OnDemandRate(JobId job, const ClusterView& view);
  Duration Changeover(JobId job, const ClusterView& view) const;
  bool Critical(JobId job, const ClusterView& view);
  // Not even on-demand from now can meet the deadline.
  bool Hopeless(JobId job, const ClusterView& view);
  bool Behind(JobId job, Work done, const ClusterView& view) const;
  // When a waiting (or spot-running) job next needs a decision.
  Time NextDecision(JobId job, const ClusterView& view);
  void Decide(JobId job, const ClusterView& view, Placer& placer);
  void Start(JobId job, const Option& option, const ClusterView& view, Placer& placer);
  // Starts jobs without a deadline, in queue order, while `pool` has room for one of them.
  void FillPool(PoolId pool, const ClusterView& view, Placer& placer);
  // Queues bucket `bucket`'s head (if any) in heads_.
  void PushHead(int32_t bucket);
  void Wake(JobId job, Time at);

  Rule rule_;
  // Per job shape, the eligible pools of each (type, way of buying) by price, with cursors: where
  // starts are chosen. The core reports every pool that grew (Schedule's `grown`), and Decide
  // every pool its own preemptions free (GrewAll).
  RankedPools ranked_{RankedPools::Ways::kSpotAndOnDemand};
  std::vector<Rate> on_demand_rate_;  // per set of ranked_: OnDemandRate
  mutable EligibleCache eligible_;    // eligible pools per job shape, for the plain scans
  JobBuckets buckets_;                // pending jobs without a deadline
  uint64_t joined_ = 0;               // jobs added to buckets_ so far
  std::vector<QueuedHead> heads_;     // FillPool's min-heap (kept to reuse its memory)
  std::vector<JobId> deadline_jobs_;  // pending or placed jobs with a deadline
  std::vector<State> state_;          // per job
  std::vector<JobId> fresh_;
  std::vector<std::pair<Time, JobId>> wakes_;  // min-heap (lazy)
  std::vector<std::pair<JobId, Purchase>> decisions_;
};

std::unique_ptr<Policy> MakeSpotGreedyPolicy(const PolicyOptions& options);
std::unique_ptr<Policy> MakeSpotUniformProgressPolicy(const PolicyOptions& options);

}  // namespace arbiter

#endif  // ARBITER_SCHED_DEADLINE_SPOT_H_
