// Preemptive shortest-remaining-time first (SRTF), as in Tiresias's simulator ("shortest"): the
// job with the least time left runs first, and a job that arrives with less time left than a
// running job stops it (sched/preemptive_queue.h). Time left is the job's remaining work at its
// rate on its fastest type (the runtime it needs at best), so the rule assumes, as SRTF does,
// that runtimes are known. Ties go to the earlier submitted job. Only jobs that lose no work by
// stopping are stopped (ClusterView::WorkAtRisk); on a workload that checkpoints at each
// preemption that is every job, otherwise SRTF stops jobs only before their first progress and
// behaves much like shortest-job-first.
#ifndef ARBITER_SCHED_SRTF_H_
#define ARBITER_SCHED_SRTF_H_

#include <memory>

#include "sched/preemptive_queue.h"
#include "sched/registry.h"

namespace arbiter {

class SrtfPolicy final : public PreemptiveQueue {
 public:
  std::string_view name() const override { return "srtf"; }

 protected:
  Key KeyOf(JobId job, const ClusterView& view) const override;
  bool Outranks(JobId p, JobId v, const ClusterView& view) const override;
  Key OutranksAbove(JobId p, const ClusterView& view) const override;
  std::string_view stop_reason() const override { return "a job with less time left arrived"; }
};

// Seconds the job still needs at its rate on its fastest type.
Duration TimeLeft(JobId job, const ClusterView& view);

std::unique_ptr<Policy> MakeSrtfPolicy(const PolicyOptions& options);

}  // namespace arbiter

#endif  // ARBITER_SCHED_SRTF_H_
