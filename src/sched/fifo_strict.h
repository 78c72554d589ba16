// Strict FIFO: jobs start in order of priority (higher first), then submit time, then id, and a
// job that does not fit anywhere now blocks every job behind it until it starts (head-of-line
// blocking, as the FIFO of Tiresias's and Gavel's simulators does). Each job goes to the pool
// where it runs fastest among those with room now (then the cheaper, then the lower pool id;
// its tenant's holding pools first), as with `fifo`, which lets a smaller job pass a waiting
// larger one instead.
//
// Cost: a pass looks at the head of the queue, and at the next job only after the head started.
#ifndef ARBITER_SCHED_FIFO_STRICT_H_
#define ARBITER_SCHED_FIFO_STRICT_H_

#include <memory>
#include <tuple>
#include <vector>

#include "absl/container/btree_set.h"
#include "sched/policy.h"
#include "sched/ranked_pools.h"
#include "sched/registry.h"

namespace arbiter {

class StrictFifoPolicy final : public Policy {
 public:
  std::string_view name() const override { return "fifo-strict"; }
  void OnPending(JobId job, const ClusterView& view) override;
  void OnRemoved(JobId job) override;
  void Schedule(const ClusterView& view, std::span<const PoolId> grown, Placer& placer) override;

 private:
  using Key = std::tuple<int64_t, Time, JobId>;  // (-priority, submit, id)
  struct Slot {
    bool pending = false;
    Key key;
    int32_t ranked = -1;  // its shape's set in ranked_, once looked up
  };
  RankedPools ranked_;
  std::vector<Slot> slots_;
  absl::btree_set<Key> queue_;
};

std::unique_ptr<Policy> MakeStrictFifoPolicy(const PolicyOptions& options);

}  // namespace arbiter

#endif  // ARBITER_SCHED_FIFO_STRICT_H_
