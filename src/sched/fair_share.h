// Fair share: one fleet-wide queue with quotas per tenant, weighted dominant-resource fairness,
// borrowing of idle quota, and preemption by priority and to reclaim lent quota. The model is
// Kueue's cohort of ClusterQueues, with a queue per tenant and the whole fleet as one cohort.
//
// Quotas. Tenant q has a nominal quota N[q][T] of each accelerator type T (Tenant::quotas; a type
// it does not list gets, by weight, a share of what the listed quotas leave of the fleet's
// capacity of T, among the tenants with access to T) and an optional borrowing limit. Its use
// U[q][T] counts the accelerators of its jobs this policy placed (running, or holding capacity
// while the market answers). A job of gang g on type T is admissible when U + g <= N + limit; it
// is within quota when U + g <= N, and otherwise borrows quota other tenants leave idle.
//
// Order. Every pending job waits in the index of sched/job_buckets.h. When a pool frees
// capacity, every admissible job that fits there is a candidate (the heads of the buckets of the
// pool's type with gang <= free), and the one that starts is the best by: within quota before
// borrowing; then the lower weighted dominant share of its tenant (max over types of
// U[q][T] / capacity(T), over the tenant's weight; exact rational comparison); then higher
// priority; then earlier submission; then lower id. It goes to the pool where it runs fastest
// among those where it fits now (its tenant's holdings first; then cheaper; then lower id). A job
// that cannot start is looked at again only when a pool of its type frees capacity or, if its
// quota held it back, when its tenant's use of that type drops.
//
// Preemption ("fair"; "fair-no-preempt" never preempts), tried for a job that becomes pending
// (submitted or requeued) and cannot start:
//  - by priority: victims are running jobs of the same tenant with strictly lower priority;
//  - to reclaim: when the job is within quota, victims are jobs of other tenants that were
//    admitted as borrowing and whose tenant still uses more than its nominal quota of the type;
//    never a provider's own first-party work on its pools.
// Victims come from one pool. On each pool (at most kPreemptPools of them, those with the most
// room) candidates are taken lowest priority first, then least work lost (ClusterView::WorkAtRisk
// as accelerator-seconds), then the newest run, until the job fits; then any victim that can be
// spared is dropped again (last first), so each set is minimal. The pool whose set loses the least
// work (then fewest victims, then fewest accelerators, then lower pool id) is used.
//
// No ping-pong: if job j preempts job v, v can never preempt j. A priority victim has a strictly
// lower priority than j and the same tenant (reclaim works only across tenants); a reclaim
// preemptor is within quota when admitted, so it is marked as not borrowing, and only jobs marked
// as borrowing are reclaim victims. tests/fair_share_test.cc shows it.
//
// Use is counted by the type of the pool the policy placed the job on; when the market delivers
// a job on another pool than the one placed, its use stays counted under the placed type.
#ifndef ARBITER_SCHED_FAIR_SHARE_H_
#define ARBITER_SCHED_FAIR_SHARE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "sched/eligibility.h"
#include "sched/job_buckets.h"
#include "sched/policy.h"
#include "sched/ranked_pools.h"
#include "sched/registry.h"

namespace arbiter {

class FairSharePolicy final : public Policy {
 public:
  // Pools examined for victims per preemption attempt.
  static constexpr int kPreemptPools = 8;

  explicit FairSharePolicy(bool preempt) : preempt_(preempt) {}
  std::string_view name() const override { return preempt_ ? "fair" : "fair-no-preempt"; }

  void OnPending(JobId job, const ClusterView& view) override;
  void OnRemoved(JobId job) override;
  void OnReleased(JobId job) override;
  void OnStartedElsewhere(JobId job, PoolId pool, const ClusterView& view) override;
  void Schedule(const ClusterView& view, std::span<const PoolId> grown, Placer& placer) override;

