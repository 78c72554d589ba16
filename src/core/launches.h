// Launches: the attempts to bring a job's nodes up, when launches take time
// (LaunchOptions::confirm), and what launching cost per provider.
//
// A start of a job becomes one or more attempts: the pool that was chosen and up to
// `parallel - 1` siblings (pools of the same provider and accelerator type where the tenant buys
// the same way, with room, not backed off, ranked like recovery candidates). Each attempt holds
// its pool's accelerators in the pool book from its launch. The first attempt the driver confirms
// wins; the others are cancelled and charged for the time they held. An attempt not up after
// `timeout` is cancelled and counts as a failed launch (learning and back-off see it). The part
// tells the Broker when an attempt won (it then begins the run) and when the job's last attempt
// failed (it then queues the job again). Without confirmation a start is up at once and only the
// launch figures are kept here.
#ifndef ARBITER_CORE_LAUNCHES_H_
#define ARBITER_CORE_LAUNCHES_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "core/access.h"
#include "core/billing.h"
#include "core/instant.h"
#include "core/job_table.h"
#include "core/learning.h"
#include "core/options.h"
#include "core/pool_book.h"
#include "core/restarts.h"
#include "model/summary.h"
#include "sched/view.h"

namespace arbiter {

// A launch attempt of a starting job.
struct Attempt {
  PoolId pool;
  Micros price = 0;
  ChargeKind kind = ChargeKind::kOnDemand;
  Time launched = 0;
  uint32_t number = 0;  // in the timeout timer's tag
};

class Launches {
 public:
  // Every reference must outlive the part. `view` is the core's ClusterView (room net of
  // back-off, eligibility, prices, hold estimates), used to pick parallel attempts.
  Launches(const Fleet& fleet, const LaunchOptions& options, Instant& instant, JobTable& jobs,
           PoolBook& book, Billing& billing, Learning& learning, const Restarts& restarts,
           const AccessTable& access, const ClusterView& view);

  // Without confirmation: a start on `pool` was sent and is up at once; or the driver reported
  // such a start failed.
  void CountImmediate(JobId job, PoolId pool);
  void CountImmediateFailure(JobId job, PoolId pool);

  // Launches `job` on `pool` (and on parallel siblings); the job is kStarting until one is up.
  void Launch(JobId job, PoolId pool, Micros price, ChargeKind kind);
  // The driver confirmed the attempt on `pool`: the other attempts are cancelled (and charged),
  // and the winner is returned for the run to begin. nullopt for attempts the core cancelled.
  std::optional<Attempt> Confirm(JobId job, PoolId pool);
  // Fails the attempt numbered `number` (if >= 0) or the one on `pool` (unset: the first) of a
  // starting job; a timed-out attempt is cancelled at the driver. Unknown attempts are ignored.
  // Returns true when that was the job's last attempt: the job must be queued again.
  bool Fail(JobId job, PoolId pool, int64_t number, bool timed_out);
  // A launch-timeout timer fired.
  bool OnTimeout(int64_t subject) {
    return Fail(JobId(static_cast<int32_t>(subject >> 24)), PoolId(), subject & 0xFFFFFF,
                /*timed_out=*/true);
  }

  const LaunchFigures& figures(ProviderId provider) const { return figures_[provider.index()]; }

 private:
  void AddAttempt(JobId job, PoolId pool, Micros price, ChargeKind kind);
  // An attempt (already removed from attempts_) ends without winning: its pool is free again.
  // `failed`: it counts as a failed launch of its pool (`timed_out`: by the core's timeout);
  // otherwise it was cancelled because another attempt won, and pays for the time it held.
  void EndAttempt(JobId job, const Attempt& attempt, bool failed, bool timed_out);

  const Fleet& fleet_;
  LaunchOptions options_;
  Instant& instant_;
  JobTable& jobs_;
  PoolBook& book_;
  Billing& billing_;
  Learning& learning_;
  const Restarts& restarts_;
  const AccessTable& access_;
  const ClusterView& view_;
  absl::flat_hash_map<int32_t, absl::InlinedVector<Attempt, 2>> attempts_;  // by job, starting
  // Per pool: the other pools of its provider and accelerator type, in id order (the candidates
  // for parallel attempts; filled only with LaunchOptions::parallel > 1).
  std::vector<std::vector<PoolId>> siblings_;
  uint32_t next_attempt_ = 0;
  std::vector<LaunchFigures> figures_;  // per provider
};

}  // namespace arbiter

#endif  // ARBITER_CORE_LAUNCHES_H_
