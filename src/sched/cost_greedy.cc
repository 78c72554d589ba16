#include "sched/cost_greedy.h"

namespace arbiter {

ListScheduler::Key CostGreedyPolicy::KeyOn(JobId job, PoolId /*pool*/,
                                           const ClusterView& view) const {
  const Job& spec = view.job(job);
  return {-static_cast<int64_t>(spec.priority), spec.submit};
}

std::unique_ptr<Policy> MakeCostGreedyPolicy(const PolicyOptions& /*options*/) {
  return std::make_unique<CostGreedyPolicy>();
}

}  // namespace arbiter
