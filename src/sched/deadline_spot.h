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
  struct State {
    bool pending = false;
    bool placed = false;
    bool committed = false;  // on on-demand to the end
    Purchase how = Purchase::kDefault;
    Time wake = kNever;  // the wake-up currently asked for it
  };

  bool HasDeadline(JobId job, const ClusterView& view) const {
    return view.job(job).deadline != kNever;
  }
  // The cheapest whole run among pools with room now, bought `how` (kDefault: any way).
  std::optional<Option> Cheapest(JobId job, Purchase how, const ClusterView& view) const;
  // The fastest on-demand pool with room now (then the cheaper), if any.
  std::optional<Option> FastestOnDemand(JobId job, const ClusterView& view) const;
  // The job's best on-demand rate over the pools it can ever use, or 0.
  Rate OnDemandRate(JobId job, const ClusterView& view) const;
  Duration Changeover(JobId job, const ClusterView& view) const;
  bool Critical(JobId job, const ClusterView& view) const;
  // Not even on-demand from now can meet the deadline.
  bool Hopeless(JobId job, const ClusterView& view) const;
  bool Behind(JobId job, Work done, const ClusterView& view) const;
  // When a waiting (or spot-running) job next needs a decision.
  Time NextDecision(JobId job, const ClusterView& view) const;
  void Decide(JobId job, const ClusterView& view, Placer& placer);
  void Start(JobId job, const Option& option, const ClusterView& view, Placer& placer);
  void FillPool(PoolId pool, const ClusterView& view, Placer& placer);
  void Wake(JobId job, Time at);

  Rule rule_;
  mutable EligibleCache eligible_;    // eligible pools per job shape
  JobBuckets buckets_;                // pending jobs without a deadline
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
