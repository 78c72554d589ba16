// FIFO: jobs start in order of priority (higher first), then submit time, then id. A job that
// does not fit does not hold back the jobs behind it. Each job goes to the pool where it runs
// fastest among those with room now (then the cheaper, then the lower pool id).
#ifndef ARBITER_SCHED_FIFO_H_
#define ARBITER_SCHED_FIFO_H_

#include <memory>

#include "sched/list_scheduler.h"
#include "sched/registry.h"

namespace arbiter {

class FifoPolicy final : public ListScheduler {
 public:
  std::string_view name() const override { return "fifo"; }

 protected:
  KeyScope key_scope() const override { return KeyScope::kJob; }
  Key KeyOn(JobId job, PoolId pool, const ClusterView& view) const override;
  RankedPools::Rule rule() const override { return RankedPools::Rule::kFastest; }
};

std::unique_ptr<Policy> MakeFifoPolicy(const PolicyOptions& options);

}  // namespace arbiter

#endif  // ARBITER_SCHED_FIFO_H_
