// Recovery policies: where a job that was killed (a node failed, the provider took its capacity
// back) runs again. Each is registered by name and chosen with `--recovery NAME` or the scenario's
// `faults.recovery`.
//
// A policy sees the killed run (its pool, provider and whether it was spot) and a ClusterView, and
// answers with candidate pools, best first, or hands the job back to the scheduling policy. The
// core keeps the job outside the scheduling policy while it recovers: after every event it starts
// the job on the first candidate where it fits now (pools in back-off show no room), and otherwise
// waits. Policies are pure functions of their inputs, so recovery is deterministic.
#ifndef ARBITER_CORE_RECOVERY_H_
#define ARBITER_CORE_RECOVERY_H_

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "sched/view.h"

namespace arbiter {

// The run that was killed.
struct KilledRun {
  JobId job;
  PoolId pool;
  ProviderId provider;  // of `pool`
  bool spot = false;    // the run was bought as spot
};

struct RecoveryCandidate {
  PoolId pool;
  Purchase how = Purchase::kDefault;
};

struct RecoveryPlan {
  // The scheduling policy decides, as for a new job (no candidate list).
  bool to_policy = false;
  absl::InlinedVector<RecoveryCandidate, 8> candidates;  // best first
};

class RecoveryPolicy {
 public:
  virtual ~RecoveryPolicy() = default;
  virtual std::string_view name() const = 0;
  virtual RecoveryPlan Plan(const KilledRun& run, const ClusterView& view) const = 0;
};

// Orders candidates: the job's preference (PreferenceOf: its `ordered` candidates; 0 otherwise),
// then lowest cost of the job's remaining run, then the pool most likely to hold
// (ClusterView::HoldPpm), then the lower pool id. Candidates the tenant cannot buy, and those the
// job's placement does not allow bought that way (PlacementAllows), are dropped.
void RankCandidates(JobId job, absl::InlinedVector<RecoveryCandidate, 8>& candidates,
                    const ClusterView& view);

struct RecoveryInfo {
  std::string name;
  std::string summary;
};

// Makes the recovery policy registered as `name`, or NotFound listing the names that exist.
absl::StatusOr<std::unique_ptr<RecoveryPolicy>> MakeRecoveryPolicy(std::string_view name);

// Every registered recovery policy, in name order.
std::vector<RecoveryInfo> ListRecoveryPolicies();

}  // namespace arbiter

#endif  // ARBITER_CORE_RECOVERY_H_
