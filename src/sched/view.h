// What a scheduling policy may see and do. The core implements both interfaces; tests implement
// them with a few lines over a hand-built fleet, so every policy is testable without a core.
#ifndef ARBITER_SCHED_VIEW_H_
#define ARBITER_SCHED_VIEW_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "model/fleet.h"
#include "model/job.h"

namespace arbiter {

// How a placement buys capacity on a pool.
enum class Purchase : uint8_t {
  kDefault,   // what the tenant's contracts give (core/broker.h, AccessFromContracts)
  kSpot,      // spot capacity under a spot contract with the pool's provider: cheaper, may be
              // preempted by the provider
  kOnDemand,  // the default purchase, but never spot (nothing where the default is spot)
};

// A read-only view of the fleet's state at the current instant.
class ClusterView {
 public:
  virtual ~ClusterView() = default;
  virtual Time now() const = 0;
  virtual const Fleet& fleet() const = 0;
  // Accelerators free in `pool` now (may be negative right after capacity was revoked).
  virtual int64_t FreeAccelerators(PoolId pool) const = 0;
  virtual const Job& job(JobId job) const = 0;
  // Work the job still has to do.
  virtual Work RemainingWork(JobId job) const = 0;
  // What `tenant` pays per accelerator-hour on `pool`, or nullopt if its contracts give it no
  // access to that pool.
  virtual std::optional<Micros> PriceFor(TenantId tenant, PoolId pool) const = 0;
  // Jobs running on `pool` now, in no particular order.
  virtual std::span<const JobId> RunningOn(PoolId pool) const = 0;
  // When the job's current run started (valid while it runs).
  virtual Time RunStart(JobId job) const = 0;
  // Work the job would lose if stopped now: its progress since the last checkpoint.
  virtual Work WorkAtRisk(JobId job) const = 0;
  // What `tenant` pays per accelerator-hour on `pool` when it buys `how`, or nullopt if it
  // cannot buy that way there. kDefault is PriceFor.
  virtual std::optional<Micros> PurchasePrice(TenantId tenant, PoolId pool, Purchase how) const {
    return how == Purchase::kDefault ? PriceFor(tenant, pool) : std::nullopt;
  }
  // How likely a run started on `pool` now is to hold (not fail to launch, not be taken back),
  // in parts per million, as the core learned it from the launches and kills it saw. kPpmOne
  // where nothing is learned (the default, and in runs without faults).
  virtual Ppm HoldPpm(PoolId /*pool*/) const { return kPpmOne; }
};

// How a policy starts and stops work. Each action is applied at once, so the view reflects it
// when the call returns. Placing a job that does not fit, or is not pending, or preempting one that
// is not running, is a policy bug: the core refuses it and returns false.
class Placer {
 public:
  virtual ~Placer() = default;
  virtual bool Place(JobId job, PoolId pool) = 0;
  // Places the job buying `how` (ClusterView::PurchasePrice says where that is possible); false,
  // changing nothing, where it is not.
  virtual bool PlaceAs(JobId job, PoolId pool, Purchase how) {
    return how == Purchase::kDefault && Place(job, pool);
  }
  // Stops a running job now. It keeps the work of its last checkpoint, is charged for the time it
  // ran and returns to the queue: the policy's OnPending is called for it before this returns.
  // Its accelerators are free at once; the pool is also offered to the next pass as grown.
  virtual bool Preempt(JobId job, std::string_view reason) = 0;
};

}  // namespace arbiter

#endif  // ARBITER_SCHED_VIEW_H_