  // For tests and reports (valid after the first job became pending).
  int64_t nominal(TenantId tenant, AcceleratorTypeId type) const;
  int64_t usage(TenantId tenant, AcceleratorTypeId type) const;
  int64_t pending_count() const { return buckets_.size(); }
  int64_t preemptions() const { return static_cast<int64_t>(log_.size()); }
  // Every preemption, in order: (the job that needed room, the victim).
  const std::vector<std::pair<JobId, JobId>>& preemption_log() const { return log_; }

 private:
  struct Admission {
    TenantId tenant;
    PoolId pool;
    AcceleratorTypeId type;
    int32_t gang = 0;
    int32_t priority = 0;
    bool borrowed = false;
    bool admitted = false;
  };
  struct Queue {
    int64_t weight = 1;
    std::vector<int64_t> nominal;  // per type
    std::vector<int64_t> limit;    // per type: borrowing limit, -1 none
    std::vector<int64_t> usage;    // per type
    std::vector<uint8_t> blocked;  // per type: a job that fit was held back by this quota
    std::map<int32_t, int64_t> running_priorities;  // priority -> admitted jobs
  };
  // A tenant's weighted dominant share as an exact fraction.
  struct Share {
    int64_t num = 0;
    int64_t den = 1;
  };
  struct Plan {
    PoolId pool;
    std::vector<JobId> victims;
    int64_t lost = 0;  // accelerator-seconds
    int64_t accelerators = 0;
  };

  void Init(const ClusterView& view);
  bool Admissible(TenantId q, AcceleratorTypeId t, int64_t gang) const;
  bool Within(TenantId q, AcceleratorTypeId t, int64_t gang) const;
  Share ShareOf(TenantId q) const;
  static bool Less(const Share& a, const Share& b);
  // Starts the best candidates on `pool` until none fits.
  void FillPool(PoolId pool, const ClusterView& view, Placer& placer);
  // Pools where the job can start now (within its quota); its tenant's holdings only, if any.
  PoolList FitsNow(JobId job, const ClusterView& view);
  // FastestPool(FitsNow(job)), with FitsNow's effect on blocked flags, from ranked_ (no scan of
  // every eligible pool); invalid if the job can start nowhere now.
  PoolId Pick(JobId job, const ClusterView& view);
  void Start(JobId job, PoolId pool, const ClusterView& view, Placer& placer);
  void Admit(JobId job, PoolId pool, const ClusterView& view);
  void Release(JobId job);
  void NoteIdle(PoolId pool, const ClusterView& view);
  // Preempts a minimal set of victims on one pool and starts `job` there; false if none works.
  bool TryPreempt(JobId job, const ClusterView& view, Placer& placer);
  bool PlanOn(JobId job, PoolId pool, AcceleratorTypeId type, bool within, bool by_priority,
              const ClusterView& view, Plan& plan);

  bool preempt_;
  bool init_ = false;
  JobBuckets buckets_;
  RankedPools ranked_;
  std::vector<Admission> admitted_;        // per job
  std::vector<Queue> queues_;              // per tenant
  std::vector<int64_t> capacity_;          // per type, the fleet's
  std::vector<int64_t> pool_usage_;        // pools x tenants: accelerators admitted there
  std::vector<JobId> fresh_;               // became pending since the last pass
  std::vector<uint8_t> idle_flag_;         // per pool: listed in idle_
  std::vector<std::vector<PoolId>> idle_;  // per type: pools with free capacity after a pass
  std::vector<uint8_t> quota_freed_;       // per type: a held-back tenant's use dropped
  std::vector<int64_t> scratch_usage_;     // per tenant, for victim selection
  std::vector<std::pair<JobId, JobId>> log_;
};

std::unique_ptr<Policy> MakeFairSharePolicy(const PolicyOptions& options);
std::unique_ptr<Policy> MakeFairShareNoPreemptPolicy(const PolicyOptions& options);

}  // namespace arbiter

#endif  // ARBITER_SCHED_FAIR_SHARE_H_
