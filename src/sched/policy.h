// The scheduling-policy extension point.
//
// A policy owns the order of pending work and the choice of pool. The core tells it which jobs
// became pending and which pools gained free capacity; in Schedule it starts what it wants to start
// now through the Placer. A policy sees only a ClusterView (no I/O, no clock, no global state), so
// the same events give the same placements. Policies are registered by name (registry.h).
#ifndef ARBITER_SCHED_POLICY_H_
#define ARBITER_SCHED_POLICY_H_

#include <span>
#include <string_view>

#include "model/market.h"
#include "sched/view.h"

namespace arbiter {

class Policy {
 public:
  virtual ~Policy() = default;
  virtual std::string_view name() const = 0;

  // `job` has become pending: just submitted, or back in the queue after a failed start. The core
  // calls this only for jobs that CanEverRun on at least one pool.
  virtual void OnPending(JobId job, const ClusterView& view) = 0;

  // `job` left the queue for a reason other than this policy placing it (it was cancelled).
  virtual void OnRemoved(JobId job) = 0;

  // Starts the jobs that should start now. `grown` lists the pools whose free capacity grew since
  // the last call (a job ended, capacity was added); jobs made pending since the last call are
  // also candidates. Called after every event.
  virtual void Schedule(const ClusterView& view, std::span<const PoolId> grown, Placer& placer) = 0;

  // How the tenant ranks providers' offers when a placement becomes a capacity request.
  virtual OfferPreference preference() const { return OfferPreference::kFinish; }

  // A job this policy placed no longer holds or uses capacity: its run ended (finished, stopped
  // by a preemption or a kill), its start failed, or its capacity request got no offer. Called
  // before OnPending when the job returns to the queue. Policies that keep books of use (per
  // tenant, per pool) update them here; the others ignore it.
  virtual void OnReleased(JobId /*job*/) {}
  // A job this policy did not place started a run on `pool`: the core's recovery policy placed it
  // after a kill (core/recovery.h). Policies that keep books of use count it here, so that it
  // counts against its tenant's quota like their own runs; OnReleased follows when the run ends.
  virtual void OnStartedElsewhere(JobId /*job*/, PoolId /*pool*/, const ClusterView& /*view*/) {}

  // The next time this policy wants a pass even if no event comes (the start of a round, the
  // moment a deadline forces a choice), or kNever. The core asks after every pass and sets a
  // timer; the pass at that time has no grown pools. Return kNever when there is nothing to do,
  // or a simulation would never end.
  virtual Time NextWakeup() const { return kNever; }
};

}  // namespace arbiter

#endif  // ARBITER_SCHED_POLICY_H_
