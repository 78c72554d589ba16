#include "sched/fifo.h"

namespace arbiter {

ListScheduler::Key FifoPolicy::KeyOn(JobId job, PoolId /*pool*/, const ClusterView& view) const {
  const Job& spec = view.job(job);
  return {-static_cast<int64_t>(spec.priority), spec.submit};
}

std::unique_ptr<Policy> MakeFifoPolicy(const PolicyOptions& /*options*/) {
  return std::make_unique<FifoPolicy>();
}

}  // namespace arbiter
