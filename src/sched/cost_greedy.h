// Cost-greedy: the rule a single-job intercloud optimizer uses. Jobs are taken in order of
// priority, then submit time; each takes the pool where its whole run costs least (price for its
// tenant x accelerators x runtime on that pool's type) among the pools that can start it now, and
// waits if none can. Ties go to the shorter runtime, then the lower pool id.
#ifndef ARBITER_SCHED_COST_GREEDY_H_
#define ARBITER_SCHED_COST_GREEDY_H_

#include <memory>

#include "sched/list_scheduler.h"
#include "sched/registry.h"

namespace arbiter {

class CostGreedyPolicy final : public ListScheduler {
 public:
  std::string_view name() const override { return "cost-greedy"; }
  OfferPreference preference() const override { return OfferPreference::kCost; }

 protected:
  KeyScope key_scope() const override { return KeyScope::kJob; }
  Key KeyOn(JobId job, PoolId pool, const ClusterView& view) const override;
  RankedPools::Rule rule() const override { return RankedPools::Rule::kCheapest; }
};

std::unique_ptr<Policy> MakeCostGreedyPolicy(const PolicyOptions& options);

}  // namespace arbiter

#endif  // ARBITER_SCHED_COST_GREEDY_H_
