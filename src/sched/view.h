// What a scheduling policy may see and do. The core implements both interfaces; tests implement
// them with a few lines over a hand-built fleet, so every policy is testable without a core.
#ifndef ARBITER_SCHED_VIEW_H_
#define ARBITER_SCHED_VIEW_H_

#include <optional>

#include "model/fleet.h"
#include "model/job.h"

namespace arbiter {

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
};

// How a policy starts work. Each placement is applied at once, so the view reflects it when
// Place returns. Placing a job that does not fit, or is not pending, is a policy bug: the core
// refuses it and returns false.
class Placer {
 public:
  virtual ~Placer() = default;
  virtual bool Place(JobId job, PoolId pool) = 0;
};

}  // namespace arbiter

#endif  // ARBITER_SCHED_VIEW_H_
