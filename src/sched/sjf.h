// Shortest job first: on each pool, the pending job with the shortest runtime on that pool's
// accelerator type starts first (then the earlier submit, then the lower id). Priority is not
// consulted. Each job goes to the pool where it runs fastest among those with room now.
#ifndef ARBITER_SCHED_SJF_H_
#define ARBITER_SCHED_SJF_H_

#include <memory>

#include "sched/list_scheduler.h"
#include "sched/registry.h"

namespace arbiter {

class SjfPolicy final : public ListScheduler {
 public:
  std::string_view name() const override { return "sjf"; }

 protected:
  KeyScope key_scope() const override { return KeyScope::kType; }
  Key KeyOn(JobId job, PoolId pool, const ClusterView& view) const override;
  RankedPools::Rule rule() const override { return RankedPools::Rule::kFastest; }
};

std::unique_ptr<Policy> MakeSjfPolicy(const PolicyOptions& options);

}  // namespace arbiter

#endif  // ARBITER_SCHED_SJF_H_
