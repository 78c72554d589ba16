// Tiresias's discretised two-dimensional least-attained-service policy (2D-LAS; Gu et al.,
// "Tiresias: A GPU Cluster Manager for Distributed Deep Learning", NSDI'19), as its authors'
// simulator runs it ("dlas-gpu"):
//   - a job's attained service is its accelerators x the seconds it has run since it last entered
//     the first queue (its two dimensions: how wide and how long);
//   - K queues: a job enters the first on arrival and moves down one queue when its attained
//     service reaches that queue's threshold (policy_options.queue_thresholds, ascending, in
//     accelerator-seconds; default 3600: two queues, the artifact's configuration);
//   - jobs of a higher queue come first; within a queue, in the order they entered it; a pending
//     job stops running jobs of lower queues to take their accelerators
//     (sched/preemptive_queue.h), never those of its own queue, so jobs of one queue do not thrash;
//   - starvation guard: a job that, since it last entered the first queue, has waited
//     policy_options.promote_knob times as long as it has run goes back to the first queue with
//     its attained service reset (the artifact's PROMOTEKNOB; its default run has no guard and its
//     variants use 0.5 to 1000; Arbiter's default is 8, and 0 turns the guard off).
// Only jobs that lose no work by stopping are stopped (ClusterView::WorkAtRisk): on a workload
// that checkpoints at each preemption that is every job, as Tiresias assumes.
#ifndef ARBITER_SCHED_TIRESIAS_H_
#define ARBITER_SCHED_TIRESIAS_H_

#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "sched/preemptive_queue.h"
#include "sched/registry.h"

namespace arbiter {

class TiresiasPolicy final : public PreemptiveQueue {
 public:
  static constexpr int64_t kDefaultThreshold = 3600;  // accelerator-seconds
  static constexpr Ppm kDefaultPromoteKnob = 8 * kPpmOne;

  // `thresholds`: ascending accelerator-seconds, one per queue but the last (empty: the
  // default); `promote_knob` in parts per million (0: no promotion).
  TiresiasPolicy(std::vector<int64_t> thresholds, Ppm promote_knob);
  std::string_view name() const override { return "tiresias"; }
  void OnPending(JobId job, const ClusterView& view) override;
  void OnRemoved(JobId job) override;
  Time NextWakeup() const override;

  // For tests: the job's queue (0 is the first) and its promotions so far.
  int32_t queue(JobId job) const;
  int64_t promotions() const { return promotions_; }

 protected:
  Key KeyOf(JobId job, const ClusterView& view) const override;
  bool Outranks(JobId p, JobId v, const ClusterView& view) const override;
  Key OutranksAbove(JobId p, const ClusterView& view) const override;
  void Update(const ClusterView& view) override;
  void Started(JobId job, const ClusterView& view) override;
  void Stopped(JobId job, Time now) override;
  std::string_view stop_reason() const override {
    return "a job of a higher-priority queue needs the room (Tiresias)";
  }

 private:
  struct Books {
    int32_t queue = 0;
    Time entered = 0;       // entered its queue
    Duration executed = 0;  // seconds run since it last entered the first queue, to its last stop
    Duration waited = 0;    // seconds waited after having run, since then, to its last start
    Time since = 0;         // its current run started, or it became pending
    int32_t gang = 0;
    bool known = false;
    Time wake = kNever;  // its entry in wakeups_
  };
  Books& BooksOf(JobId job);
  // When the job next changes queue if nothing else happens: a running job's demotion, a
  // pending job's promotion; kNever if it will not.
  Time NextChange(JobId job, const Books& b, Time now) const;
  void Reschedule(JobId job, Time now);

  std::vector<int64_t> thresholds_;
  Ppm promote_knob_;
  std::vector<Books> books_;
  std::set<std::pair<Time, JobId>> wakeups_;  // demotions and promotions due
  int64_t promotions_ = 0;
};

std::unique_ptr<Policy> MakeTiresiasPolicy(const PolicyOptions& options);

}  // namespace arbiter

#endif  // ARBITER_SCHED_TIRESIAS_H_
