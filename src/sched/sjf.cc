#include "sched/sjf.h"

namespace arbiter {

ListScheduler::Key SjfPolicy::KeyOn(JobId job, PoolId pool, const ClusterView& view) const {
  return {RuntimeOn(job, pool, view), view.job(job).submit};
}

std::unique_ptr<Policy> MakeSjfPolicy(const PolicyOptions& /*options*/) {
  return std::make_unique<SjfPolicy>();
}

}  // namespace arbiter
